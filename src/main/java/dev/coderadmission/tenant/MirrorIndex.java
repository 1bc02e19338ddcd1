package dev.coderadmission.tenant;

import io.fabric8.kubernetes.api.model.Service;

import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * Read-only index of KubeVirt CCM mirror Services. Online it is an informer's indexer, offline a list
 * from {@code --state}; either way a lookup is a map access, never an API call.
 */
public interface MirrorIndex {

    MirrorIndex EMPTY = of(List.of());

    /** The mirrors in {@code namespace} of tenant Service {@code tenantNamespace/tenantName}, by name. */
    List<Mirror> mirrorsOf(String namespace, String tenantNamespace, String tenantName);

    /** The mirror called {@code name} in {@code namespace}, if that Service is one. */
    Optional<Mirror> named(String namespace, String name);

    static String tenantKey(String namespace, String tenantNamespace, String tenantName) {
        return namespace + "/" + tenantNamespace + "/" + tenantName;
    }

    /** A fixed index over {@code services} (those that are not mirrors are ignored). */
    static MirrorIndex of(Collection<Service> services) {
        var mirrors = services.stream().map(Mirror::of).flatMap(Optional::stream).toList();
        return new MirrorIndex() {
            @Override
            public List<Mirror> mirrorsOf(String namespace, String tenantNamespace, String tenantName) {
                return mirrors.stream().filter(m -> m.namespace().equals(namespace)
                                && m.tenantNamespace().equals(tenantNamespace) && m.tenantName().equals(tenantName))
                        .sorted(java.util.Comparator.comparing(Mirror::name)).toList();
            }

            @Override
            public Optional<Mirror> named(String namespace, String name) {
                return mirrors.stream().filter(m -> m.namespace().equals(namespace) && m.name().equals(name)).findFirst();
            }
        };
    }
}
