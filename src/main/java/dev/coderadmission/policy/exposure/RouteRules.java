package dev.coderadmission.policy.exposure;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.coderadmission.config.Enforcement;
import dev.coderadmission.config.ExposureConfig;
import dev.coderadmission.kube.Kube;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Gateway API routes (HTTP, GRPC, TLS, TCP, UDP): Coder's when they route to a Coder Service (in their
 * namespace, or another one that grants it with a ReferenceGrant) or name a Coder host; public when a
 * parent Gateway's class is not allowed, or the Gateway is not known at all (fail closed).
 */
final class RouteRules implements KindRules<ObjectNode> {
    private final String kind;
    private final ExposureConfig config;
    private final CoderOwnership ownership;
    private final GatewayIndex gateways;
    private final ClassTrust classes;

    RouteRules(String kind, ExposureConfig config, CoderOwnership ownership, GatewayIndex gateways, ClassTrust classes) {
        this.kind = kind;
        this.config = config;
        this.ownership = ownership;
        this.gateways = gateways;
        this.classes = classes;
    }

    @Override
    public Optional<String> owner(String namespace, ObjectNode route) {
        var declared = ownership.declaredOrHost(namespace, Kube.stringMap(route.path("metadata").path("labels")),
                GatewayApi.hostnames(route), "hostname");
        if (declared.isPresent()) {
            return declared;
        }
        for (var backend : GatewayApi.backendRefs(route, namespace)) {
            if (!backend.group().isEmpty() || !"Service".equals(backend.kind())) {
                continue;
            }
            var crossNamespace = !backend.namespace().equals(namespace);
            if (crossNamespace && !gateways.grants(kind, namespace, backend.namespace(), backend.name())) {
                continue; // the Gateway refuses a reference no ReferenceGrant allows: it reaches nothing
            }
            var why = ownership.coderService(backend.namespace(), backend.name());
            if (why.isPresent()) {
                return Optional.of("backendRef Service " + backend.namespace() + "/" + backend.name() + " " + why.get()
                        + (crossNamespace ? " (allowed by a ReferenceGrant in " + backend.namespace() + ")" : ""));
            }
        }
        return Optional.empty();
    }

    @Override
    public Map<String, String> annotations(ObjectNode route) {
        return Kube.stringMap(route.path("metadata").path("annotations"));
    }

    @Override
    public void violations(String namespace, ObjectNode route, List<String> violations) {
        check(namespace, route, violations, config.unknownGateway() == Enforcement.DENY);
    }

    @Override
    public void warnings(String namespace, ObjectNode route, List<String> warnings) {
        if (config.unknownGateway() == Enforcement.WARN) {
            var unknown = new java.util.ArrayList<String>();
            check(namespace, route, unknown, true);
            unknown.stream().filter(v -> v.startsWith("[gateway-unknown]")).forEach(warnings::add);
        }
    }

    private void check(String namespace, ObjectNode route, List<String> out, boolean unknownIsViolation) {
        var allowed = config.allowedGatewayClasses();
        for (var parent : GatewayApi.parentRefs(route, namespace)) {
            if (!GatewayApi.GROUP.equals(parent.group()) || !"Gateway".equals(parent.kind())) {
                continue; // a mesh parent (a Service, GAMMA) publishes nothing outside the cluster
            }
            var gatewayClass = gateways.gatewayClass(parent.namespace(), parent.name());
            if (gatewayClass.isEmpty()) {
                if (unknownIsViolation) {
                    out.add("[gateway-unknown] parentRef Gateway " + parent.namespace() + "/" + parent.name()
                            + " is not known, so whether it is public cannot be checked; create the Gateway (of class "
                            + Guard.oneOf(allowed) + ") first, or set exposure.unknown-gateway: warn");
                }
            } else if (!allowed.contains(gatewayClass.get())) {
                out.add("[gateway-class] parentRef Gateway " + parent.namespace() + "/" + parent.name() + " has gatewayClassName \""
                        + gatewayClass.get() + "\", not an allowed class " + allowed + " (exposure.allowed-gateway-classes); "
                        + "attach it to a Gateway of class " + Guard.oneOf(allowed));
            } else {
                classes.untrustedGatewayClass(gatewayClass.get()).ifPresent(why -> out.add("[gateway-controller] " + why));
            }
        }
    }
}
