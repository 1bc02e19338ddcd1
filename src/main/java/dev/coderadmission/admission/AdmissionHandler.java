package dev.coderadmission.admission;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The transport-independent part of serving a webhook: decode, decide, encode. Every failure is
 * turned into an answer here, so no exception reaches the HTTP server and none leaks a stack trace
 * to the API server.
 */
public final class AdmissionHandler {
    private static final Logger LOG = LoggerFactory.getLogger(AdmissionHandler.class);

    /**
     * An HTTP status and JSON body, and the outcome for metrics: allowed, patched, denied, invalid
     * (a 400 answer) or error (a 500).
     */
    public record Answer(int status, byte[] body, String outcome) {
    }

    private AdmissionHandler() {
    }

    public static Answer handle(Webhook webhook, byte[] body) {
        if (body == null || body.length == 0) {
            return badRequest("request body is empty; expected an admission.k8s.io/v1 AdmissionReview");
        }
        AdmissionRequest request;
        try {
            request = AdmissionReviews.decode(body);
        } catch (InvalidReviewException e) {
            return badRequest(e.getMessage());
        }
        Decision decision;
        try {
            decision = webhook.policy().admit(request);
        } catch (NotSynced e) {
            // Not a verdict: a non-200 answer makes kube-apiserver apply the webhook's failurePolicy.
            LOG.warn("webhook {} cannot judge {} ({}) yet: {}", webhook.path(), request.describe(), request.uid(), e.getMessage());
            return new Answer(503, AdmissionReviews.errorStatus(503, "ServiceUnavailable", "webhook " + webhook.path()
                    + " cannot judge " + request.describe() + " yet: " + e.getMessage()
                    + "; kube-apiserver applies the webhook's failurePolicy"), "unsynced");
        } catch (RuntimeException e) {
            // A policy bug must not take the server down nor leak internals; the UID lets an operator
            // find the request in the API server's audit log.
            LOG.error("webhook {} failed on request {} ({})", webhook.path(), request.uid(), request.describe(), e);
            return new Answer(500, AdmissionReviews.errorStatus(500, "InternalError",
                    "webhook " + webhook.path() + " failed on request " + request.uid() + ": internal error, see the webhook's log"),
                    "error");
        }
        if (LOG.isDebugEnabled()) {
            LOG.debug("{} {} {} -> {}", webhook.path(), request.operation(), request.describe(),
                    decision.getClass().getSimpleName());
        }
        var outcome = switch (decision) {
            case Decision.Allow ignored -> "allowed";
            case Decision.Patch ignored -> "patched";
            case Decision.Deny deny -> deny.code() == 403 ? "denied" : "invalid";
        };
        return new Answer(200, AdmissionReviews.encode(request.uid(), decision), outcome);
    }

    private static Answer badRequest(String message) {
        return new Answer(400, AdmissionReviews.errorStatus(400, "BadRequest", printable(message)), "invalid");
    }

    /**
     * Parser messages quote fragments of the input; control characters in them would end up in the
     * API server's logs and events, so they are replaced.
     */
    static String printable(String message) {
        var out = new StringBuilder(message.length());
        message.codePoints().forEach(c -> out.appendCodePoint(Character.isISOControl(c) ? '?' : c));
        return out.toString();
    }
}
