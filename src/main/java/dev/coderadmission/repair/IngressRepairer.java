package dev.coderadmission.repair;

import dev.coderadmission.tenant.Mirror;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.coderadmission.admission.AdmissionReviews;
import dev.coderadmission.admission.Patches;
import dev.coderadmission.config.TenantBackendConfig;
import dev.coderadmission.kube.Kube;
import dev.coderadmission.cluster.EventRecorder;
import dev.coderadmission.cluster.Leadership;
import dev.coderadmission.cluster.MirrorInformer;
import dev.coderadmission.policy.tenantbackend.BackendRewrite;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The repair loop: when a CCM mirror appears, changes or is replaced (a re-created tenant Service
 * gets a new UID, hence a new hashed name), Ingresses that declare its tenant Service but point
 * elsewhere are patched with exactly what the webhook would have done, and get an Event.
 *
 * <p>Every replica indexes; only the {@link Leadership} holder writes, through one single-threaded
 * queue so repairs never race each other.
 */
public final class IngressRepairer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(IngressRepairer.class);
    public static final String FIELD_MANAGER = EventRecorder.COMPONENT;

    private final KubernetesClient client;
    private final TenantBackendConfig config;
    private final MirrorInformer index;
    private final Leadership leadership;
    private final EventRecorder events;
    private final ScheduledExecutorService queue;
    private final AtomicInteger repairs = new AtomicInteger();
    private final MeterRegistry registry;
    /** Set while one retry is scheduled for the index to sync: further events join it instead of starting more. */
    private final AtomicBoolean awaitingSync = new AtomicBoolean();
    /** The problems already reported per Ingress, so an unchanged problem is one Event, not one per pass. */
    private final Map<String, String> reported = new ConcurrentHashMap<>();

    public IngressRepairer(KubernetesClient client, TenantBackendConfig config, MirrorInformer index, Leadership leadership,
                           MeterRegistry registry) {
        this.client = client;
        this.config = config;
        this.index = index;
        this.leadership = leadership;
        this.events = new EventRecorder(client, leadership.identity());
        this.registry = registry;
        this.queue = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("ingress-repair").daemon().factory());
        // A safety net beside the events: Ingresses edited by hand are put back within this period.
        queue.scheduleWithFixedDelay(() -> safely(() -> reconcile(null)), 5, 5, TimeUnit.MINUTES);
        leadership.addListener(() -> submit(() -> reconcile(null)));
        index.addHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Service service) {
                Mirror.of(service).ifPresent(m -> submit(() -> reconcile(m.namespace())));
            }

            @Override
            public void onUpdate(Service old, Service service) {
                // resyncs deliver unchanged objects; only a real change can move a backend
                if (!old.getMetadata().getResourceVersion().equals(service.getMetadata().getResourceVersion())) {
                    Mirror.of(service).ifPresent(m -> submit(() -> reconcile(m.namespace())));
                }
            }

            @Override
            public void onDelete(Service service, boolean finalStateUnknown) {
                // another mirror of the same tenant Service may remain: re-resolve, then report what is gone
                Mirror.of(service).ifPresent(m -> submit(() -> {
                    reconcile(m.namespace());
                    gone(m);
                }));
            }
        });
    }

    public boolean isLeader() {
        return leadership.isLeader();
    }

    /** Ingresses this replica has patched. */
    public int repairs() {
        return repairs.get();
    }

    private void submit(Runnable work) {
        try {
            queue.execute(() -> safely(work));
        } catch (RejectedExecutionException e) {
            // stopping: informer events still arrive until the informers are closed after us
        }
    }

    private static void safely(Runnable work) {
        try {
            work.run();
        } catch (KubernetesClientException e) {
            // the API server is unreachable or refused: nothing to fix here, the next change or resync retries
            LOG.warn("Ingress repair pass failed: {}; retried on the next change or resync", e.getMessage());
        } catch (RuntimeException e) {
            LOG.error("Ingress repair failed; it is retried on the next change or resync", e);
        }
    }

    /** Repairs annotated Ingresses in {@code namespace} (null: every namespace in scope). */
    private void reconcile(String namespace) {
        if (!leadership.isLeader()) {
            return;
        }
        if (!index.hasSynced()) {
            // deciding on a partial index could point an Ingress at the wrong mirror: one full pass once it
            // has synced, however many events arrive meanwhile
            if (awaitingSync.compareAndSet(false, true)) {
                queue.schedule(() -> {
                    awaitingSync.set(false);
                    safely(() -> reconcile(null));
                }, 500, TimeUnit.MILLISECONDS);
            }
            return;
        }
        for (var ingress : ingresses(namespace)) {
            var annotations = Kube.annotations(ingress);
            if (!annotations.containsKey(BackendRewrite.TENANT_SERVICE)) {
                continue;
            }
            if (!leadership.isLeader()) {
                return; // lost the lease during the pass: the new leader takes over from here
            }
            var json = toJson(ingress);
            var ns = ingress.getMetadata().getNamespace();
            var outcome = BackendRewrite.resolve(json, ns, index);
            if (outcome instanceof BackendRewrite.Outcome.Resolved resolved) {
                reported.remove(key(ingress));
                var patch = Patches.diff(json, resolved.ingress());
                if (!patch.isEmpty()) {
                    apply(ingress, patch, resolved);
                }
            } else {
                unresolved(ingress, outcome);
            }
        }
    }

    /** An Ingress the loop cannot repair: a Warning Event and a metric, once per distinct problem. */
    private void unresolved(Ingress ingress, BackendRewrite.Outcome outcome) {
        var metadata = ingress.getMetadata();
        var problem = BackendRewrite.problem(outcome, "Ingress " + metadata.getNamespace() + "/" + metadata.getName(),
                metadata.getNamespace());
        if (outcome instanceof BackendRewrite.Outcome.NoMirror
                && Kube.annotations(ingress).containsKey(BackendRewrite.RESOLVED_SERVICE)) {
            return; // its mirror was deleted: gone() reports that as TenantServiceGone
        }
        if (problem.isEmpty() || problem.equals(reported.put(key(ingress), problem))) {
            return;
        }
        count(outcome.getClass().getSimpleName());
        LOG.warn("cannot repair {}", problem);
        event(ingress, "Warning", "BackendNotRepaired", problem);
    }

    private static String key(Ingress ingress) {
        return ingress.getMetadata().getNamespace() + "/" + ingress.getMetadata().getName();
    }

    private void count(String outcome) {
        registry.counter("coder.admission.repair.outcomes", "outcome", outcome).increment();
    }

    private List<Ingress> ingresses(String namespace) {
        var api = client.network().v1().ingresses();
        if (namespace != null) {
            return config.inScope(namespace) ? api.inNamespace(namespace).list().getItems() : List.of();
        }
        if (config.namespaces().isEmpty()) {
            return api.inAnyNamespace().list().getItems();
        }
        return config.namespaces().stream().flatMap(ns -> api.inNamespace(ns).list().getItems().stream()).toList();
    }

    private void apply(Ingress ingress, JsonNode patch, BackendRewrite.Outcome.Resolved resolved) {
        var metadata = ingress.getMetadata();
        if (!leadership.isLeader()) {
            return;
        }
        // optimistic concurrency: the patch only applies to the version it was computed from
        var guarded = AdmissionReviews.JSON.createArrayNode();
        guarded.addObject().put("op", "test").put("path", "/metadata/resourceVersion").put("value", metadata.getResourceVersion());
        guarded.addAll((com.fasterxml.jackson.databind.node.ArrayNode) patch);
        var context = PatchContext.of(PatchType.JSON);
        context.setFieldManager(FIELD_MANAGER);
        try {
            client.network().v1().ingresses().inNamespace(metadata.getNamespace()).withName(metadata.getName())
                    .patch(context, guarded.toString());
        } catch (KubernetesClientException e) {
            count("Failed");
            LOG.warn("could not repair Ingress {}/{} ({}); retrying after the next change", metadata.getNamespace(),
                    metadata.getName(), e.getMessage());
            return;
        }
        repairs.incrementAndGet();
        count("Repaired");
        var message = "backend " + String.join(", ", resolved.previous()) + " -> " + resolved.mirror().describe();
        LOG.info("repaired Ingress {}/{}: {}", metadata.getNamespace(), metadata.getName(), message);
        event(ingress, "Normal", "BackendRepaired", message);
    }

    private void gone(Mirror mirror) {
        if (!leadership.isLeader()) {
            return;
        }
        for (var ingress : ingresses(mirror.namespace())) {
            var annotations = Kube.annotations(ingress);
            if (mirror.name().equals(annotations.get(BackendRewrite.RESOLVED_SERVICE))
                    && index.mirrorsOf(mirror.namespace(), mirror.tenantNamespace(), mirror.tenantName()).isEmpty()) {
                event(ingress, "Warning", "TenantServiceGone", "KubeVirt CCM Service " + mirror.describe()
                        + " was deleted; backends left as they are until a new mirror appears");
            }
        }
    }

    private void event(Ingress ingress, String type, String reason, String message) {
        var metadata = ingress.getMetadata();
        if (leadership.isLeader()) {
            events.record(EventRecorder.reference("networking.k8s.io/v1", "Ingress", metadata.getNamespace(),
                    metadata.getName(), metadata.getUid()), type, reason, message);
        }
    }

    private static JsonNode toJson(Ingress ingress) {
        try {
            return AdmissionReviews.JSON.readTree(Kube.SERIALIZATION.asJson(ingress));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        queue.shutdownNow();
    }
}
