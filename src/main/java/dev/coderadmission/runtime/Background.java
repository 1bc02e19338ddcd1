package dev.coderadmission.runtime;

import dev.coderadmission.audit.BackgroundAudit;
import dev.coderadmission.config.AdmissionConfig;
import dev.coderadmission.config.TlsConfig;
import dev.coderadmission.cluster.ConfigMapAgentUrl;
import dev.coderadmission.cluster.KnowledgeInformers;
import dev.coderadmission.cluster.Leadership;
import dev.coderadmission.cluster.MirrorInformer;
import dev.coderadmission.cluster.Synced;
import dev.coderadmission.policy.Lookups;
import dev.coderadmission.repair.IngressRepairer;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.context.annotation.Context;
import io.micronaut.core.annotation.Nullable;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The composition root of everything that runs beside the admission path: the informers and the
 * {@link Lookups} they feed, the leader election, and the writers behind it (Ingress repair; the
 * certificate source registers itself). It starts them in dependency order, reports their health
 * (readiness: every informer has listed; liveness: none has been down longer than
 * {@code kubernetes.informer-restart-after}) and stops them in reverse order: writers first, then the
 * election (releasing the lease), then the informers.
 *
 * <p>Every replica runs its own informers (they are read-only); without a Kubernetes client the
 * lookups are what the config says.
 */
@Singleton
@Context // informers and the election start with the server, not on the first request
public final class Background implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Background.class);
    /** How often to look for Gateway API CRDs installed after start-up. */
    private static final Duration GATEWAY_API_REDISCOVERY = Duration.ofMinutes(1);

    private final Lookups lookups;
    private final Leadership leadership;
    private final Duration restartAfter;
    private final Clock clock;
    private final List<Synced> synced = new CopyOnWriteArrayList<>();
    private final Map<Synced, Instant> healthySince = new ConcurrentHashMap<>();
    /** Closed in list order: writers are added first, informers last. */
    private final List<AutoCloseable> stopOrder = new ArrayList<>();

    public Background(AdmissionConfig config, @Nullable KubernetesClient client, MeterRegistry registry) {
        this.restartAfter = config.kubernetes().informerRestartAfter();
        this.clock = Clock.systemUTC();
        var lookups = Lookups.fromConfig(config);
        if (client == null) {
            LOG.info("no Kubernetes API server configured (kubernetes.enabled: {}): using config values only",
                    config.kubernetes().enabled());
            leadership = null;
        } else {
            // only writers need an election (and its Lease permissions): certificate rotation, Ingress repair
            leadership = writes(config) ? new Leadership(client, config.leaderElection(),
                    config.leaderElection().leaseNamespace(System.getenv()), identity(System.getenv())) : null;
            var informers = new ArrayList<AutoCloseable>();
            if (config.agentUrl().enabled() && config.agentUrl().watchesConfigMap()) {
                var agentUrl = new ConfigMapAgentUrl(client, config.agentUrl());
                register(agentUrl);
                informers.add(agentUrl);
                lookups = lookups.withAgentUrl(agentUrl);
            }
            if (config.exposure().enabled()) {
                var knowledge = new KnowledgeInformers(client, config, GATEWAY_API_REDISCOVERY);
                register(knowledge);
                informers.add(knowledge);
                lookups = lookups.withServices(knowledge.knowledge()).withClasses(knowledge.knowledge())
                        .withGateways(knowledge.knowledge()).withPods(knowledge.knowledge());
                knowledge.start();
            }
            if (config.tenantBackend().enabled()) {
                var mirrors = new MirrorInformer(client, config.tenantBackend());
                register(mirrors);
                informers.add(mirrors);
                lookups = lookups.withMirrors(mirrors);
                if (config.tenantBackend().repair() && leadership != null) {
                    stopOrder.add(new IngressRepairer(client, config.tenantBackend(), mirrors, leadership, registry));
                }
                mirrors.start();
            }
            if (config.audit().enabled() && leadership != null) {
                stopOrder.add(0, new BackgroundAudit(client, config, lookups, leadership, registry));
            }
            if (leadership != null) {
                stopOrder.add(leadership);
                leadership.start();
            }
            stopOrder.addAll(informers);
        }
        this.lookups = lookups;
        registerMetrics(registry);
    }

    private void registerMetrics(MeterRegistry registry) {
        if (leadership != null) {
            Gauge.builder("coder.admission.leader", leadership, l -> l.isLeader() ? 1 : 0)
                    .description("1 while this replica holds the lease and writes (rotation, caBundles, repair, background audit)")
                    .register(registry);
            Gauge.builder("coder.admission.leader.campaigns", leadership, Leadership::campaigns)
                    .description("Leader election campaigns this process started (more than 1: a lease was lost)")
                    .register(registry);
        }
        Gauge.builder("coder.admission.informers.unsynced", this, b -> b.unsynced().size())
                .description("Informers that have not listed yet (admission answers 503 where it needs them)")
                .register(registry);
    }

    /**
     * Whether this replica has anything to write or to do once per Deployment, and so needs to take part
     * in the election: rotation, caBundles, repair, the background audit (its Events and gauges).
     */
    static boolean writes(AdmissionConfig config) {
        return config.tls().mode() == TlsConfig.Mode.SELF_MANAGED
                || (config.tenantBackend().enabled() && config.tenantBackend().repair())
                || config.audit().enabled();
    }

    /** The pod's name where Kubernetes sets it (the Downward API's POD_NAME, else the hostname). */
    static String identity(Map<String, String> environment) {
        for (var key : List.of("POD_NAME", "HOSTNAME")) {
            var value = environment.get(key);
            if (value != null && !value.isBlank()) {
                return value;
            }
        }
        return "coder-admission-" + UUID.randomUUID();
    }

    /** Adds an informer-backed component to readiness and liveness (the certificate Secret's, for one). */
    public void register(Synced component) {
        synced.add(component);
        healthySince.put(component, clock.instant());
    }

    public Lookups lookups() {
        return lookups;
    }

    public Optional<Leadership> leadership() {
        return Optional.ofNullable(leadership);
    }

    /** The informers that have not listed yet (readiness is down while any has not). */
    public List<String> unsynced() {
        return synced.stream().filter(s -> !s.hasSynced()).map(Synced::name).toList();
    }

    /**
     * The informers that have not been listed and watching for longer than the restart bound (liveness
     * is down while any has not, so kubelet restarts a replica whose informers cannot recover by themselves).
     */
    public List<String> downTooLong() {
        if (restartAfter.isZero()) {
            return List.of();
        }
        var now = clock.instant();
        var down = new ArrayList<String>();
        for (var component : synced) {
            if (component.isWatching()) {
                healthySince.put(component, now);
            } else if (healthySince.getOrDefault(component, now).plus(restartAfter).isBefore(now)) {
                down.add(component.name() + " (down since " + healthySince.get(component) + ")");
            }
        }
        return down;
    }

    @Override
    @PreDestroy
    public synchronized void close() {
        for (var component : stopOrder) {
            try {
                component.close();
            } catch (Exception e) {
                LOG.warn("stopping {} failed", component, e);
            }
        }
        stopOrder.clear();
    }
}
