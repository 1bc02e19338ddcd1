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
     * An HTTP status and JSON body, and for metrics the outcome (allowed, warned, patched, denied,
     * invalid for a 400 answer or a 400 denial, unsynced for a 503, error for a 500) and the request's
     * kind and operation ("" when the body was not a readable review).
     */
    public record Answer(int status, byte[] body, String outcome, String kind, String operation) {
        Answer(int status, byte[] body, String outcome) {
            this(status, body, outcome, "", "");
        }
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
                    + "; kube-apiserver applies the webhook's failurePolicy"), "unsynced", request.kind(), request.operation().name());
        } catch (UnreadableObjectException e) {
            return badRequest(e.getMessage());
        } catch (RuntimeException e) {
            // A policy bug must not take the server down nor leak internals; the UID lets an operator
            // find the request in the API server's audit log.
            LOG.error("webhook {} failed on request {} ({})", webhook.path(), request.uid(), request.describe(), e);
            return new Answer(500, AdmissionReviews.errorStatus(500, "InternalError",
                    "webhook " + webhook.path() + " failed on request " + request.uid() + ": internal error, see the webhook's log"),
                    "error", request.kind(), request.operation().name());
        }
        var outcome = switch (decision) {
            case Decision.Allow allow -> allow.warnings().isEmpty() ? "allowed" : "warned";
            case Decision.Patch ignored -> "patched";
            case Decision.Deny deny -> deny.code() == 403 ? "denied" : "invalid";
        };
        log(webhook, request, decision, outcome);
        return new Answer(200, AdmissionReviews.encode(request.uid(), decision), outcome, request.kind(),
                request.operation().name());
    }

    /**
     * One line per denial, admission with warnings and mutation, with the fields a log pipeline filters
     * on as key-values (the {@code json} log format makes each a JSON field), written by
     * {@link ReviewLog} off the event loop; plain admissions, the common case, only at DEBUG.
     */
    private static void log(Webhook webhook, AdmissionRequest request, Decision decision, String outcome) {
        if (decision instanceof Decision.Allow allow && allow.warnings().isEmpty()) {
            if (LOG.isDebugEnabled()) {
                LOG.debug("{} admitted {} {} ({})", webhook.path(), request.operation(), request.describe(), request.uid());
            }
            return;
        }
        if (!ReviewLog.enabled()) {
            return;
        }
        var verb = switch (decision) {
            case Decision.Deny ignored -> "denied";
            case Decision.Patch ignored -> "patched";
            case Decision.Allow ignored -> "admitted with warnings";
        };
        var detail = switch (decision) {
            case Decision.Deny deny -> deny.message();
            case Decision.Patch patch -> patch.warnings().isEmpty() ? "" : String.join("; ", patch.warnings());
            case Decision.Allow allow -> String.join("; ", allow.warnings());
        };
        ReviewLog.add(new ReviewLog.Line(webhook.path(), webhook.name(), outcome, request.uid(), request.operation().name(),
                request.kind(), request.effectiveNamespace(), request.displayName(), request.dryRun(), verb, detail,
                decision instanceof Decision.Patch patch ? patch.size() : 0));
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
