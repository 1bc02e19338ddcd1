package dev.coderadmission.admission;

/** The body is not an {@code admission.k8s.io/v1} AdmissionReview request we can answer (HTTP 400). */
public final class InvalidReviewException extends Exception {
    public InvalidReviewException(String message) {
        super(message);
    }
}
