package dev.coderadmission.admission;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

/**
 * Reads AdmissionReview requests and writes AdmissionReview responses ({@code admission.k8s.io/v1},
 * the only version kube-apiserver still sends when a webhook lists just {@code v1} in
 * {@code admissionReviewVersions}).
 */
public final class AdmissionReviews {
    public static final String API_VERSION = "admission.k8s.io/v1";
    public static final String KIND = "AdmissionReview";

    /** Shared and thread-safe once configured; only used for trees, never for typed binding. */
    public static final ObjectMapper JSON = JsonMapper.builder().build();
    private static final JsonNodeFactory NODES = JSON.getNodeFactory();

    private AdmissionReviews() {
    }

    /** The request in {@code body}; its objects are parsed when a policy first reads them ({@link ReviewReader}). */
    public static AdmissionRequest decode(byte[] body) throws InvalidReviewException {
        return ReviewReader.read(body);
    }

    private static final byte[] RESPONSE_HEAD = ("{\"apiVersion\":\"" + API_VERSION + "\",\"kind\":\"" + KIND
            + "\",\"response\":{\"uid\":").getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ALLOWED_TAIL = ",\"allowed\":true}}".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PATCH_MIDDLE = ",\"allowed\":true,\"patchType\":\"JSONPatch\",\"patch\":\""
            .getBytes(StandardCharsets.US_ASCII);

    /** The AdmissionReview response for {@code decision}, with the request's UID echoed. */
    public static byte[] encode(String uid, Decision decision) {
        // The two answers of nearly every review, written straight to bytes (JsonBytes says why).
        if (decision instanceof Decision.Allow allow && allow.warnings().isEmpty()) {
            return new JsonBytes(RESPONSE_HEAD.length + uid.length() + 24).raw(RESPONSE_HEAD).string(uid).raw(ALLOWED_TAIL)
                    .toByteArray();
        }
        if (decision instanceof Decision.Patch patch && patch.warnings().isEmpty()) {
            var patchBase64 = Base64.getEncoder().encode(new JsonBytes(1024).node(patch.operations()).toByteArray());
            return new JsonBytes(RESPONSE_HEAD.length + uid.length() + PATCH_MIDDLE.length + patchBase64.length + 8)
                    .raw(RESPONSE_HEAD).string(uid).raw(PATCH_MIDDLE).raw(patchBase64).raw('"').raw('}').raw('}')
                    .toByteArray();
        }
        var response = NODES.objectNode();
        response.put("uid", uid);
        switch (decision) {
            case Decision.Allow ignored -> response.put("allowed", true);
            case Decision.Deny deny -> {
                response.put("allowed", false);
                var status = response.putObject("status");
                status.put("code", deny.code());
                status.put("reason", deny.code() == 403 ? "Forbidden" : "BadRequest");
                status.put("message", deny.message());
            }
            case Decision.Patch patch -> {
                response.put("allowed", true);
                response.put("patchType", "JSONPatch");
                response.put("patch", Base64.getEncoder().encodeToString(writeBytes(patch.operations())));
            }
        }
        addWarnings(response, decision.warnings());
        var review = NODES.objectNode();
        review.put("apiVersion", API_VERSION);
        review.put("kind", KIND);
        review.set("response", response);
        return writeBytes(review);
    }

    private static void addWarnings(ObjectNode response, List<String> warnings) {
        if (!warnings.isEmpty()) {
            var array = response.putArray("warnings");
            warnings.forEach(array::add);
        }
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
