package dev.coderadmission.kube;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

import java.util.Map;

/**
 * Typed views of raw objects. fabric8's own serialization is used (not a bare ObjectMapper) because
 * it knows the model's IntOrString, Quantity and polymorphic fields.
 */
public final class Kube {
    /** fabric8's mapper, configured by {@link KubernetesSerialization} (which does not expose it). */
    private static final ObjectMapper MAPPER = new ObjectMapper();
    public static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization(MAPPER, true);

    public static final String NAME_LABEL = "app.kubernetes.io/name";
    public static final String PART_OF_LABEL = "app.kubernetes.io/part-of";
    public static final String TENANT_SERVICE_NAME_LABEL = "cluster.x-k8s.io/tenant-service-name";
    public static final String TENANT_SERVICE_NAMESPACE_LABEL = "cluster.x-k8s.io/tenant-service-namespace";
    public static final String CLUSTER_NAME_LABEL = "cluster.x-k8s.io/cluster-name";

    private Kube() {
    }

    /**
     * @throws IllegalArgumentException when the JSON does not fit the type (a field of the wrong shape)
     */
    public static <T extends HasMetadata> T as(JsonNode object, Class<T> type) {
        try {
            // reads the tree directly; convertValue would first write it out into a token buffer, which
            // was a fifth of a Service review's CPU (issue 13)
            return MAPPER.treeToValue(object, type);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e.getOriginalMessage(), e);
        }
    }

    /**
     * The same from JSON bytes, with no tree in between (what an admission review's object is before a
     * policy asks for its tree).
     *
     * @throws IllegalArgumentException when the JSON does not fit the type
     */
    public static <T extends HasMetadata> T as(byte[] json, Class<T> type) {
        try {
            return MAPPER.readValue(json, type);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e.getOriginalMessage(), e);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /** Whether the raw object is being deleted (finalizers still pending): {@code metadata.deletionTimestamp} is set. */
    public static boolean deleting(JsonNode object) {
        var timestamp = object.path("metadata").path("deletionTimestamp");
        return timestamp.isTextual() && !timestamp.asText().isEmpty();
    }

    public static Map<String, String> labels(HasMetadata object) {
        var labels = object.getMetadata() == null ? null : object.getMetadata().getLabels();
        return labels == null ? Map.of() : labels;
    }

    public static Map<String, String> annotations(HasMetadata object) {
        var annotations = object.getMetadata() == null ? null : object.getMetadata().getAnnotations();
        return annotations == null ? Map.of() : annotations;
    }

    /** A JSON object of strings ({@code metadata.labels}, {@code metadata.annotations}) as a map; empty when absent. */
    public static Map<String, String> stringMap(JsonNode map) {
        if (!map.isObject() || map.isEmpty()) {
            return Map.of();
        }
        var result = new java.util.HashMap<String, String>();
        map.properties().forEach(e -> result.put(e.getKey(), e.getValue().asText()));
        return result;
    }
}
