package dev.coderadmission.policy.exposure;

import java.util.Optional;

/**
 * The addresses of Coder's Pods, so an EndpointSlice written by hand (for a Service without a selector)
 * cannot route to Coder unseen. Online the pod informers' knowledge, offline the Pods among the manifests.
 */
@FunctionalInterface
public interface PodAddresses {
    PodAddresses EMPTY = ip -> Optional.empty();

    /** "Pod namespace/name (why it is Coder's)" when {@code ip} is a Coder Pod's address. */
    Optional<String> coderPod(String ip);
}
