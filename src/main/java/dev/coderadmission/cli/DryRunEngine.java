package dev.coderadmission.cli;

import dev.coderadmission.kube.Scopes;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.MissingNode;
import dev.coderadmission.admission.AdmissionRequest;
import dev.coderadmission.admission.Decision;
import dev.coderadmission.admission.Operation;
import dev.coderadmission.admission.Webhook;
import dev.coderadmission.policy.Webhooks;
import io.fabric8.zjsonpatch.JsonPatch;

import java.util.ArrayList;
import java.util.List;

/**
 * Evaluates one object as kube-apiserver would on CREATE: every mutating webhook in order, each
 * patch applied before the next sees the object, then every validating webhook on the final object.
 */
final class DryRunEngine {
    private final Webhooks webhooks;
    private final String defaultNamespace;

    DryRunEngine(Webhooks webhooks, String defaultNamespace) {
        this.webhooks = webhooks;
        this.defaultNamespace = defaultNamespace;
    }

    DryRunResult evaluate(Manifest.Object manifest) {
        JsonNode object = manifest.body().deepCopy();
        var patch = JsonNodeFactory.instance.arrayNode();
        var messages = new ArrayList<String>();
        var warnings = new ArrayList<String>();
        boolean denied = false;
        for (var webhook : webhooks.inPhase(Webhook.Phase.MUTATING)) {
            var decision = webhook.policy().admit(request(object));
            warnings.addAll(decision.warnings());
            if (decision instanceof Decision.Patch p) {
                object = JsonPatch.apply(p.operations(), object);
                p.operations().forEach(patch::add);
            } else if (decision instanceof Decision.Deny d) {
                messages.add(d.message());
                denied = true;
            }
        }
        if (!denied) {
            for (var webhook : webhooks.inPhase(Webhook.Phase.VALIDATING)) {
                var decision = webhook.policy().admit(request(object));
                warnings.addAll(decision.warnings());
                if (decision instanceof Decision.Deny d) {
                    messages.add(d.message());
                    denied = true;
                }
            }
        }
        var verdict = denied ? DryRunResult.Verdict.DENIED
                : patch.isEmpty() ? DryRunResult.Verdict.ALLOWED : DryRunResult.Verdict.MUTATED;
        return new DryRunResult(manifest.source(), text(object, "apiVersion"), text(object, "kind"),
                namespace(object), nameOrGenerateName(object), verdict, messages, warnings, patch, manifest.body(), object);
    }

    private AdmissionRequest request(JsonNode object) {
        var apiVersion = text(object, "apiVersion");
        var slash = apiVersion.indexOf('/');
        return new AdmissionRequest(
                "dry-run",
                slash < 0 ? "" : apiVersion.substring(0, slash),
                slash < 0 ? apiVersion : apiVersion.substring(slash + 1),
                text(object, "kind"),
                namespace(object),
                text(object.path("metadata"), "name"),
                Operation.CREATE,
                object,
                MissingNode.getInstance(),
                true);
    }

    /** Controllers create pods with generateName only; that prefix is the best name a report can give. */
    private static String nameOrGenerateName(JsonNode object) {
        var name = text(object.path("metadata"), "name");
        return name.isEmpty() ? text(object.path("metadata"), "generateName") : name;
    }

    private String namespace(JsonNode object) {
        if (Scopes.clusterScoped(text(object, "apiVersion"), text(object, "kind"))) {
            return ""; // a Namespace, ClusterRole, webhook configuration... lives in no namespace
        }
        var namespace = text(object.path("metadata"), "namespace");
        return namespace.isEmpty() ? defaultNamespace : namespace;
    }

    private static String text(JsonNode node, String field) {
        var value = node.path(field);
        return value.isTextual() ? value.textValue() : "";
    }

    /**
     * The outcome for one object.
     *
     * @param original the object as read (rendered)
     * @param object   the object after every mutating webhook: what the API server would store
     */
    record DryRunResult(String source, String apiVersion, String kind, String namespace, String name,
                        Verdict verdict, List<String> messages, List<String> warnings, ArrayNode patch,
                        JsonNode original, JsonNode object) {
        enum Verdict { ALLOWED, MUTATED, DENIED }
    }
}
