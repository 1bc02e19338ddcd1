package dev.coderadmission.policy.exposure;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.coderadmission.config.ExposureConfig;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * IngressClasses and GatewayClasses whose name is allowed: Coder's objects trust them by that name, so
 * creating or changing one to an untrusted controller would publish them. Checked only where
 * {@code allowed-ingress-controllers} / {@code allowed-gateway-controllers} say which controllers are trusted.
 */
final class ClassRules implements KindRules<ObjectNode> {
    private final String kind;
    private final List<String> allowedNames;
    private final String namesKey;
    private final List<String> allowedControllers;
    private final String controllersKey;
    private final String controllerField;

    private ClassRules(String kind, List<String> allowedNames, String namesKey, List<String> allowedControllers,
                       String controllersKey, String controllerField) {
        this.kind = kind;
        this.allowedNames = allowedNames;
        this.namesKey = namesKey;
        this.allowedControllers = allowedControllers;
        this.controllersKey = controllersKey;
        this.controllerField = controllerField;
    }

    static ClassRules ingressClasses(ExposureConfig config) {
        return new ClassRules("IngressClass", config.allowedIngressClasses(), "exposure.allowed-ingress-classes",
                config.allowedIngressControllers(), "exposure.allowed-ingress-controllers", "controller");
    }

    static ClassRules gatewayClasses(ExposureConfig config) {
        return new ClassRules("GatewayClass", config.allowedGatewayClasses(), "exposure.allowed-gateway-classes",
                config.allowedGatewayControllers(), "exposure.allowed-gateway-controllers", "controllerName");
    }

    @Override
    public Optional<String> owner(String namespace, ObjectNode object) {
        var name = object.path("metadata").path("name").asText("");
        return allowedNames.contains(name) && !allowedControllers.isEmpty()
                ? Optional.of("Coder's objects may use " + kind + " " + name + " by name (" + namesKey + ")")
                : Optional.empty();
    }

    @Override
    public Map<String, String> annotations(ObjectNode object) {
        return Map.of(); // a class publishes nothing by itself; exposing annotations belong on what uses it
    }

    @Override
    public void violations(String namespace, ObjectNode object, List<String> violations) {
        var controller = object.path("spec").path(controllerField).asText("");
        if (!allowedControllers.contains(controller)) {
            violations.add("[" + (kind.equals("IngressClass") ? "ingress" : "gateway") + "-controller] spec." + controllerField
                    + " \"" + controller + "\" is not one of " + controllersKey + " " + allowedControllers
                    + "; use one of those controllers, or another class name");
        }
    }
}
