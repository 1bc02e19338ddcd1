package dev.coderadmission.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.coderadmission.config.AdmissionConfig;
import dev.coderadmission.kube.Kube;
import dev.coderadmission.policy.exposure.ClusterKnowledge;
import dev.coderadmission.policy.exposure.CoderOwnership;
import dev.coderadmission.policy.exposure.GatewayApi;
import dev.coderadmission.tenant.ServiceCatalog;
import io.fabric8.kubernetes.api.model.APIResourceList;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.ReducedStateItemStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Feeds {@link ClusterKnowledge} from informers, so {@code serve} judges with the same knowledge the
 * CLI builds from manifests: Coder's Services (one informer per label selector of
 * {@link CoderOwnership#serviceSelectors()}, all namespaces), Coder's Pods (the same labels, and every Pod
 * of coder.namespaces: their addresses), IngressClasses and GatewayClasses (only
 * where a controller allow-list makes them matter), Gateways and ReferenceGrants.
 *
 * <p>Gateway API is optional in a cluster. Its kinds are watched as generic resources in whichever
 * version the API server serves, found by discovery; while the CRDs are not installed there is nothing
 * to know (no route can exist either), so that counts as synced, and discovery is repeated every
 * {@code rediscover} so CRDs installed later are picked up. A failed discovery (API server down) is
 * retried sooner and counts as not synced: an informer that can never list must not keep a replica
 * unready, and a guess must not admit a route.
 */
