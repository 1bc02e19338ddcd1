package dev.coderadmission.http;

import dev.coderadmission.admission.AdmissionHandler;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What an SRE reads about the admission path, recorded on the event loop after each answer:
 * <ul>
 *   <li>{@code coder_admission_review_duration_seconds} (histogram by webhook and outcome): decode,
 *       decide and encode, from the last byte of the body to the answer written; fixed buckets from
 *       50 µs to 1 s;</li>
 *   <li>{@code coder_admission_reviews_total} by webhook, kind, operation and outcome;</li>
 *   <li>{@code coder_admission_review_request_size_bytes} (histogram by webhook);</li>
 *   <li>{@code coder_admission_reviews_in_flight}: requests whose head has arrived and whose answer has not
 *       been written.</li>
 * </ul>
 * Meters are created on first use and then found in maps keyed by plain values, so a review costs a
 * few hash lookups and no registry search. The kind comes from the request: anyone reaching the port can
 * name any kind, so after {@link #MAX_SERIES} series a new kind is counted as {@code other}.
 */
@Singleton
public final class ReviewMetrics {
    static final int MAX_SERIES = 256;
    private static final Duration[] DURATION_BUCKETS = {
            Duration.ofNanos(50_000), Duration.ofNanos(100_000), Duration.ofNanos(250_000), Duration.ofNanos(500_000),
            Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
            Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1)};
    private static final double[] SIZE_BUCKETS = {1024, 4096, 16_384, 65_536, 262_144, 1_048_576, 3_145_728, 16_777_216};

    private final MeterRegistry registry;
    private final ConcurrentHashMap<TimerKey, Timer> timers = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<CountKey, Counter> counters = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, DistributionSummary> sizes = new ConcurrentHashMap<>();
    private final AtomicInteger inFlight = new AtomicInteger();

    private record TimerKey(String webhook, String outcome) {
    }

    private record CountKey(String webhook, String kind, String operation, String outcome) {
    }

    /**
     * Registers straight into the Prometheus registry when there is one (what {@code /prometheus} reads),
     * not through Micronaut's composite: the composite's timer is a second timer in front of Prometheus'
     * on every review (a tenth of this class's cost on the event loop, async-profiler under load).
     */
    @Inject
    public ReviewMetrics(MeterRegistry registry, @Nullable PrometheusMeterRegistry prometheus) {
        this(prometheus != null ? prometheus : registry);
    }

    public ReviewMetrics(MeterRegistry registry) {
        this.registry = registry;
        Gauge.builder("coder.admission.reviews.in.flight", inFlight, AtomicInteger::get)
                .description("Admission requests received and not yet answered")
                .register(registry);
    }

    /** A request's head has arrived. */
    void started() {
        inFlight.incrementAndGet();
    }

    /** The request was answered (or its connection closed before it was). */
    void finished() {
        inFlight.decrementAndGet();
    }

    /**
     * @param webhook the path (a served webhook's, or "unknown" for 404s, so a scan of paths cannot grow the series)
     */
    public void record(String webhook, int bodyBytes, AdmissionHandler.Answer answer, long nanos) {
        timers.computeIfAbsent(new TimerKey(webhook, answer.outcome()), key -> Timer.builder("coder.admission.review.duration")
                        .description("Time to decode, decide and encode one AdmissionReview, by webhook and outcome")
                        .tag("webhook", key.webhook()).tag("outcome", key.outcome())
                        .serviceLevelObjectives(DURATION_BUCKETS)
                        .register(registry))
                .record(nanos, TimeUnit.NANOSECONDS);
        var countKey = new CountKey(webhook, answer.kind(), answer.operation(), answer.outcome());
        var counter = counters.get(countKey);
        if (counter == null) {
            if (counters.size() >= MAX_SERIES) {
                countKey = new CountKey(webhook, "other", answer.operation(), answer.outcome());
            }
            counter = counters.computeIfAbsent(countKey, key -> Counter.builder("coder.admission.reviews")
                    .description("AdmissionReviews answered, by webhook, kind, operation and outcome")
                    .tag("webhook", key.webhook()).tag("kind", key.kind()).tag("operation", key.operation())
                    .tag("outcome", key.outcome())
                    .register(registry));
        }
        counter.increment();
        sizes.computeIfAbsent(webhook, key -> DistributionSummary.builder("coder.admission.review.request.size")
                        .description("Bytes of AdmissionReview request bodies, by webhook")
                        .baseUnit("bytes").tag("webhook", key)
                        .serviceLevelObjectives(SIZE_BUCKETS)
                        .register(registry))
                .record(bodyBytes);
    }
}
