package dev.coderadmission.http;

import dev.coderadmission.config.AdmissionConfig;
import dev.coderadmission.config.TlsConfig;
import dev.coderadmission.kube.ConfigMapAgentUrl;
import dev.coderadmission.kube.Leadership;
import dev.coderadmission.kube.MirrorInformer;
import dev.coderadmission.kube.Synced;
import dev.coderadmission.policy.Lookups;
import dev.coderadmission.tenant.IngressRepairer;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micronaut.context.annotation.Context;
import io.micronaut.core.annotation.Nullable;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * The informers of this replica and the {@link Lookups} they feed, the repair loop, and the leader
 * election. Every replica runs its own informers (they are read-only); without a Kubernetes client,
 * the lookups are what the config says.
 */
@Singleton
@Context // informers and the election start with the server, not on the first request
public class ClusterWatches implements AutoCloseable {
    private final Lookups lookups;
    private final List<Synced> synced = new ArrayList<>();
    private final List<AutoCloseable> closeables = new ArrayList<>();

    public ClusterWatches(AdmissionConfig config, @Nullable KubernetesClient client, @Nullable Leadership leadership) {
        var lookups = Lookups.fromConfig(config);
        if (client == null) {
            LoggerFactory.getLogger(ClusterWatches.class).info(
                    "no Kubernetes API server configured (kubernetes.enabled: {}): using config values only",
                    config.kubernetes().enabled());
        } else {
            if (config.agentUrl().enabled() && config.agentUrl().watchesConfigMap()) {
                var agentUrl = new ConfigMapAgentUrl(client, config.agentUrl());
                synced.add(agentUrl);
                closeables.add(agentUrl);
                lookups = lookups.withAgentUrl(agentUrl);
            }
            if (config.tenantBackend().enabled()) {
                var mirrors = new MirrorInformer(client, config.tenantBackend());
                synced.add(mirrors);
                closeables.add(mirrors);
                lookups = lookups.withMirrors(mirrors).withServices(mirrors.coderServices(config.coder()));
                if (config.tenantBackend().repair() && leadership != null) {
                    closeables.addFirst(new IngressRepairer(client, config.tenantBackend(), mirrors, leadership));
                }
                mirrors.start();
            }
        }
        this.lookups = lookups;
        if (leadership != null && writes(config)) {
            // only writers need an election (and its Lease permissions): certificate rotation, Ingress repair
            closeables.addFirst(leadership);
            leadership.start();
        }
    }

    /** Whether this replica has anything to write, and so needs to take part in the election. */
    static boolean writes(AdmissionConfig config) {
        return config.tls().mode() == TlsConfig.Mode.SELF_MANAGED
                || (config.tenantBackend().enabled() && config.tenantBackend().repair());
    }

    public Lookups lookups() {
        return lookups;
    }

    /** The informers that have not listed yet (readiness is down while any has not). */
    public List<String> unsynced() {
        return synced.stream().filter(s -> !s.hasSynced()).map(Synced::name).toList();
    }

    @Override
    @PreDestroy
    public void close() {
        for (var closeable : closeables) {
            try {
                closeable.close();
            } catch (Exception e) {
                LoggerFactory.getLogger(ClusterWatches.class).warn("closing {} failed", closeable, e);
            }
        }
    }
}
