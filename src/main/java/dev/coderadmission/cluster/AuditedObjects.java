package dev.coderadmission.cluster;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.coderadmission.admission.AdmissionReviews;
import dev.coderadmission.config.AdmissionConfig;
import dev.coderadmission.kube.Kube;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResourceList;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.MixedOperation;

import java.util.LinkedHashSet;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The objects an audit judges, read page by page ({@code limit}/{@code continue}) so that neither the
 * API server nor this process holds a whole cluster's Pods at once: every Service and Ingress, and the
 * Pods of the workspace namespaces when agent URL injection is on. Read-only: list is the only verb.
 */
public final class AuditedObjects {

    /** One listed object, with apiVersion and kind filled in (list items come without them). */
    public record Listed(String source, ObjectNode body) {
        public String namespace() {
            return body.path("metadata").path("namespace").asText();
        }
    }

    private AuditedObjects() {
    }

    /**
     * @param namespace null: every namespace
     */
    public static void forEach(KubernetesClient client, AdmissionConfig config, String namespace, long pageSize,
                               Consumer<Listed> consumer) {
        list(client.services(), "v1", "Service", namespace, pageSize, consumer);
        list(client.network().v1().ingresses(), "networking.k8s.io/v1", "Ingress", namespace, pageSize, consumer);
        if (config.agentUrl().enabled()) {
            // only where the mutator looks: listing every Pod of a large cluster would say nothing more
            var podNamespaces = new LinkedHashSet<>(config.agentUrl().namespaces());
            if (namespace != null) {
                podNamespaces.retainAll(java.util.Set.of(namespace));
            }
            for (var podNamespace : podNamespaces) {
                list(client.pods(), "v1", "Pod", podNamespace, pageSize, consumer);
            }
        }
    }

    /** Every object of a kind, {@code pageSize} at a time, in one namespace or (null) all. */
    public static <T extends HasMetadata, L extends KubernetesResourceList<T>> void list(
            MixedOperation<T, L, ?> api, String apiVersion, String kind, String namespace, long pageSize,
            Consumer<Listed> consumer) {
        String token = null;
        do {
            var options = new ListOptionsBuilder().withLimit(pageSize).withContinue(token).build();
            L page = namespace == null ? api.inAnyNamespace().list(options) : api.inNamespace(namespace).list(options);
            page.getItems().forEach(item -> consumer.accept(listed(item, apiVersion, kind)));
            token = page.getMetadata() == null ? null : page.getMetadata().getContinue();
        } while (token != null && !token.isEmpty());
    }

    public static Listed listed(HasMetadata item, String apiVersion, String kind) {
        var body = (ObjectNode) AdmissionReviews.JSON.valueToTree(Kube.SERIALIZATION.convertValue(item, Map.class));
        body.put("apiVersion", apiVersion);
        body.put("kind", kind);
        var metadata = item.getMetadata();
        return new Listed("cluster " + kind + " " + metadata.getNamespace() + "/" + metadata.getName(), body);
    }
}
