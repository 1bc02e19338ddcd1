package dev.coderadmission.policy.exposure;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the exposure guard knows about one kind: when an object of it is Coder's, and each way it
 * would publish Coder beyond the tailnet ({@code [rule]} message). {@link Guard} adds what is common
 * to every kind (exposing annotations, enforcement, ratcheting), {@link dev.coderadmission.admission.Typed}
 * the admission preamble; a new kind is one of these.
 */
interface KindRules<T> {

    /** Why {@code object} is Coder's ("namespace coder is in coder.namespaces"), or empty. */
    Optional<String> owner(String namespace, T object);

    /** The violations of a Coder object, each "[rule] what; the fix". */
    void violations(String namespace, T object, List<String> out);

    Map<String, String> annotations(T object);

    /** What is doubtful but not denied (an unknown parent Gateway with {@code unknown-gateway: warn}). */
    default void warnings(String namespace, T object, List<String> out) {
    }
}
