package dev.coderadmission.policy.exposure;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The cluster's Gateways (by namespace/name, their class) and ReferenceGrants, for routes: a route is
 * only as private as the Gateway it attaches to, and reaches a Service of another namespace only where
 * that namespace grants it. Online informers' stores, offline the manifests and {@code --state}.
 */
public interface GatewayIndex {
    GatewayIndex EMPTY = of(Map.of(), List.of());

    /** {@code spec.gatewayClassName} of Gateway {@code namespace/name}; empty when no such Gateway is known. */
    Optional<String> gatewayClass(String namespace, String name);

    /** Whether a ReferenceGrant in {@code toNamespace} lets {@code fromKind}s of {@code fromNamespace} refer to Service {@code toName}. */
    boolean grants(String fromKind, String fromNamespace, String toNamespace, String toName);

    /**
     * One ReferenceGrant's permission: from kinds of group gateway.networking.k8s.io in a namespace, to core
     * Services (all of them when {@code toName} is null) of the grant's namespace.
     */
    record Grant(String namespace, String fromKind, String fromNamespace, String toName) {
    }

    static GatewayIndex of(Map<String, String> classesByGateway, List<Grant> grants) {
        var classes = Map.copyOf(classesByGateway);
        var all = List.copyOf(grants);
        return new GatewayIndex() {
            @Override
            public Optional<String> gatewayClass(String namespace, String name) {
                return Optional.ofNullable(classes.get(namespace + "/" + name));
            }

            @Override
            public boolean grants(String fromKind, String fromNamespace, String toNamespace, String toName) {
                return all.stream().anyMatch(g -> g.namespace().equals(toNamespace) && g.fromKind().equals(fromKind)
                        && g.fromNamespace().equals(fromNamespace) && (g.toName() == null || g.toName().equals(toName)));
            }
        };
    }
}
