package dev.coderadmission.policy.exposure;

import dev.coderadmission.config.ExposureConfig;

import java.util.Optional;

/**
 * Trust in a class beyond its name: with {@code allowed-ingress-controllers} (or
 * {@code allowed-gateway-controllers}) set, a class allowed by name must also be served by an allowed
 * controller, so an IngressClass called {@code tailscale} that nginx serves is not a way out.
 */
final class ClassTrust {
    private final ExposureConfig config;
    private final ClassIndex index;

    ClassTrust(ExposureConfig config, ClassIndex index) {
        this.config = config;
        this.index = index;
    }

    /** Why allowed class {@code name} cannot be trusted, or empty (also when controllers are not checked). */
    Optional<String> untrustedIngressClass(String name) {
        return untrusted("IngressClass", name, index.ingressController(name), config.allowedIngressControllers(),
                "exposure.allowed-ingress-controllers");
    }

    Optional<String> untrustedGatewayClass(String name) {
        return untrusted("GatewayClass", name, index.gatewayController(name), config.allowedGatewayControllers(),
                "exposure.allowed-gateway-controllers");
    }

    static Optional<String> untrusted(String kind, String name, Optional<String> controller, java.util.List<String> allowed,
                                      String key) {
        if (allowed.isEmpty()) {
            return Optional.empty();
        }
        if (controller.isEmpty()) {
            return Optional.of(kind + " " + name + " is not known, so the controller that would serve it cannot be "
                    + "checked against " + key + " " + allowed + "; create it with one of those controllers first");
        }
        if (!allowed.contains(controller.get())) {
            return Optional.of(kind + " " + name + " is served by controller " + controller.get() + ", not one of "
                    + key + " " + allowed);
        }
        return Optional.empty();
    }
}
