package dev.coderadmission.runtime;

import dev.coderadmission.admission.ReviewLog;
import dev.coderadmission.config.AdmissionConfig;
import io.micronaut.context.ApplicationContext;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;

/**
 * How {@code serve} stops without failing a review. kube-apiserver keeps pooled keep-alive connections
 * to a webhook pod, so closing them while it still sends reviews fails those reviews. On SIGTERM:
 * <ol>
 *   <li>drain ({@code server.shutdown-drain}): readiness turns DOWN so the pod leaves the Service's
 *       endpoints, reviews are still answered on every connection, each answer says
 *       {@code Connection: close} so the client opens its next connection to another replica;</li>
 *   <li>stop: Micronaut's graceful shutdown stops accepting, finishes the reviews in flight and closes
 *       idle connections, for at most {@code server.shutdown-grace-period};</li>
 *   <li>the background (repair, election with lease release, informers) stops, then the process exits.</li>
 * </ol>
 * The chart's preStop sleep, the drain and the grace period together stay below
 * {@code terminationGracePeriodSeconds}.
 */
@Singleton
public class Shutdown {
    private static final Logger LOG = LoggerFactory.getLogger(Shutdown.class);

    private final Duration drain;
    private volatile boolean draining;

    public Shutdown(AdmissionConfig config) {
        this.drain = config.server().shutdownDrain();
    }

    /** Whether answers should close their connection (the drain has begun). */
    public boolean draining() {
        return draining;
    }

    /** Drains, then stops {@code context} gracefully; returns when it has stopped. */
    public void drainAndStop(ApplicationContext context) {
        draining = true;
        LOG.info("shutting down: not ready, answering with Connection: close for {}, then finishing in-flight reviews",
                drain);
        try {
            Thread.sleep(drain);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        context.close();
        ReviewLog.flush(); // the last reviews' lines
        LOG.info("stopped");
    }
}
