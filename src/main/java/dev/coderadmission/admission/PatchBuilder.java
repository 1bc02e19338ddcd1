package dev.coderadmission.admission;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;

/**
 * An RFC 6902 JSON Patch written operation by operation, for a mutator that knows exactly what it
 * changes (where {@link Patches#diff} would compare two whole trees). Only add and replace, as the
 * diff produces, so audit logs read the same either way.
 */
public final class PatchBuilder {
    private final ArrayNode operations = JsonNodeFactory.instance.arrayNode();

    public PatchBuilder add(String path, JsonNode value) {
        return operation("add", path, value);
    }

    public PatchBuilder replace(String path, JsonNode value) {
        return operation("replace", path, value);
    }

    /** {@code parent.field = value} at {@code path}: replace when the member exists, add when it does not. */
    public PatchBuilder set(ObjectNode parent, String field, String path, JsonNode value) {
        return operation(parent.has(field) ? "replace" : "add", path, value);
    }

    private PatchBuilder operation(String op, String path, JsonNode value) {
        operations.addObject().put("op", op).put("path", path).set("value", value);
        return this;
    }

    /** A member name as a JSON Pointer token (RFC 6901): {@code ~} and {@code /} escaped. */
    public static String escape(String name) {
        return name.replace("~", "~0").replace("/", "~1");
    }

    /** A Patch decision, or Allow when nothing was changed. */
    public Decision decide(List<String> warnings) {
        return operations.isEmpty() ? Decision.allow(warnings) : new Decision.Patch(operations, warnings);
    }
}
