package dev.coderadmission.kube;

import dev.coderadmission.config.LeaderElectionConfig;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Which replica writes: fabric8's leader election on one coordination.k8s.io Lease, shared by every
 * writer (certificate rotation, caBundle sync, Ingress repair). Admission is served by all replicas.
 */
public final class Leadership implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Leadership.class);

    /** Told when this replica gains or loses the lease; called on the elector's thread, so keep it short. */
    public interface Listener {
        void startedLeading();

        default void stoppedLeading() {
        }
    }

    private final KubernetesClient client;
    private final String leaseName;
    private final String leaseNamespace;
    private final String identity;
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private volatile boolean leading;
    private CompletableFuture<?> election;

    public Leadership(KubernetesClient client, LeaderElectionConfig config, String leaseNamespace, String identity) {
        this.client = client;
        this.leaseName = config.leaseName();
        this.leaseNamespace = leaseNamespace;
        this.identity = identity;
    }

    /** Adds a listener; one added while this replica already leads is told so at once. */
    public void addListener(Listener listener) {
        listeners.add(listener);
        if (leading) {
            listener.startedLeading();
        }
    }

    public String identity() {
        return identity;
    }

    public boolean isLeader() {
        return leading;
    }

    public synchronized void start() {
        if (election != null) {
            return;
        }
        var config = new LeaderElectionConfigBuilder()
                .withName(leaseName)
                .withLock(new LeaseLock(leaseNamespace, leaseName, identity))
                // client-go's defaults: a crashed leader is replaced within about 15 s
                .withLeaseDuration(Duration.ofSeconds(15))
                .withRenewDeadline(Duration.ofSeconds(10))
                .withRetryPeriod(Duration.ofSeconds(2))
                .withReleaseOnCancel(true)
                .withLeaderCallbacks(new LeaderCallbacks(
                        () -> {
                            leading = true;
                            LOG.info("{} now leads {}/{}", identity, leaseNamespace, leaseName);
                            listeners.forEach(Listener::startedLeading);
                        },
                        () -> {
                            leading = false;
                            LOG.info("{} stopped leading {}/{}", identity, leaseNamespace, leaseName);
                            listeners.forEach(Listener::stoppedLeading);
                        },
                        leader -> LOG.debug("leader of {}/{} is {}", leaseNamespace, leaseName, leader)))
                .build();
        election = client.leaderElector().withConfig(config).build().start();
    }

    @Override
    public synchronized void close() {
        if (election != null) {
            election.cancel(true); // releases the lease (releaseOnCancel) so another replica takes over at once
            election = null;
        }
        leading = false;
    }
}
