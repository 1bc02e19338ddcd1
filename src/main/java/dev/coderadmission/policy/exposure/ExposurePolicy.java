package dev.coderadmission.policy.exposure;

import dev.coderadmission.admission.AdmissionRequest;
import dev.coderadmission.admission.Decision;
import dev.coderadmission.admission.Policy;
import dev.coderadmission.admission.Typed;
import dev.coderadmission.config.CidrSet;
import dev.coderadmission.config.CoderConfig;
import dev.coderadmission.config.ExposureConfig;
import dev.coderadmission.tenant.ServiceCatalog;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;

import java.util.ArrayList;

/**
 * The exposure guard: rejects (or warns about) Coder's objects that would make Coder reachable from
 * outside the tailnet, one {@link KindRules} per kind behind one {@link Guard}. Pure: config and
 * read-only indexes in, decision out.
 */
public final class ExposurePolicy implements Policy {
    private final ExposureConfig config;
    private final Policy byKind;

    public ExposurePolicy(ExposureConfig config, CoderConfig coder, ServiceCatalog services, ClassIndex classIndex,
                          GatewayIndex gateways, PodAddresses pods) {
        this.config = config;
        var ownership = new CoderOwnership(coder, services);
        var classes = new ClassTrust(config, classIndex);
        var bound = new ArrayList<Typed.Bound>();
        bound.add(Typed.validating(Typed.Kind.of("networking.k8s.io", "Ingress", Ingress.class),
                new Guard<>(config, new IngressRules(config, ownership, classes))));
        bound.add(Typed.validating(Typed.Kind.scanned("", "Service", "Service", ServiceReader::read),
                new Guard<>(config, new ServiceRules(config, ownership, CidrSet.parse(config.allowedCidrs())))));
        bound.add(Typed.validating(Typed.Kind.raw("", "Pod"), new Guard<>(config, new PodRules(ownership))));
        bound.add(Typed.validating(Typed.Kind.raw("discovery.k8s.io", "EndpointSlice"),
                new Guard<>(config, new EndpointSliceRules(ownership, pods))));
        bound.add(Typed.validating(Typed.Kind.raw(GatewayApi.GROUP, "Gateway"),
                new Guard<>(config, new GatewayRules(config, ownership, classes))));
        for (var kind : GatewayApi.ROUTE_KINDS) {
            bound.add(Typed.validating(Typed.Kind.raw(GatewayApi.GROUP, kind),
                    new Guard<>(config, new RouteRules(kind, config, ownership, gateways, classes))));
        }
        bound.add(Typed.validating(Typed.Kind.raw("networking.k8s.io", "IngressClass"),
                new Guard<>(config, ClassRules.ingressClasses(config))));
        bound.add(Typed.validating(Typed.Kind.raw(GatewayApi.GROUP, "GatewayClass"),
                new Guard<>(config, ClassRules.gatewayClasses(config))));
        this.byKind = Typed.byKind(bound);
    }

    @Override
    public Decision admit(AdmissionRequest request) {
        return config.enabled() ? byKind.admit(request) : Decision.allow();
    }
}
