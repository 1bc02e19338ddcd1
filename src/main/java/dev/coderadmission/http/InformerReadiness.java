package dev.coderadmission.http;

import io.micronaut.core.async.publisher.Publishers;
import io.micronaut.health.HealthStatus;
import io.micronaut.management.health.indicator.HealthIndicator;
import io.micronaut.management.health.indicator.HealthResult;
import io.micronaut.management.health.indicator.annotation.Readiness;
import jakarta.inject.Singleton;
import org.reactivestreams.Publisher;

import java.util.Map;

/** Not ready until every informer has listed once: before that, answers could miss cluster state. */
@Singleton
@Readiness
public class InformerReadiness implements HealthIndicator {
    private final ClusterWatches watches;

    public InformerReadiness(ClusterWatches watches) {
        this.watches = watches;
    }

    @Override
    public Publisher<HealthResult> getResult() {
        var unsynced = watches.unsynced();
        return Publishers.just(HealthResult.builder("informers", unsynced.isEmpty() ? HealthStatus.UP : HealthStatus.DOWN)
                .details(Map.of("unsynced", unsynced))
                .build());
    }
}
