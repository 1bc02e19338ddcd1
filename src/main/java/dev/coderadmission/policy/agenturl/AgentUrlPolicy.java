package dev.coderadmission.policy.agenturl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.coderadmission.admission.AdmissionRequest;
import dev.coderadmission.admission.Decision;
import dev.coderadmission.admission.Operation;
import dev.coderadmission.admission.Patches;
import dev.coderadmission.admission.Policy;
import dev.coderadmission.config.AgentUrlConfig;
import dev.coderadmission.config.CoderConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Points the Coder agent of every workspace pod at the in-cluster URL (seed 002: the external URL
 * resolves to a wrong LAN address inside the cluster). Setting {@code CODER_AGENT_URL} alone is not
 * enough: Coder's bootstrap script exports {@code CODER_AGENT_URL="${ACCESS_URL}"} from text baked
 * in at provisioning time, so the external URL inside the script text is rewritten too.
 *
 * <p>The pod is changed as a JSON tree and the patch is the diff against the tree the API server
 * sent, so fields unknown to any model survive and a second pass produces no patch.
 */
public final class AgentUrlPolicy implements Policy {
    public static final String ANNOTATION = "coder-admission.dev/agent-url";
    static final String AGENT_URL_ENV = "CODER_AGENT_URL";
    static final Set<String> TOKEN_ENVS = Set.of("CODER_AGENT_TOKEN", "CODER_AGENT_TOKEN_FILE");

    private final AgentUrlConfig config;
    private final AgentUrl url;
    /** The access URL as a whole URL: not followed by more host name or a port. */
    private final Pattern accessUrl;

    public AgentUrlPolicy(AgentUrlConfig config, CoderConfig coder, AgentUrl url) {
        this.config = config;
        this.url = url;
        this.accessUrl = coder.accessUrl() == null || !config.rewriteInitScript() ? null
                : Pattern.compile(Pattern.quote(coder.accessUrl()) + "(?![A-Za-z0-9.:\\-])");
    }

    @Override
    public Decision admit(AdmissionRequest request) {
        if (!config.enabled() || request.operation() != Operation.CREATE || !request.is("", "Pod")
                || !(request.object() instanceof ObjectNode pod)) {
            return Decision.allow();
        }
        var namespace = request.effectiveNamespace();
        var containers = candidates(pod);
        if (!config.namespaces().contains(namespace) || containers.isEmpty() || !isWorkspace(pod, containers)) {
            return Decision.allow();
        }
        var internal = url.current();
        if (internal.isEmpty()) {
            return Decision.allow(List.of("coder-admission: no internal Coder URL is known (" + url.source()
                    + "); " + request.describe() + " keeps its agent URL"));
        }
        // Copy only the path to what changes and share the rest with the request's tree: a workspace pod
        // is ~11 KB of JSON, and the diff below skips shared subtrees by identity.
        var spec = (ObjectNode) pod.get("spec"); // an object: candidates() found containers in it
        var mutated = shallowCopy(pod);
        var specCopy = shallowCopy(spec);
        mutated.set("spec", specCopy);
        for (var list : List.of("containers", "initContainers")) {
            if (spec.get(list) instanceof ArrayNode original) {
                specCopy.set(list, original.arrayNode().addAll(original));
            }
        }
        if (pod.get("metadata") instanceof ObjectNode metadata) {
            var metadataCopy = shallowCopy(metadata);
            if (metadata.get("annotations") instanceof ObjectNode annotations) {
                metadataCopy.set("annotations", shallowCopy(annotations));
            }
            mutated.set("metadata", metadataCopy);
        }
        var warnings = new ArrayList<String>();
        for (var at : agentContainers(containers)) {
            var list = (ArrayNode) mutated.path("spec").path(at.list());
            var container = (ObjectNode) list.get(at.index()).deepCopy();
            list.set(at.index(), container);
            rewriteInitScript(container, internal.get());
            setAgentUrl(container, internal.get(), request, warnings);
        }
        annotations(mutated).put(ANNOTATION, internal.get());
        return Patches.decide(pod, mutated, warnings);
    }

    /** A new object with the same fields, the values shared (not copied). */
    private static ObjectNode shallowCopy(ObjectNode node) {
        var copy = node.objectNode();
        copy.setAll(node);
        return copy;
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

    private void rewriteInitScript(ObjectNode container, String internal) {
        if (accessUrl == null) {
            return;
        }
        var replacement = Matcher.quoteReplacement(internal);
        for (var field : List.of("command", "args")) {
            if (container.get(field) instanceof ArrayNode strings) {
                for (int i = 0; i < strings.size(); i++) {
                    int index = i;
                    rewrite(strings.get(i), replacement).ifPresent(text -> strings.set(index, text));
                }
            }
        }
        if (container.get("env") instanceof ArrayNode envs) {
            for (var env : envs) {
                if (env instanceof ObjectNode entry && entry.has("value")) {
                    var replaced = rewrite(entry.get("value"), replacement);
                    replaced.ifPresent(value -> entry.set("value", value));
                }
            }
        }
    }

    /** The text with the access URL replaced; empty when it does not occur (so unchanged nodes stay identical). */
    private Optional<TextNode> rewrite(JsonNode node, String replacement) {
        if (!node.isTextual()) {
            return Optional.empty();
        }
        var matcher = accessUrl.matcher(node.textValue());
        return matcher.find() ? Optional.of(TextNode.valueOf(matcher.replaceAll(replacement))) : Optional.empty();
    }

    private static void setAgentUrl(ObjectNode container, String internal, AdmissionRequest request, List<String> warnings) {
        var envs = container.get("env") instanceof ArrayNode existing ? existing : container.putArray("env");
        boolean found = false;
        for (var env : envs) {
            if (!(env instanceof ObjectNode entry) || !AGENT_URL_ENV.equals(entry.path("name").asText(null))) {
                continue;
            }
            found = true;
            if (entry.has("valueFrom") && !entry.has("value")) {
                warnings.add("coder-admission: " + request.describe() + " container " + container.path("name").asText("?")
                        + " takes " + AGENT_URL_ENV + " from valueFrom, which is left alone; make sure it resolves to "
                        + internal);
            } else if (!internal.equals(entry.path("value").asText(null))) {
                entry.put("value", internal);
            }
        }
        if (!found) {
            envs.addObject().put("name", AGENT_URL_ENV).put("value", internal);
        }
    }

    private static ObjectNode annotations(ObjectNode pod) {
        var metadata = pod.get("metadata") instanceof ObjectNode m ? m : pod.putObject("metadata");
        return metadata.get("annotations") instanceof ObjectNode a ? a : metadata.putObject("annotations");
    }
}
