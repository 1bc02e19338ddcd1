package dev.coderadmission.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.MissingNode;
import dev.coderadmission.admission.AdmissionRequest;
import dev.coderadmission.admission.Decision;
import dev.coderadmission.admission.Operation;
import dev.coderadmission.admission.Webhook;
import dev.coderadmission.kube.Scopes;
import io.fabric8.zjsonpatch.JsonPatch;

import java.util.ArrayList;

/**
 * Evaluates one object as kube-apiserver would on CREATE: every mutating webhook in order, each
 * patch applied before the next sees the object, then every validating webhook on the final object.
 * {@code dry-run}, {@code test}, {@code audit} and the background audit of {@code serve} all judge
 * through this, with the webhook table the server routes by.
 */
public final class Evaluator {
    private final Webhooks webhooks;
    private final String defaultNamespace;

    public Evaluator(Webhooks webhooks, String defaultNamespace) {
        this.webhooks = webhooks;
        this.defaultNamespace = defaultNamespace;
    }

    /**
     * @throws dev.coderadmission.admission.NotSynced when a policy needs an index that has not listed yet
     *         (only the server's informer-backed lookups; offline state is always complete)
     */
    public Evaluation evaluate(String source, JsonNode body) {
        JsonNode object = body.deepCopy();
        var patch = JsonNodeFactory.instance.arrayNode();
        var messages = new ArrayList<String>();
        var warnings = new ArrayList<String>();
        var mutatedBy = new ArrayList<String>();
        var deniedBy = new ArrayList<String>();
        for (var webhook : webhooks.inPhase(Webhook.Phase.MUTATING)) {
            var decision = webhook.policy().admit(request(object));
            warnings.addAll(decision.warnings());
            if (decision instanceof Decision.Patch p) {
                object = JsonPatch.apply(p.operations(), object);
                p.operations().forEach(patch::add);
                mutatedBy.add(webhook.name());
            } else if (decision instanceof Decision.Deny d) {
                messages.add(d.message());
                deniedBy.add(webhook.name());
            }
        }
        if (deniedBy.isEmpty()) {
            for (var webhook : webhooks.inPhase(Webhook.Phase.VALIDATING)) {
                var decision = webhook.policy().admit(request(object));
                warnings.addAll(decision.warnings());
                if (decision instanceof Decision.Deny d) {
                    messages.add(d.message());
                    deniedBy.add(webhook.name());
                }
            }
        }
        var verdict = !deniedBy.isEmpty() ? Evaluation.Verdict.DENIED
                : patch.isEmpty() ? Evaluation.Verdict.ALLOWED : Evaluation.Verdict.MUTATED;
        return new Evaluation(source, text(object, "apiVersion"), text(object, "kind"),
                namespace(object), nameOrGenerateName(object), verdict, messages, warnings, patch, body, object,
                mutatedBy, deniedBy);
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
}
