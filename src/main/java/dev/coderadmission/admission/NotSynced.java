package dev.coderadmission.admission;

/**
 * Thrown by a lookup that is asked before its informer has listed: the answer would be a guess. The
 * HTTP layer turns it into a 503, so kube-apiserver applies the webhook's failurePolicy (the user's
 * choice of failing open or closed) instead of this replica silently allowing what a synced replica
 * would deny. Offline lookups (dry-run state) are always complete and never throw it.
 */
public final class NotSynced extends RuntimeException {
    public NotSynced(String what) {
        super(what + " has not been listed from the API server yet", null, false, false);
    }
}
