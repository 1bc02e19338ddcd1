package dev.coderadmission.policy.agenturl;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.coderadmission.admission.AdmissionRequest;
import dev.coderadmission.admission.AdmissionReviews;
import dev.coderadmission.admission.Decision;
import dev.coderadmission.admission.JsonScanner;
import dev.coderadmission.admission.Operation;
import dev.coderadmission.admission.PatchBuilder;
import dev.coderadmission.admission.Policy;
import dev.coderadmission.config.AgentUrlConfig;
import dev.coderadmission.config.CoderConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Points the Coder agent of every workspace pod at the in-cluster URL (seed 002: the external URL
 * resolves to a wrong LAN address inside the cluster). Setting {@code CODER_AGENT_URL} alone is not
 * enough: Coder's bootstrap script exports {@code CODER_AGENT_URL="${ACCESS_URL}"} from text baked
 * in at provisioning time, so the external URL inside the script text is rewritten too.
 *
 * <p>The pod is read from its JSON without a tree ({@link PodJson}), and the patch is written
 * operation by operation against it (a diff of an 11 KB pod cost more than the rest of the policy),
 * and only for values that differ: fields unknown to any model are never touched and a second pass
 * produces no patch.
 */
public final class AgentUrlPolicy implements Policy {
    public static final String ANNOTATION = "coder-admission.dev/agent-url";
    static final String AGENT_URL_ENV = "CODER_AGENT_URL";
    static final Set<String> TOKEN_ENVS = Set.of("CODER_AGENT_TOKEN", "CODER_AGENT_TOKEN_FILE");

    private final AgentUrlConfig config;
    private final AgentUrl url;
    /** Rewrites the access URL in the container's strings; null when there is none to rewrite. */
    private final AccessUrlRewrite accessUrl;

    public AgentUrlPolicy(AgentUrlConfig config, CoderConfig coder, AgentUrl url) {
        this.config = config;
        this.url = url;
        this.accessUrl = coder.accessUrl() == null || !config.rewriteInitScript() ? null
                : new AccessUrlRewrite(coder.accessUrl());
    }

