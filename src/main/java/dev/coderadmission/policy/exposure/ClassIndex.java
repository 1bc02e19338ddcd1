package dev.coderadmission.policy.exposure;

import java.util.Map;
import java.util.Optional;

/**
 * The cluster's IngressClasses and GatewayClasses: which controller serves a class name. Online an
 * informer's store, offline the classes among the manifests and {@code --state}; a map lookup either way.
 */
public interface ClassIndex {
    ClassIndex EMPTY = of(Map.of(), Map.of());

    /** {@code spec.controller} of IngressClass {@code name}. */
    Optional<String> ingressController(String name);

    /** {@code spec.controllerName} of GatewayClass {@code name}. */
    Optional<String> gatewayController(String name);

    static ClassIndex of(Map<String, String> ingressControllers, Map<String, String> gatewayControllers) {
        var ingress = Map.copyOf(ingressControllers);
        var gateway = Map.copyOf(gatewayControllers);
        return new ClassIndex() {
            @Override
            public Optional<String> ingressController(String name) {
                return Optional.ofNullable(ingress.get(name));
            }

            @Override
            public Optional<String> gatewayController(String name) {
                return Optional.ofNullable(gateway.get(name));
            }
        };
    }
}
