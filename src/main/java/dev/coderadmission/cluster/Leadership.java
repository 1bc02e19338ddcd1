package dev.coderadmission.cluster;

import dev.coderadmission.config.LeaderElectionConfig;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Which replica writes: fabric8's leader election on one coordination.k8s.io Lease, shared by every
 * writer (certificate rotation, caBundle sync, Ingress repair). Admission is served by all replicas.
 *
 * <p>A fabric8 {@code LeaderElector} campaigns once: after a lost lease (renew deadline passed while the
 * API server was unreachable, a refused Lease write) it stops for good. So every campaign here is a
 * term, and the end of a term, however it ends, schedules a new campaign after the retry period, for
 * as long as the process runs (controller-runtime exits instead; re-campaigning keeps the admission
 * path of this replica serving meanwhile).
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
    private final LeaderElectionConfig config;
    private final String leaseNamespace;
    private final String identity;
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService scheduler =
            Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("leader-election").daemon().factory());
    private final AtomicLong campaigns = new AtomicLong();
    private volatile boolean leading;
    private volatile String leader = "";
    private boolean closed;
    private int term;
    private int endedTerm;
    private CompletableFuture<?> election;

    public Leadership(KubernetesClient client, LeaderElectionConfig config, String leaseNamespace, String identity) {
        this.client = electionClient(client, config);
        this.config = config;
        this.leaseNamespace = leaseNamespace;
        this.identity = identity;
    }

    /**
     * A client for Lease calls that never retries inside one call and times out within the renew
     * deadline (client-go does the same): fabric8 retries a 503 with backoff for up to a minute and a
     * half, which would hold a renewal far past its deadline while another replica takes the lease.
     * The elector's own loop is the retry.
     */
    private static KubernetesClient electionClient(KubernetesClient client, LeaderElectionConfig config) {
        var timeout = (int) Math.max(1, config.renewDeadline().toMillis() / 2);
        var configuration = new ConfigBuilder(client.getConfiguration())
                .withRequestRetryBackoffLimit(0)
                .withRequestTimeout(timeout)
                .withConnectionTimeout(timeout)
                .build();
        return new KubernetesClientBuilder().withConfig(configuration).build();
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

    /** The holder of the lease as last observed ("" before any observation). */
    public String leader() {
        return leader;
    }

    /** How many campaigns this process has started (1 + re-campaigns after lost terms). */
    public long campaigns() {
        return campaigns.get();
    }

    public synchronized void start() {
        if (election == null && !closed) {
            campaign();
        }
    }

    private synchronized void campaign() {
        if (closed) {
            return;
        }
        var myTerm = ++term;
        campaigns.incrementAndGet();
        var lease = leaseNamespace + "/" + config.leaseName();
        var electionConfig = new LeaderElectionConfigBuilder()
                .withName(config.leaseName())
                .withLock(new LeaseLock(leaseNamespace, config.leaseName(), identity))
                .withLeaseDuration(config.leaseDuration())
                .withRenewDeadline(config.renewDeadline())
                .withRetryPeriod(config.retryPeriod())
                .withReleaseOnCancel(true)
                .withLeaderCallbacks(new LeaderCallbacks(
                        () -> startedLeading(myTerm, lease),
                        () -> termEnded(myTerm, "lost the lease"),
                        holder -> {
                            leader = holder == null ? "" : holder;
                            LOG.debug("leader of {} is {}", lease, holder);
                        }))
                .build();
        try {
            election = client.leaderElector().withConfig(electionConfig).build().start();
            election.whenComplete((ignored, error) ->
                    termEnded(myTerm, error == null ? "the election ended" : "the election failed: " + error));
        } catch (RuntimeException e) {
            termEnded(myTerm, "could not start the election: " + e);
        }
    }

    private void startedLeading(int myTerm, String lease) {
        synchronized (this) {
            if (closed || myTerm != term || endedTerm == myTerm) {
                return;
            }
            leading = true;
            leader = identity;
        }
        LOG.info("{} now leads {}", identity, lease);
        listeners.forEach(Listener::startedLeading);
    }

    /**
     * The end of a term, told by the callback or by the election's future (fabric8 may call one and
     * not the other when the API server is down): stop acting as leader, and campaign again.
     */
    private void termEnded(int myTerm, String why) {
        boolean wasLeading;
        synchronized (this) {
            if (closed || myTerm != term || endedTerm == myTerm) {
                return;
            }
            endedTerm = myTerm;
            wasLeading = leading;
            leading = false;
            if (election != null) {
                election.cancel(true);
            }
        }
        if (wasLeading) {
            LOG.warn("{} stopped leading {}/{} ({}); campaigning again in {}", identity, leaseNamespace,
                    config.leaseName(), why, config.retryPeriod());
            listeners.forEach(Listener::stoppedLeading);
        } else {
            LOG.info("election for {}/{} ended without leading ({}); campaigning again in {}", leaseNamespace,
                    config.leaseName(), why, config.retryPeriod());
        }
        try {
            scheduler.schedule(this::campaign, config.retryPeriod().toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // closed meanwhile: nothing to campaign for
        }
    }

    @Override
    public void close() {
        CompletableFuture<?> last;
        boolean wasLeading;
        synchronized (this) {
            closed = true;
            last = election;
            election = null;
            wasLeading = leading;
            leading = false;
        }
        scheduler.shutdownNow();
        if (last != null) {
            last.cancel(true); // releases the lease (releaseOnCancel) so another replica takes over at once
        }
        client.close();
        if (wasLeading) {
            listeners.forEach(Listener::stoppedLeading);
        }
    }
}
