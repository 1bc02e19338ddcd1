package dev.coderadmission.admission;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Reads AdmissionReview requests and writes AdmissionReview responses ({@code admission.k8s.io/v1},
 * the only version kube-apiserver still sends when a webhook lists just {@code v1} in
 * {@code admissionReviewVersions}).
 */
public final class AdmissionReviews {
    public static final String API_VERSION = "admission.k8s.io/v1";
    public static final String KIND = "AdmissionReview";

    /**
     * Shared and thread-safe once configured; only used for trees, never for typed binding. A character
     * outside the BMP is written as 4-byte UTF-8, not Jackson's default of two 3-byte surrogates (not
     * UTF-8; Go's decoder reads each as U+FFFD), as {@link JsonBytes} writes it.
     */
    public static final ObjectMapper JSON = JsonMapper.builder().enable(JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8).build();
    private static final JsonNodeFactory NODES = JSON.getNodeFactory();

    private AdmissionReviews() {
    }

    /** The request in {@code body}; its objects are parsed when a policy first reads them ({@link ReviewReader}). */
    public static AdmissionRequest decode(byte[] body) throws InvalidReviewException {
        return ReviewReader.read(body);
    }

    private static final byte[] RESPONSE_HEAD = ("{\"apiVersion\":\"" + API_VERSION + "\",\"kind\":\"" + KIND
            + "\",\"response\":{\"uid\":").getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ALLOWED = ",\"allowed\":true".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DENIED_CODE = ",\"allowed\":false,\"status\":{\"code\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] REASON = ",\"reason\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] MESSAGE = ",\"message\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PATCH = ",\"allowed\":true,\"patchType\":\"JSONPatch\",\"patch\":\""
            .getBytes(StandardCharsets.US_ASCII);
    private static final byte[] WARNINGS = ",\"warnings\":[".getBytes(StandardCharsets.US_ASCII);

    /**
     * The AdmissionReview response for {@code decision}, with the request's UID echoed: written straight
     * to bytes (JsonBytes says why), the same bytes Jackson writes for the tree
     * {@code {apiVersion, kind, response: {uid, allowed, status: {code, reason, message} | patchType, patch, warnings}}}.
     */
    public static byte[] encode(String uid, Decision decision) {
        var warnings = decision.warnings();
        // sized exactly, so the buffer is the answer (no copy at the end)
        int tail = 2;
        if (!warnings.isEmpty()) {
            tail += WARNINGS.length + warnings.size() - 1 + 1;
            for (var warning : warnings) {
                tail += JsonBytes.quotedLength(warning);
            }
        }
        int head = RESPONSE_HEAD.length + JsonBytes.quotedLength(uid);
        var out = switch (decision) {
            case Decision.Allow ignored -> new JsonBytes(head + ALLOWED.length + tail).raw(RESPONSE_HEAD).string(uid)
                    .raw(ALLOWED);
            case Decision.Deny deny -> {
                var code = Integer.toString(deny.code()).getBytes(StandardCharsets.US_ASCII);
                var reason = deny.code() == 403 ? "Forbidden" : "BadRequest";
                yield new JsonBytes(head + DENIED_CODE.length + code.length + REASON.length + JsonBytes.quotedLength(reason)
                        + MESSAGE.length + JsonBytes.quotedLength(deny.message()) + 1 + tail)
                        .raw(RESPONSE_HEAD).string(uid).raw(DENIED_CODE).raw(code)
                        .raw(REASON).string(reason).raw(MESSAGE).string(deny.message()).raw('}');
            }
            case Decision.Patch patch -> {
                // from the patch builder's buffer as it is; the encoder's result is an array of exactly its length
                var patchBase64 = Base64.getEncoder().encode(patch.jsonBuffer()).array();
                yield new JsonBytes(head + PATCH.length + patchBase64.length + 1 + tail)
                        .raw(RESPONSE_HEAD).string(uid).raw(PATCH).raw(patchBase64).raw('"');
            }
        };
        if (!warnings.isEmpty()) {
            out.raw(WARNINGS);
            for (int i = 0; i < warnings.size(); i++) {
                if (i > 0) {
                    out.raw(',');
                }
                out.string(warnings.get(i));
            }
            out.raw(']');
        }
        return out.raw('}').raw('}').toByteArray();
    }

    /** A Kubernetes {@code Status} body for transport-level errors (400, 404, 413, 500). */
    public static byte[] errorStatus(int code, String reason, String message) {
        var status = NODES.objectNode();
        status.put("apiVersion", "v1");
        status.put("kind", "Status");
        status.put("status", "Failure");
        status.put("reason", reason);
        status.put("code", code);
        status.put("message", message);
        return writeBytes(status);
    }

    private static byte[] writeBytes(JsonNode node) {
        try {
            return JSON.writeValueAsBytes(node);
        } catch (JacksonException e) {
            // A tree of plain nodes always serialises; reaching here is a bug, not bad input.
            throw new IllegalStateException(e);
        }
    }
}