public final class KnowledgeInformers implements Synced, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KnowledgeInformers.class);
    /** Versions in order of preference; the first one the API server serves for a kind is watched. */
    private static final List<String> GATEWAY_VERSIONS = List.of("v1", "v1beta1", "v1alpha2");
    private static final Duration RETRY = Duration.ofSeconds(5);
    /** The fields of a Pod that {@link ClusterKnowledge#observe} reads, besides its namespace and name. */
    static final String[] POD_FIELDS = {"metadata.labels", "spec.hostNetwork", "status.podIP", "status.podIPs"};

    private final KubernetesClient client;
    private final ClusterKnowledge knowledge;
    private final List<SharedIndexInformer<?>> informers = new CopyOnWriteArrayList<>();
    private final List<String> gatewayKinds;
    private final Duration rediscover;
    private final ScheduledExecutorService discovery;
    /** Only the discovery thread writes it. */
    private final java.util.Set<String> watchedKinds = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private volatile boolean gatewayApiDiscovered;
    private volatile boolean closed;

    public KnowledgeInformers(KubernetesClient client, AdmissionConfig config, Duration rediscover) {
        this.client = client;
        this.rediscover = rediscover;
        this.knowledge = new ClusterKnowledge(config.coder(), name(), this::hasSynced);
        var ownership = new CoderOwnership(config.coder(), ServiceCatalog.EMPTY);
        var services = new ArrayList<SharedIndexInformer<Service>>();
        ownership.serviceSelectors().forEach((key, values) -> services.add(client.services().inAnyNamespace()
                .withLabelIn(key, values.toArray(String[]::new)).runnableInformer(0)));
        for (var informer : services) {
            informer.addEventHandler(new OneOfSeveral<>("v1", "Service", informer, services));
            informers.add(informer);
        }
        // Coder's Pods (their addresses, for hand-written EndpointSlices): by label anywhere, and all of Coder's namespaces
        var pods = new ArrayList<SharedIndexInformer<Pod>>();
        ownership.serviceSelectors().forEach((key, values) -> {
            if (!key.equals(Kube.TENANT_SERVICE_NAMESPACE_LABEL)) {
                pods.add(client.pods().inAnyNamespace().withLabelIn(key, values.toArray(String[]::new)).runnableInformer(0));
            }
        });
        config.coder().namespaces().forEach(namespace -> pods.add(client.pods().inNamespace(namespace).runnableInformer(0)));
        for (var informer : pods) {
            // Every Pod of coder.namespaces is a workspace pod of 10-20 KB: kept whole, a few hundred would
            // fill the heap the chart gives. Only what ClusterKnowledge reads is kept (the store gives it
            // back as a Pod with just these fields when one informer asks another, see OneOfSeveral).
            informer.itemStore(new ReducedStateItemStore<>(ReducedStateItemStore.NAME_KEY_STATE, Pod.class,
                    client.getKubernetesSerialization(), POD_FIELDS));
            informer.addEventHandler(new OneOfSeveral<>("v1", "Pod", informer, pods));
            informers.add(informer);
        }
        var exposure = config.exposure();
        if (!exposure.allowedIngressControllers().isEmpty()) {
            var classes = client.network().v1().ingressClasses().runnableInformer(0);
            classes.addEventHandler(new Handler<>("networking.k8s.io/v1", "IngressClass"));
            informers.add(classes);
        }
        var kinds = new ArrayList<>(List.of("Gateway", "ReferenceGrant"));
        if (!exposure.allowedGatewayControllers().isEmpty()) {
            kinds.add("GatewayClass");
        }
        this.gatewayKinds = List.copyOf(kinds);
        this.discovery = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("gateway-api-discovery").factory());
    }

    public KnowledgeInformers start() {
        informers.forEach(informer -> Informers.start(informer, name()));
        discovery.execute(this::discoverGatewayApi);
        return this;
    }

    public ClusterKnowledge knowledge() {
        return knowledge;
    }

    /**
     * Starts an informer for each Gateway API kind the API server serves and none watches yet; repeats
     * every {@code rediscover} while a kind is missing (its CRD may be installed later, or one CRD of a
     * bundle may land before the others) and every 5 s while discovery fails.
     */
    private void discoverGatewayApi() {
        if (closed) {
            return;
        }
        try {
            var found = new ArrayList<ResourceDefinitionContext>();
            for (var version : GATEWAY_VERSIONS) {
                APIResourceList resources = client.getApiResources(GatewayApi.GROUP + "/" + version);
                if (resources == null) {
                    continue;
                }
                for (var resource : resources.getResources()) {
                    var kind = resource.getKind();
                    if (gatewayKinds.contains(kind) && !watchedKinds.contains(kind) && !resource.getName().contains("/")
                            && found.stream().noneMatch(f -> f.getKind().equals(kind))) {
                        found.add(new ResourceDefinitionContext.Builder().withGroup(GatewayApi.GROUP).withVersion(version)
                                .withKind(kind).withPlural(resource.getName()).withNamespaced(resource.getNamespaced()).build());
                    }
                }
            }
            for (var context : found) {
                var informer = client.genericKubernetesResources(context).inAnyNamespace().runnableInformer(0);
                informer.addEventHandler(new Handler<>(context.getGroup() + "/" + context.getVersion(), context.getKind()));
                informers.add(informer);
                watchedKinds.add(context.getKind());
                Informers.start(informer, context.getKind() + " " + context.getGroup() + "/" + context.getVersion());
            }
            if (!found.isEmpty()) {
                LOG.info("watching Gateway API kinds {}", found.stream().map(f -> f.getKind() + " " + f.getVersion()).toList());
            }
            var missing = gatewayKinds.stream().filter(k -> !watchedKinds.contains(k)).toList();
            if (!missing.isEmpty()) {
                // an uninstalled kind has no objects to know: synced; said once at INFO, then quietly looked for
                (gatewayApiDiscovered ? LOG.atDebug() : LOG.atInfo()).log("Gateway API kinds {} of {} are not served: "
                        + "nothing of them can exist; looking again every {}", missing, GatewayApi.GROUP, rediscover);
                discovery.schedule(this::discoverGatewayApi, rediscover.toMillis(), TimeUnit.MILLISECONDS);
            }
            gatewayApiDiscovered = true;
        } catch (RuntimeException e) {
            LOG.warn("Gateway API discovery failed ({}); retrying in {}", e.getMessage(), RETRY);
            if (!closed) {
                discovery.schedule(this::discoverGatewayApi, RETRY.toMillis(), TimeUnit.MILLISECONDS);
            }
        }
    }

    @Override
    public String name() {
        return "Coder Services and Pods, classes and Gateway API objects";
    }

    @Override
    public boolean hasSynced() {
        return gatewayApiDiscovered && informers.stream().allMatch(SharedIndexInformer::hasSynced);
    }

    @Override
    public boolean isWatching() {
        return gatewayApiDiscovered && informers.stream().allMatch(i -> i.hasSynced() && i.isWatching());
    }

    /** Knowledge counts, for tests and logs. */
    public Map<String, Integer> sizes() {
        return knowledge.sizes();
    }

    /** The informers started so far (tests: what their stores hold). */
    List<SharedIndexInformer<?>> informers() {
        return List.copyOf(informers);
    }

    @Override
    public void close() {
        closed = true;
        discovery.shutdownNow();
        informers.forEach(SharedIndexInformer::close);
    }

    private class Handler<T extends HasMetadata> implements ResourceEventHandler<T> {
        private final String apiVersion;
        private final String kind;

        Handler(String apiVersion, String kind) {
            this.apiVersion = apiVersion;
            this.kind = kind;
        }

        /** As JSON, with the type stamped on: the items of a list response need not carry it. */
        JsonNode json(HasMetadata object) {
            var node = (ObjectNode) Kube.SERIALIZATION.convertValue(object, JsonNode.class);
            node.put("apiVersion", apiVersion).put("kind", kind);
            return node;
        }

        @Override
        public void onAdd(T object) {
            knowledge.observe(json(object), "");
        }

        @Override
        public void onUpdate(T old, T object) {
            knowledge.observe(json(object), "");
        }

        @Override
        public void onDelete(T object, boolean finalStateUnknown) {
            knowledge.forget(json(object), "");
        }
    }

    /**
     * An object can be in several informers (several selectors, a namespace and a label): when it leaves
     * one (deleted, or relabelled out of its selector) it is forgotten only if no other still holds it.
     */
    private final class OneOfSeveral<T extends HasMetadata> extends Handler<T> {
        private final SharedIndexInformer<T> self;
        private final List<SharedIndexInformer<T>> all;

        OneOfSeveral(String apiVersion, String kind, SharedIndexInformer<T> self, List<SharedIndexInformer<T>> all) {
            super(apiVersion, kind);
            this.self = self;
            this.all = all;
        }

        @Override
        public void onDelete(T object, boolean finalStateUnknown) {
            var key = object.getMetadata().getNamespace() + "/" + object.getMetadata().getName();
            for (var other : all) {
                var held = other == self ? null : other.getStore().getByKey(key);
                if (held != null) {
                    knowledge.observe(json(held), "");
                    return;
                }
            }
            super.onDelete(object, finalStateUnknown);
        }
    }
}
