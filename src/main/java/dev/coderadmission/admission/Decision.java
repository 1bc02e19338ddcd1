package dev.coderadmission.admission;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;
import java.util.Objects;

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

    /** Admitted with an RFC 6902 JSON Patch against the object as the API server sent it. */
    record Patch(JsonNode operations, List<String> warnings) implements Decision {
        public Patch {
            warnings = List.copyOf(warnings);
            if (!operations.isArray() || operations.isEmpty()) {
                throw new IllegalArgumentException("a Patch decision needs a non-empty JSON Patch array");
            }
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
