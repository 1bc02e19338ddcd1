package dev.coderadmission.policy.agenturl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.coderadmission.admission.AdmissionRequest;
import dev.coderadmission.admission.Decision;
import dev.coderadmission.admission.Operation;
import dev.coderadmission.admission.PatchBuilder;
import dev.coderadmission.admission.Policy;
import dev.coderadmission.config.AgentUrlConfig;
import dev.coderadmission.config.CoderConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The agent-url policy as it was written before it read pods from their bytes: on the JSON tree,
 * with the access URL matched by a regular expression on the decoded text. Kept as the definition
 * {@link AgentUrlPolicyOracleTest} checks {@link AgentUrlPolicy} against.
 */
final class TreeAgentUrlPolicy implements Policy {
    static final String ANNOTATION = AgentUrlPolicy.ANNOTATION;
    static final String AGENT_URL_ENV = "CODER_AGENT_URL";
    static final Set<String> TOKEN_ENVS = Set.of("CODER_AGENT_TOKEN", "CODER_AGENT_TOKEN_FILE");

    private final AgentUrlConfig config;
    private final AgentUrl url;
    /** The access URL as a whole URL: not followed by more host name or a port. */
    private final Pattern accessUrl;

    TreeAgentUrlPolicy(AgentUrlConfig config, CoderConfig coder, AgentUrl url) {
        this.config = config;
        this.url = url;
        this.accessUrl = coder.accessUrl() == null || !config.rewriteInitScript() ? null
                : Pattern.compile(Pattern.quote(coder.accessUrl()) + "(?![A-Za-z0-9.:\\-])");
    }

    @Override
    public Decision admit(AdmissionRequest request) {
        // Kind, operation and namespace first: they come from the request's envelope, so a pod outside
        // the workspace namespaces (the common case) is allowed without its object ever being parsed.
        if (!config.enabled() || request.operation() != Operation.CREATE || !request.is("", "Pod")
                || !config.namespaces().contains(request.effectiveNamespace())
                || !(request.object() instanceof ObjectNode pod)) {
            return Decision.allow();
        }
        var containers = candidates(pod);
        if (containers.isEmpty() || !isWorkspace(pod, containers)) {
            return Decision.allow();
        }
        var internal = url.current();
        if (internal.isEmpty()) {
            return Decision.allow(List.of("coder-admission: no internal Coder URL is known (" + url.source()
                    + "); " + request.describe() + " keeps its agent URL"));
        }
        var patch = new PatchBuilder();
        var warnings = new ArrayList<String>();
        for (var at : agentContainers(containers)) {
            var container = (ObjectNode) at.container();
            var path = "/spec/" + at.list() + "/" + at.index();
            rewriteInitScript(container, path, internal.get(), patch);
            setAgentUrl(container, path, internal.get(), request, warnings, patch);
        }
        annotate(pod, internal.get(), patch);
        return patch.decide(warnings);
    }

    /** A container of the pod: in {@code spec.containers}, or a native sidecar in {@code spec.initContainers}. */
    private record At(String list, int index, JsonNode container, boolean sidecar) {
    }

    /**
     * The containers that may run the agent: every regular container, and init containers with
     * {@code restartPolicy: Always} (native sidecars, which run beside them for the pod's life).
     */
    private static List<At> candidates(JsonNode pod) {
        var result = new ArrayList<At>();
        var containers = pod.path("spec").path("containers");
        for (int i = 0; i < containers.size(); i++) {
            if (containers.get(i).isObject()) {
                result.add(new At("containers", i, containers.get(i), false));
            }
        }
        var init = pod.path("spec").path("initContainers");
        for (int i = 0; i < init.size(); i++) {
            if (init.get(i).isObject() && "Always".equals(init.get(i).path("restartPolicy").asText(""))) {
                result.add(new At("initContainers", i, init.get(i), true));
            }
        }
        return result;
    }

    private static boolean isWorkspace(JsonNode pod, List<At> containers) {
        var labels = pod.path("metadata").path("labels");
        if ("true".equals(labels.path("com.coder.resource").asText(null))
                || "coder-workspace".equals(labels.path("app.kubernetes.io/name").asText(null))) {
            return true;
        }
        return containers.stream().anyMatch(at -> declaresToken(at.container()));
    }

    private static boolean declaresToken(JsonNode container) {
        for (var env : container.path("env")) {
            if (TOKEN_ENVS.contains(env.path("name").asText(""))) {
                return true;
            }
        }
        return false;
    }

