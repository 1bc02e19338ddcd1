package dev.coderadmission.admission;

/**
 * A mutating policy for one kind (controller-runtime's {@code CustomDefaulter}): returns the patch
 * of the object as the API server sent it, or allow. {@link Typed} handles kind, operation and
 * terminating objects.
 */
public interface Mutator<T> {

    Decision create(AdmissionRequest request, T object);

    /** Most mutations belong to creation; a mutator that also fixes updates overrides this. */
    default Decision update(AdmissionRequest request, T oldObject, T object) {
        return Decision.allow();
    }
}
