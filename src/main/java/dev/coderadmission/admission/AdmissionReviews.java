package dev.coderadmission.admission;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

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

    public static AdmissionRequest decode(byte[] body) throws InvalidReviewException {
        JsonNode review;
        try {
            review = JSON.readTree(body);
        } catch (JacksonException e) {
            throw new InvalidReviewException("body is not valid JSON: " + e.getOriginalMessage());
        } catch (java.io.IOException e) {
            throw new InvalidReviewException("body cannot be read: " + e.getMessage());
        }
        if (review == null || !review.isObject()) {
            throw new InvalidReviewException("body is not a JSON object");
        }
        var apiVersion = review.path("apiVersion").asText("");
        if (!API_VERSION.equals(apiVersion)) {
            throw new InvalidReviewException("apiVersion \"" + apiVersion + "\" is not supported, expected \""
                    + API_VERSION + "\" (set admissionReviewVersions: [v1] in the webhook configuration)");
        }
        var kind = review.path("kind").asText("");
        if (!KIND.equals(kind)) {
            throw new InvalidReviewException("kind \"" + kind + "\" is not " + KIND);
        }
        var request = review.get("request");
        if (request == null || !request.isObject()) {
            throw new InvalidReviewException("AdmissionReview has no request object");
        }
        var uid = text(request, "uid");
        if (uid.isBlank()) {
            throw new InvalidReviewException("request.uid is missing");
        }
        var kindNode = request.path("kind");
        if (!kindNode.isObject() || text(kindNode, "kind").isEmpty() || text(kindNode, "version").isEmpty()) {
            throw new InvalidReviewException("request.kind must name a group, version and kind");
        }
        Operation operation;
        try {
            operation = Operation.valueOf(text(request, "operation").toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new InvalidReviewException("request.operation \"" + text(request, "operation")
                    + "\" is not one of CREATE, UPDATE, DELETE, CONNECT");
        }
        var object = objectOrMissing(request, "object");
        if (operation.writesObject() && object.isMissingNode()) {
            throw new InvalidReviewException("request.object is missing for " + operation);
        }
        return new AdmissionRequest(
                uid,
                text(kindNode, "group"),
                text(kindNode, "version"),
                text(kindNode, "kind"),
                text(request, "namespace"),
                text(request, "name"),
                operation,
                object,
                objectOrMissing(request, "oldObject"),
                request.path("dryRun").asBoolean(false));
    }

    private static String text(JsonNode node, String field) {
        var value = node.get(field);
        return value != null && value.isTextual() ? value.textValue() : "";
    }

    private static JsonNode objectOrMissing(JsonNode node, String field) {
        var value = node.get(field);
        return value != null && value.isObject() ? value : MissingNode.getInstance();
    }

    private static final byte[] PATCH_HEAD = ("{\"apiVersion\":\"" + API_VERSION + "\",\"kind\":\"" + KIND
            + "\",\"response\":{\"uid\":").getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PATCH_MIDDLE = ",\"allowed\":true,\"patchType\":\"JSONPatch\",\"patch\":\""
            .getBytes(StandardCharsets.US_ASCII);

    /** The AdmissionReview response for {@code decision}, with the request's UID echoed. */
    public static byte[] encode(String uid, Decision decision) {
        if (decision instanceof Decision.Patch patch && patch.warnings().isEmpty()) {
            return encodePatch(uid, patch);
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

    /**
     * A patch answer written straight into bytes: the base64 of a workspace pod's patch is ~10 KB, and
     * going through a tree, a String and the generator's escaping check cost a fifth of such a review.
     * Base64 needs no JSON escaping; the UID is quoted by Jackson.
     */
    private static byte[] encodePatch(String uid, Decision.Patch patch) {
        var patchBase64 = Base64.getEncoder().encode(writeBytes(patch.operations()));
        var quotedUid = JsonStringEncoder.getInstance().quoteAsUTF8(uid);
        var out = new byte[PATCH_HEAD.length + quotedUid.length + 2 + PATCH_MIDDLE.length + patchBase64.length + 3];
        int at = 0;
        System.arraycopy(PATCH_HEAD, 0, out, at, PATCH_HEAD.length);
        at += PATCH_HEAD.length;
        out[at++] = '"';
        System.arraycopy(quotedUid, 0, out, at, quotedUid.length);
        at += quotedUid.length;
        out[at++] = '"';
        System.arraycopy(PATCH_MIDDLE, 0, out, at, PATCH_MIDDLE.length);
        at += PATCH_MIDDLE.length;
        System.arraycopy(patchBase64, 0, out, at, patchBase64.length);
        at += patchBase64.length;
        out[at++] = '"';
        out[at++] = '}';
        out[at] = '}';
        return out;
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
