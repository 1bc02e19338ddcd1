package dev.coderadmission.cluster;

import dev.coderadmission.kube.Kube;
import dev.coderadmission.admission.NotSynced;
import dev.coderadmission.config.TenantBackendConfig;
import dev.coderadmission.tenant.Mirror;
import dev.coderadmission.tenant.MirrorIndex;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The KubeVirt CCM mirror Services, watched by fabric8 informers (one for all namespaces, or one per
 * configured namespace so the RBAC can stay namespaced) with a label selector, and indexed by tenant
 * Service with fabric8's own indexer. Reconnects and resyncs are fabric8's; there is no hand-written
 * watch loop.
 */
public final class MirrorInformer implements MirrorIndex, Synced, AutoCloseable {
    private static final String BY_TENANT = "tenant-service";

    private final List<SharedIndexInformer<Service>> informers = new ArrayList<>();
    private final String scope;

    public MirrorInformer(KubernetesClient client, TenantBackendConfig config) {
        Function<Service, List<String>> byTenant = service -> Mirror.of(service)
                .map(m -> List.of(MirrorIndex.tenantKey(m.namespace(), m.tenantNamespace(), m.tenantName())))
                .orElse(List.of());
        var indexers = Map.of(BY_TENANT, byTenant);
        if (config.namespaces().isEmpty()) {
            scope = "all namespaces";
            informers.add(client.services().inAnyNamespace().withLabel(Kube.TENANT_SERVICE_NAME_LABEL)
                    .runnableInformer(0).addIndexers(indexers));
        } else {
            scope = "namespaces " + config.namespaces();
            for (var namespace : config.namespaces()) {
                informers.add(client.services().inNamespace(namespace).withLabel(Kube.TENANT_SERVICE_NAME_LABEL)
                        .runnableInformer(0).addIndexers(indexers));
            }
        }
    }

    /** Handlers added before {@link #start()} see the initial list as adds. */
    public void addHandler(ResourceEventHandler<Service> handler) {
        informers.forEach(i -> i.addEventHandler(handler));
    }

    public MirrorInformer start() {
        informers.forEach(informer -> Informers.start(informer, name()));
        return this;
    }

    @Override
    public List<Mirror> mirrorsOf(String namespace, String tenantNamespace, String tenantName) {
        requireSynced();
        var key = MirrorIndex.tenantKey(namespace, tenantNamespace, tenantName);
        return informers.stream().flatMap(i -> i.getIndexer().byIndex(BY_TENANT, key).stream())
                .map(Mirror::of).flatMap(Optional::stream)
                .sorted(Comparator.comparing(Mirror::name)).toList();
    }

    @Override
    public Optional<Mirror> named(String namespace, String name) {
        requireSynced();
        for (var informer : informers) {
            var service = informer.getStore().getByKey(namespace + "/" + name);
            if (service != null) {
                return Mirror.of(service);
            }
        }
        return Optional.empty();
    }

    @Override
    public String name() {
        return "KubeVirt CCM services in " + scope;
    }

    private void requireSynced() {
        if (!hasSynced()) {
            throw new NotSynced("the index of " + name());
        }
    }

    @Override
    public boolean hasSynced() {
        return Synced.allSynced(informers);
    }

    @Override
    public boolean isWatching() {
        return Synced.allWatching(informers);
    }

    @Override
    public void close() {
        informers.forEach(SharedIndexInformer::close);
    }
}
