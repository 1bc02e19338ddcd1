package dev.coderadmission.policy.exposure;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.coderadmission.config.ExposureConfig;
import dev.coderadmission.kube.Kube;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Gateways: Coder's by namespace, label or a listener hostname overlapping coder.hosts; public by class. */
final class GatewayRules implements KindRules<ObjectNode> {
    private final ExposureConfig config;
    private final CoderOwnership ownership;
    private final ClassTrust classes;

    GatewayRules(ExposureConfig config, CoderOwnership ownership, ClassTrust classes) {
        this.config = config;
        this.ownership = ownership;
        this.classes = classes;
    }

    @Override
    public Optional<String> owner(String namespace, ObjectNode gateway) {
        return ownership.declaredOrHost(namespace, Kube.stringMap(gateway.path("metadata").path("labels")),
                GatewayApi.listenerHostnames(gateway), "listener hostname");
    }

    @Override
    public Map<String, String> annotations(ObjectNode gateway) {
        return Kube.stringMap(gateway.path("metadata").path("annotations"));
    }

    @Override
    public void violations(String namespace, ObjectNode gateway, List<String> violations) {
        var className = gateway.path("spec").path("gatewayClassName").asText("");
        var allowed = config.allowedGatewayClasses();
        if (!allowed.contains(className)) {
            violations.add("[gateway-class] spec.gatewayClassName \"" + className + "\" is not an allowed class " + allowed
                    + " (exposure.allowed-gateway-classes); use " + Guard.oneOf(allowed));
        } else {
            classes.untrustedGatewayClass(className).ifPresent(why -> violations.add("[gateway-controller] " + why));
        }
    }
}
