package dev.coderadmission.runtime;

import io.micronaut.core.async.publisher.Publishers;
import io.micronaut.health.HealthStatus;
import io.micronaut.management.health.indicator.HealthIndicator;
import io.micronaut.management.health.indicator.HealthResult;
import io.micronaut.management.health.indicator.annotation.Liveness;
import io.micronaut.management.health.indicator.annotation.Readiness;
import jakarta.inject.Singleton;
import org.reactivestreams.Publisher;

import java.util.Map;

/** Health of the background informers, for kubelet's probes. */
public final class InformerHealth {
    private InformerHealth() {
    }

    /** Not ready until every informer has listed once: before that, answers could miss cluster state. */
    @Singleton
    @Readiness
    public static class SyncedIndicator implements HealthIndicator {
        private final Background background;

        public SyncedIndicator(Background background) {
            this.background = background;
        }

        @Override
        public Publisher<HealthResult> getResult() {
            var unsynced = background.unsynced();
            return Publishers.just(HealthResult.builder("informers", unsynced.isEmpty() ? HealthStatus.UP : HealthStatus.DOWN)
                    .details(Map.of("unsynced", unsynced))
                    .build());
        }
    }

    /**
     * Not live when an informer has been down longer than {@code kubernetes.informer-restart-after}:
     * fabric8 retries by itself, so this is the last resort for a state it cannot leave.
     */
    @Singleton
    @Liveness
    public static class WatchingIndicator implements HealthIndicator {
        private final Background background;

        public WatchingIndicator(Background background) {
            this.background = background;
        }

        @Override
        public Publisher<HealthResult> getResult() {
            var down = background.downTooLong();
            return Publishers.just(HealthResult.builder("informers-watching", down.isEmpty() ? HealthStatus.UP : HealthStatus.DOWN)
                    .details(Map.of("downTooLong", down))
                    .build());
        }
    }
}
