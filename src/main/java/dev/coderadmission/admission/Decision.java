package dev.coderadmission.admission;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * What a policy decided about one request, as a value (controller-runtime's Allowed/Denied/Patched).
 * The HTTP layer turns it into an AdmissionReview response; the dry-run CLI into a verdict.
 */
public sealed interface Decision {

    List<String> warnings();

    /** Admitted unchanged. */
    record Allow(List<String> warnings) implements Decision {
        public Allow {
            warnings = List.copyOf(warnings);
        }
    }

    /**
     * Rejected. {@code code} is the HTTP status kube-apiserver reports to the client: 403 for a policy
     * violation, 400 for an object the policy cannot read.
     */
    record Deny(int code, String message, List<String> warnings) implements Decision {
        public Deny {
            // the answer is written by hand (AdmissionReviews.encode): a missing message fails here, in the policy
            Objects.requireNonNull(message, "a Deny decision needs a message");
            warnings = List.copyOf(warnings);
        }
    }

    /**
     * Admitted with an RFC 6902 JSON Patch against the object as the API server sent it. A patch is
     * either a tree, or (from {@link PatchBuilder}) JSON written as it was built, whose tree is only
     * made when something reads {@link #operations()}: the server writes the answer from the JSON and
     * never needs the tree, and decoding a rewritten 4.5 KB script into it cost as much as rewriting it.
     */
    final class Patch implements Decision {
        private final List<String> warnings;
        private final int size;
        /** The patch's JSON, its first {@code jsonLength} bytes (null: written from the tree when asked). */
        private final byte[] json;
        private final int jsonLength;
        private Supplier<JsonNode> tree;
        private JsonNode operations;

        public Patch(JsonNode operations, List<String> warnings) {
            if (!operations.isArray() || operations.isEmpty()) {
                throw new IllegalArgumentException("a Patch decision needs a non-empty JSON Patch array");
            }
            this.operations = operations;
            this.size = operations.size();
            this.json = null;
            this.jsonLength = 0;
            this.warnings = List.copyOf(warnings);
        }

        /** {@code size} operations as the first {@code jsonLength} bytes of {@code json}; {@code tree} makes the same operations as a tree. */
        Patch(int size, byte[] json, int jsonLength, Supplier<JsonNode> tree, List<String> warnings) {
            if (size == 0) {
                throw new IllegalArgumentException("a Patch decision needs a non-empty JSON Patch array");
            }
            this.size = size;
            this.json = json;
            this.jsonLength = jsonLength;
            this.tree = tree;
            this.warnings = List.copyOf(warnings);
        }

        /** The operations as a tree; made on first use when the patch was written as JSON (not thread-safe). */
        public JsonNode operations() {
            if (operations == null) {
                operations = tree.get();
                tree = null;
            }
            return operations;
        }

        /** How many operations the patch has. */
        public int size() {
            return size;
        }

        /** The patch as compact JSON. */
        byte[] json() {
            return json == null ? new JsonBytes(1024).node(operations()).toByteArray()
                    : json.length == jsonLength ? json : Arrays.copyOf(json, jsonLength);
        }

        /** The patch as compact JSON, without a copy where it was written as JSON. */
        ByteBuffer jsonBuffer() {
            return json == null ? ByteBuffer.wrap(json()) : ByteBuffer.wrap(json, 0, jsonLength);
        }

        @Override
        public List<String> warnings() {
            return warnings;
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Patch patch && operations().equals(patch.operations()) && warnings.equals(patch.warnings);
        }

        @Override
        public int hashCode() {
            return Objects.hash(operations(), warnings);
        }

        @Override
        public String toString() {
            return "Patch[operations=" + operations() + ", warnings=" + warnings + "]";
        }
    }

    static Decision allow() {
        return new Allow(List.of());
    }

    static Decision allow(List<String> warnings) {
        return new Allow(warnings);
    }

    static Decision deny(String message) {
        return new Deny(403, message, List.of());
    }

    static Decision invalid(String message) {
        return new Deny(400, message, List.of());
    }
}