    /** The containers that run the agent: those given its token, or every regular container when none is. */
    private static List<At> agentContainers(List<At> containers) {
        var withToken = containers.stream().filter(at -> declaresToken(at.container())).toList();
        return withToken.isEmpty() ? containers.stream().filter(at -> !at.sidecar()).toList() : withToken;
    }

    /**
     * The access URL in the container's command, args and env values, rewritten: Coder's bootstrap
     * script (in an env value for envbuilder, in args otherwise) exports it as the agent URL.
     */
    private void rewriteInitScript(ObjectNode container, String path, String internal, PatchBuilder patch) {
        if (accessUrl == null) {
            return;
        }
        var replacement = Matcher.quoteReplacement(internal);
        for (var field : List.of("command", "args")) {
            if (container.get(field) instanceof ArrayNode strings) {
                for (int i = 0; i < strings.size(); i++) {
                    var rewritten = rewrite(strings.get(i), replacement);
                    if (rewritten != null) {
                        patch.replace(path + "/" + field + "/" + i, rewritten);
                    }
                }
            }
        }
        if (container.get("env") instanceof ArrayNode envs) {
            for (int i = 0; i < envs.size(); i++) {
                // the agent URL variable itself is set below, whatever it held
                if (envs.get(i) instanceof ObjectNode entry && entry.has("value") && !isAgentUrl(entry)) {
                    var rewritten = rewrite(entry.get("value"), replacement);
                    if (rewritten != null) {
                        patch.replace(path + "/env/" + i + "/value", rewritten);
                    }
                }
            }
        }
    }

    /** The text with the access URL replaced; null when it does not occur. */
    private TextNode rewrite(JsonNode node, String replacement) {
        if (!node.isTextual()) {
            return null;
        }
        var matcher = accessUrl.matcher(node.textValue());
        return matcher.find() ? TextNode.valueOf(matcher.replaceAll(replacement)) : null;
    }

    private static boolean isAgentUrl(ObjectNode entry) {
        return AGENT_URL_ENV.equals(entry.path("name").asText(null));
    }

    private static void setAgentUrl(ObjectNode container, String path, String internal, AdmissionRequest request,
                                    List<String> warnings, PatchBuilder patch) {
        var value = TextNode.valueOf(internal);
        if (!(container.get("env") instanceof ArrayNode envs)) {
            var env = container.arrayNode();
            env.addObject().put("name", AGENT_URL_ENV).put("value", internal);
            patch.set(container.has("env"), path + "/env", env);
            return;
        }
        boolean found = false;
        for (int i = 0; i < envs.size(); i++) {
            if (!(envs.get(i) instanceof ObjectNode entry) || !isAgentUrl(entry)) {
                continue;
            }
            found = true;
            if (entry.has("valueFrom") && !entry.has("value")) {
                warnings.add("coder-admission: " + request.describe() + " container " + container.path("name").asText("?")
                        + " takes " + AGENT_URL_ENV + " from valueFrom, which is left alone; make sure it resolves to "
                        + internal);
            } else if (!value.equals(entry.get("value"))) {
                patch.set(entry.has("value"), path + "/env/" + i + "/value", value);
            }
        }
        if (!found) {
            var entry = container.objectNode().put("name", AGENT_URL_ENV).put("value", internal);
            patch.add(path + "/env/" + envs.size(), entry);
        }
    }

    /** Records the URL the pod was given in its annotations, for people and for {@code audit}. */
    private static void annotate(ObjectNode pod, String internal, PatchBuilder patch) {
        var value = TextNode.valueOf(internal);
        if (!(pod.get("metadata") instanceof ObjectNode metadata)) {
            var metadata = pod.objectNode();
            metadata.putObject("annotations").set(ANNOTATION, value);
            patch.set(pod.has("metadata"), "/metadata", metadata);
        } else if (!(metadata.get("annotations") instanceof ObjectNode annotations)) {
            var annotations = pod.objectNode();
            annotations.set(ANNOTATION, value);
            patch.set(metadata.has("annotations"), "/metadata/annotations", annotations);
        } else if (!value.equals(annotations.get(ANNOTATION))) {
            patch.set(annotations.has(ANNOTATION), "/metadata/annotations/" + PatchBuilder.escape(ANNOTATION), value);
        }
    }
}
