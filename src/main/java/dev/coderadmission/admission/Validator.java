package dev.coderadmission.admission;

/**
 * A validating policy for one kind, on typed objects (controller-runtime's {@code CustomValidator}).
 * {@link Typed} calls it: the kind is checked, the object read, terminating objects and CONNECT
 * admitted before it is asked, so an implementation is only the rule.
 */
public interface Validator<T> {

    Decision create(AdmissionRequest request, T object);

    /**
     * @param oldObject the stored object, or null when it cannot be read as {@code T} (an object stored
     *                  before a schema change): judge the new object alone then
     */
    default Decision update(AdmissionRequest request, T oldObject, T object) {
        return create(request, object);
    }

    /** Deleting never exposes anything; a validator that must see deletions overrides this. */
    default Decision delete(AdmissionRequest request, T oldObject) {
        return Decision.allow();
    }
}
