package dev.coderadmission.admission;

/**
 * A policy: a pure function from an admission request to a decision. It may read immutable
 * config and read-only indexes, but never does I/O, blocks, or has side effects, so the server
 * can run it on the event loop and the dry-run CLI can run it offline with identical results.
 */
@FunctionalInterface
public interface Policy {
    Decision admit(AdmissionRequest request);
}
