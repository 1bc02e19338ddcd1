package dev.coderadmission.admission;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.TextNode;

import java.util.ArrayList;
import java.util.List;

/**
 * An RFC 6902 JSON Patch written operation by operation, for a mutator that knows exactly what it
 * changes (where {@link Patches#diff} would compare two whole trees). Only add and replace, as the
 * diff produces, so audit logs read the same either way.
 *
 * <p>The patch is written as JSON while it is built. A string value may be given already as JSON
 * ({@link #replaceString}): a policy that rewrote it in the request's bytes has that form, and it is
 * copied, not decoded and escaped again; its text is decoded only if something reads the patch as a
 * tree ({@link Decision.Patch#operations()}).
 */
public final class PatchBuilder {
    private final JsonBytes json = new JsonBytes(1024).raw('[');
    private final List<Operation> operations = new ArrayList<>();
    /** Whether the patch was decided (its JSON is complete). */
    private boolean written;

    /** One operation: its value is a tree, or a JSON string token (quoted, escaped). */
    private record Operation(String op, String path, JsonNode value, byte[] stringJson) {
    }

    public PatchBuilder add(String path, JsonNode value) {
        return operation("add", path, value, null);
    }

    public PatchBuilder replace(String path, JsonNode value) {
        return operation("replace", path, value, null);
    }

    /**
     * Replaces the member at {@code path} with a string given as a JSON string token, quotes included,
     * UTF-8 (the caller guarantees it is one: it is copied as it is).
     */
    public PatchBuilder replaceString(String path, byte[] stringJson) {
        return operation("replace", path, null, stringJson);
    }

    /** The member at {@code path} set to {@code value}: replaced when it {@code exists}, added when not. */
    public PatchBuilder set(boolean exists, String path, JsonNode value) {
        return operation(exists ? "replace" : "add", path, value, null);
    }

    private PatchBuilder operation(String op, String path, JsonNode value, byte[] stringJson) {
        if (written) {
            throw new IllegalStateException("the patch was decided already");
        }
        if (!operations.isEmpty()) {
            json.raw(',');
        }
        json.raw(OP).string(op).raw(PATH).string(path).raw(VALUE);
        if (stringJson != null) {
            json.raw(stringJson);
        } else {
            json.node(value);
        }
        json.raw('}');
        operations.add(new Operation(op, path, value, stringJson));
        return this;
    }

    private static final byte[] OP = "{\"op\":".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final byte[] PATH = ",\"path\":".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final byte[] VALUE = ",\"value\":".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    /** A member name as a JSON Pointer token (RFC 6901): {@code ~} and {@code /} escaped. */
    public static String escape(String name) {
        return name.replace("~", "~0").replace("/", "~1");
    }

    /** A Patch decision, or Allow when nothing was changed; the builder takes no more operations after it. */
    public Decision decide(List<String> warnings) {
        if (operations.isEmpty()) {
            return Decision.allow(warnings);
        }
        if (!written) {
            json.raw(']');
            written = true;
        }
        var all = List.copyOf(operations);
        // the buffer as it is, not a copy: the answer base64-encodes its first size() bytes
        return new Decision.Patch(all.size(), json.array(), json.size(), () -> tree(all), warnings);
    }

    private static JsonNode tree(List<Operation> operations) {
        var tree = JsonNodeFactory.instance.arrayNode();
        for (var operation : operations) {
            tree.addObject().put("op", operation.op()).put("path", operation.path()).set("value",
                    operation.stringJson() == null ? operation.value() : TextNode.valueOf(text(operation.stringJson())));
        }
        return tree;
    }

    private static String text(byte[] stringJson) {
        try {
            return JsonScanner.text(stringJson, 0, stringJson.length, true);
        } catch (JsonScanner.Malformed e) {
            throw new IllegalArgumentException("a patch value is not a JSON string: " + e.getMessage(), e);
        }
    }
}