    @Override
    public Decision admit(AdmissionRequest request) {
        // Kind, operation and namespace first: they come from the request's envelope, so a pod outside
        // the workspace namespaces (the common case) is allowed without its object ever being read.
        if (!config.enabled() || request.operation() != Operation.CREATE || !request.is("", "Pod")
                || !config.namespaces().contains(request.effectiveNamespace())) {
            return Decision.allow();
        }
        var pod = read(request);
        if (pod == null) {
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
        for (var container : agentContainers(pod, containers)) {
            var path = "/spec/" + container.list + "/" + container.index;
            rewriteInitScript(pod, container, path, internal.get(), patch);
            setAgentUrl(pod, container, path, internal.get(), request, warnings, patch);
        }
        annotate(pod, internal.get(), patch);
        return patch.decide(warnings);
    }

    /** The pod, from the bytes the API server sent (or, offline, the tree's); null when the object is not a JSON object. */
    private static PodJson read(AdmissionRequest request) {
        // where it lies in the request's body: the walk skips managedFields like every member it does not read
        var bytes = request.unparsedObjectBytes();
        try {
            if (bytes == null) {
                if (!(request.object() instanceof ObjectNode tree)) {
                    return null;
                }
                return PodJson.read(AdmissionReviews.JSON.writeValueAsBytes(tree));
            }
            return PodJson.read(bytes.bytes(), bytes.start(), bytes.end());
        } catch (JsonScanner.Malformed | JsonProcessingException e) {
            // the body was checked whole before any policy ran, and a tree always serialises
            throw new IllegalStateException("the pod's JSON does not read: " + e.getMessage(), e);
        }
    }

    /**
     * The containers that may run the agent: every regular container, and init containers with
     * {@code restartPolicy: Always} (native sidecars, which run beside them for the pod's life).
     */
    private static List<PodJson.Container> candidates(PodJson pod) {
        var result = new ArrayList<>(pod.containers);
        for (var init : pod.initContainers) {
            if ("Always".equals(pod.text(init.restartPolicy, ""))) {
                result.add(init);
            }
        }
        return result;
    }

    private static boolean isSidecar(PodJson.Container container) {
        return container.list.equals("initContainers");
    }

    private static boolean isWorkspace(PodJson pod, List<PodJson.Container> containers) {
        if ("true".equals(pod.text(pod.coderResourceLabel, null))
                || "coder-workspace".equals(pod.text(pod.appNameLabel, null))) {
            return true;
        }
        return containers.stream().anyMatch(container -> declaresToken(pod, container));
    }

    private static boolean declaresToken(PodJson pod, PodJson.Container container) {
        if (container.env != null) {
            for (var env : container.env) {
                if (env.isObject && TOKEN_ENVS.contains(pod.text(env.name, ""))) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The containers that run the agent: those given its token, or every regular container when none is. */
    private static List<PodJson.Container> agentContainers(PodJson pod, List<PodJson.Container> containers) {
        var withToken = containers.stream().filter(container -> declaresToken(pod, container)).toList();
        return withToken.isEmpty() ? containers.stream().filter(container -> !isSidecar(container)).toList() : withToken;
    }

    /**
     * The access URL in the container's command, args and env values, rewritten: Coder's bootstrap
     * script (in an env value for envbuilder, in args otherwise) exports it as the agent URL.
     */
    private void rewriteInitScript(PodJson pod, PodJson.Container container, String path, String internal,
                                   PatchBuilder patch) {
        if (accessUrl == null) {
            return;
        }
        rewriteAll(pod, container.command, path + "/command/", internal, patch);
        rewriteAll(pod, container.args, path + "/args/", internal, patch);
        if (container.env != null) {
            for (var env : container.env) {
                // the agent URL variable itself is set below, whatever it held
                if (env.isObject && env.value != null && !isAgentUrl(pod, env)) {
                    var rewritten = rewrite(pod, env.value, internal);
                    if (rewritten != null) {
                        patch.replaceString(path + "/env/" + env.index + "/value", rewritten);
                    }
                }
            }
        }
    }

    private void rewriteAll(PodJson pod, List<PodJson.Token> strings, String path, String internal, PatchBuilder patch) {
        if (strings == null) {
            return;
        }
        for (int i = 0; i < strings.size(); i++) {
            var rewritten = rewrite(pod, strings.get(i), internal);
            if (rewritten != null) {
                patch.replaceString(path + i, rewritten);
            }
        }
    }

    /** The string with the access URL replaced, as JSON; null when it is not a string or the URL does not occur. */
    private byte[] rewrite(PodJson pod, PodJson.Token token, String internal) {
        if (!pod.isString(token)) {
            return null;
        }
        try {
            return accessUrl.rewrite(pod.json, token.start(), token.end(), token.escaped(), internal);
        } catch (JsonScanner.Malformed e) {
            throw new IllegalStateException("a string the scanner checked does not decode", e);
        }
    }

    private static boolean isAgentUrl(PodJson pod, PodJson.Env env) {
        return AGENT_URL_ENV.equals(pod.text(env.name, null));
    }

    private static void setAgentUrl(PodJson pod, PodJson.Container container, String path, String internal,
                                    AdmissionRequest request, List<String> warnings, PatchBuilder patch) {
        var value = TextNode.valueOf(internal);
        if (container.env == null) {
            var env = JsonNodeFactory.instance.arrayNode();
            env.addObject().put("name", AGENT_URL_ENV).put("value", internal);
            patch.set(container.hasEnv, path + "/env", env);
            return;
        }
        boolean found = false;
        for (var entry : container.env) {
            if (!entry.isObject || !isAgentUrl(pod, entry)) {
                continue;
            }
            found = true;
            if (entry.valueFrom != null && entry.value == null) {
                warnings.add("coder-admission: " + request.describe() + " container " + pod.text(container.name, "?")
                        + " takes " + AGENT_URL_ENV + " from valueFrom, which is left alone; make sure it resolves to "
                        + internal);
            } else if (!pod.isText(entry.value, internal)) {
                patch.set(entry.value != null, path + "/env/" + entry.index + "/value", value);
            }
        }
        if (!found) {
            var entry = JsonNodeFactory.instance.objectNode().put("name", AGENT_URL_ENV).put("value", internal);
            patch.add(path + "/env/" + container.env.size(), entry);
        }
    }

    /** Records the URL the pod was given in its annotations, for people and for {@code audit}. */
    private static void annotate(PodJson pod, String internal, PatchBuilder patch) {
        var value = TextNode.valueOf(internal);
        if (!pod.metadataIsObject) {
            var metadata = JsonNodeFactory.instance.objectNode();
            metadata.putObject("annotations").set(ANNOTATION, value);
            patch.set(pod.hasMetadata, "/metadata", metadata);
        } else if (!pod.annotationsIsObject) {
            var annotations = JsonNodeFactory.instance.objectNode();
            annotations.set(ANNOTATION, value);
            patch.set(pod.hasAnnotations, "/metadata/annotations", annotations);
        } else if (!pod.isText(pod.agentUrlAnnotation, internal)) {
            patch.set(pod.agentUrlAnnotation != null, "/metadata/annotations/" + PatchBuilder.escape(ANNOTATION), value);
        }
    }
}
