package dev.coderadmission.gitops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Map;

/**
 * Kubernetes strategic merge patch, for the fields manifests patch in practice: maps merge, {@code null}
 * deletes a key, lists of objects merge by their patch merge key (containers and env by name, container
 * ports by containerPort, Service ports by port, volume mounts by mountPath), {@code $patch: delete} on
 * a list element removes it and {@code $patch: replace} on a map replaces it; other lists are replaced,
 * as the API server does for lists without a merge key.
 */
final class StrategicMerge {
    /** field name -> merge key, for lists of objects. */
    private static final Map<String, String> MERGE_KEYS = Map.ofEntries(
            Map.entry("containers", "name"), Map.entry("initContainers", "name"), Map.entry("ephemeralContainers", "name"),
            Map.entry("env", "name"), Map.entry("volumes", "name"), Map.entry("volumeMounts", "mountPath"),
            Map.entry("volumeDevices", "devicePath"), Map.entry("imagePullSecrets", "name"),
            Map.entry("hostAliases", "ip"), Map.entry("topologySpreadConstraints", "topologyKey"),
            Map.entry("conditions", "type"), Map.entry("resourceClaims", "name"));

    private StrategicMerge() {
    }

    /** Applies {@code patch} to {@code target} in place. */
    static void apply(ObjectNode target, JsonNode patch) {
        merge(target, patch, "");
    }

    private static void merge(ObjectNode target, JsonNode patch, String parentField) {
        if ("replace".equals(patch.path("$patch").asText())) {
            target.removeAll();
            patch.properties().forEach(e -> {
                if (!e.getKey().equals("$patch")) {
                    target.set(e.getKey(), e.getValue().deepCopy());
                }
            });
            return;
        }
        for (var entry : patch.properties()) {
            var field = entry.getKey();
            var value = entry.getValue();
            if (field.startsWith("$")) {
                continue;
            }
            if (value.isNull()) {
                target.remove(field);
            } else if (value.isObject() && target.get(field) instanceof ObjectNode existing) {
                merge(existing, value, field);
            } else if (value.isArray() && target.get(field) instanceof ArrayNode existing) {
                target.set(field, mergeList(existing, (ArrayNode) value, mergeKey(field, parentField)));
            } else {
                var copy = value.deepCopy();
                if (copy instanceof ObjectNode object) {
                    object.remove("$patch");
                }
                target.set(field, copy);
            }
        }
    }

    private static String mergeKey(String field, String parentField) {
        if ("ports".equals(field)) {
            // a Service's ports are keyed by port, a container's by containerPort
            return "spec".equals(parentField) ? "port" : "containerPort";
        }
        return MERGE_KEYS.get(field);
    }

    private static ArrayNode mergeList(ArrayNode target, ArrayNode patch, String key) {
        if (key == null) {
            return patch.deepCopy();
        }
        var result = target.deepCopy();
        for (var element : patch) {
            if (!element.isObject() || !element.has(key)) {
                return patch.deepCopy(); // not a keyed list after all: replace, as the API server would
            }
            var index = indexOf(result, key, element.get(key));
            if ("delete".equals(element.path("$patch").asText())) {
                if (index >= 0) {
                    result.remove(index);
                }
            } else if (index >= 0) {
                merge((ObjectNode) result.get(index), element, key);
            } else {
                var copy = (ObjectNode) element.deepCopy();
                copy.remove("$patch");
                result.add(copy);
            }
        }
        return result;
    }

    private static int indexOf(ArrayNode list, String key, JsonNode value) {
        for (int i = 0; i < list.size(); i++) {
            if (value.equals(list.get(i).get(key))) {
                return i;
            }
        }
        return -1;
    }
}
