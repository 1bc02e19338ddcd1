package dev.coderadmission.cluster;

import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Informers that never give up. fabric8's default exception handler stops an informer whose first
 * list fails, so a pod started during an API server restart (control-plane upgrade, Kamaji restart)
 * would stay unready forever; ours retries every failure with fabric8's exponential backoff.
 */
public final class Informers {
    private static final Logger LOG = LoggerFactory.getLogger(Informers.class);

    private Informers() {
    }

    /** Sets the retry-always exception handler and starts {@code informer}; call once, before any other start. */
    public static <T> SharedIndexInformer<T> start(SharedIndexInformer<T> informer, String name) {
        var failures = new AtomicInteger();
        informer.exceptionHandler((started, error) -> {
            // the first failure of a streak at WARN, the rest at DEBUG: an outage must not flood the log
            if (failures.getAndIncrement() == 0) {
                LOG.warn("informer for {} failed ({}); retrying with backoff until it lists again", name,
                        error.getMessage());
            } else {
                LOG.debug("informer for {} failed again: {}", name, error.getMessage());
            }
            return true;
        });
        informer.start().whenComplete((ignored, error) -> {
            if (error == null) {
                var failed = failures.getAndSet(0);
                if (failed > 0) {
                    LOG.info("informer for {} has listed after {} failed attempts", name, failed);
                }
            } else {
                // the handler above retries every failure, so only close() ends a start: nothing to report
                LOG.debug("informer for {} stopped before it listed: {}", name, error.getMessage());
            }
        });
        return informer;
    }
}
