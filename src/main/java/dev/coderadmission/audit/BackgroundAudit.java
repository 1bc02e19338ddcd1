package dev.coderadmission.audit;

import com.fasterxml.jackson.databind.JsonNode;
import dev.coderadmission.admission.NotSynced;
import dev.coderadmission.cluster.AuditedObjects;
import dev.coderadmission.cluster.EventRecorder;
import dev.coderadmission.cluster.Leadership;
import dev.coderadmission.config.AdmissionConfig;
import dev.coderadmission.policy.Evaluation;
import dev.coderadmission.policy.Evaluator;
import dev.coderadmission.policy.Lookups;
import dev.coderadmission.policy.Webhooks;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The {@code audit} command inside {@code serve}: every {@code audit.interval} the elected replica lists
 * what the command lists, judges it with the webhook table and the informers' lookups the admission path
 * uses (with {@code enforcement: deny}, so a warn-only cluster sees what deny would reject), and
 * publishes the findings as gauges by rule and namespace, and as one Event per newly offending object.
 *
 * <p>Leader only, so the gauges of a Deployment sum to the truth and each Event is written once;
 * the other replicas publish no findings. It only lists and creates Events: nothing it judges is changed.
 */
public final class BackgroundAudit implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BackgroundAudit.class);
    static final String VIOLATION = "PolicyViolation";
    static final String MUTATION_PENDING = "MutationPending";

    /** How a pass ended, as the {@code outcome} of {@code coder.admission.audit.passes}. */
    enum Outcome { COMPLETED, NOT_LEADER, UNSYNCED, FAILED }

    /** One offending object, and what its Event says: the key of the once-per-finding rule. */
    record Finding(String apiVersion, String kind, String namespace, String name, String uid, String reason,
                   String message) {
    }

    private final KubernetesClient client;
    private final AdmissionConfig config;
    private final Evaluator evaluator;
    private final Leadership leadership;
    private final EventRecorder events;
    private final MeterRegistry registry;
    private final Clock clock;
    private final ScheduledExecutorService scheduler;
    private final MultiGauge violations;
    private final MultiGauge mutations;
    private final AtomicLong objects = new AtomicLong();
    private final AtomicLong lastCompleted = new AtomicLong();
    /** Set while a retry for unsynced informers is scheduled, so they do not pile up. */
    private final AtomicBoolean retryPending = new AtomicBoolean();
    /** The findings of the last completed pass that got (or did not need) an Event; only the scheduler thread touches it. */
    private Set<Finding> reported = new HashSet<>();

    public BackgroundAudit(KubernetesClient client, AdmissionConfig config, Lookups lookups, Leadership leadership,
                           MeterRegistry registry) {
        this.client = client;
        this.config = config;
        this.evaluator = new Evaluator(Webhooks.create(config.enforcing(), lookups), "default");
        this.leadership = leadership;
        this.events = new EventRecorder(client, leadership.identity());
        this.registry = registry;
        this.clock = Clock.systemUTC();
        this.violations = MultiGauge.builder("coder.admission.audit.violations")
                .description("Objects in the cluster that enforcement: deny would reject, by rule and namespace "
                        + "(last background audit pass; leader only)")
                .register(registry);
        this.mutations = MultiGauge.builder("coder.admission.audit.mutations")
                .description("Objects in the cluster a mutating webhook would change if created now, by webhook and "
                        + "namespace (last background audit pass; leader only)")
                .register(registry);
        Gauge.builder("coder.admission.audit.objects", objects, AtomicLong::get)
                .description("Objects the last completed background audit pass judged").register(registry);
        Gauge.builder("coder.admission.audit.last.completed", lastCompleted, AtomicLong::get)
                .description("When the last background audit pass completed (Unix time; 0: none yet)")
                .baseUnit("seconds").register(registry);
        this.scheduler = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("background-audit").daemon().factory());
        var interval = config.audit().interval().toMillis();
        scheduler.scheduleWithFixedDelay(this::safePass, interval, interval, TimeUnit.MILLISECONDS);
        // the first pass as soon as this replica leads, not one interval later
        leadership.addListener(new Leadership.Listener() {
            @Override
            public void startedLeading() {
                submit(0);
            }

            @Override
            public void stoppedLeading() {
                submit(0);
            }
        });
    }

    private void submit(long delayMillis) {
        try {
            scheduler.schedule(this::safePass, delayMillis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // shutting down
        }
    }

    private void safePass() {
        try {
            pass();
        } catch (RuntimeException e) {
            count(Outcome.FAILED);
            LOG.warn("background audit pass failed; next pass in {}", config.audit().interval(), e);
        }
    }

    /** One pass; package-private so tests can run one without waiting for the schedule. */
    synchronized Outcome pass() {
        if (!leadership.isLeader()) {
            // another replica publishes; stale findings here would be counted twice on a dashboard
            violations.register(List.of(), true);
            mutations.register(List.of(), true);
            reported = new HashSet<>();
            return count(Outcome.NOT_LEADER);
        }
        var deniedByRule = new HashMap<Tags, Long>();
        var mutatedByWebhook = new HashMap<Tags, Long>();
        var findings = new LinkedHashSet<Finding>();
        var judged = new AtomicLong();
        try {
            AuditedObjects.forEach(client, config, null, config.audit().pageSize(), listed -> {
                judged.incrementAndGet();
                judge(evaluator.evaluate(listed.source(), listed.body()), deniedByRule, mutatedByWebhook, findings);
            });
        } catch (NotSynced e) {
            // the informers that feed the lookups have not listed yet: a pass now would guess
            LOG.info("background audit waits for the informers: {}", e.getMessage());
            if (retryPending.compareAndSet(false, true)) {
                submit(5_000);
            }
            return count(Outcome.UNSYNCED);
        } catch (KubernetesClientException e) {
            LOG.warn("background audit could not list from the API server ({}); next pass in {}", e.getMessage(),
                    config.audit().interval());
            return count(Outcome.FAILED);
        } finally {
            retryPending.set(false);
        }
        violations.register(rows(deniedByRule), true);
        mutations.register(rows(mutatedByWebhook), true);
        objects.set(judged.get());
        lastCompleted.set(clock.instant().getEpochSecond());
        if (config.audit().events()) {
            for (var finding : findings) {
                if (!reported.contains(finding) && leadership.isLeader()) {
                    events.record(EventRecorder.reference(finding.apiVersion(), finding.kind(), finding.namespace(),
                            finding.name(), finding.uid()), "Warning", finding.reason(), finding.message());
                }
            }
        }
        // a finding that goes away and comes back gets a new Event
        reported = new HashSet<>(findings);
        long denied = findings.stream().filter(f -> f.reason().equals(VIOLATION)).count();
        LOG.info("background audit judged {} objects: {} would be denied, {} would be mutated", judged.get(), denied,
                findings.size() - denied);
        return count(Outcome.COMPLETED);
    }

    private static void judge(Evaluation evaluation, Map<Tags, Long> deniedByRule, Map<Tags, Long> mutatedByWebhook,
                              Set<Finding> findings) {
        switch (evaluation.verdict()) {
            case DENIED -> {
                for (var rule : evaluation.deniedRules()) {
                    deniedByRule.merge(Tags.of("namespace", evaluation.namespace(), "rule", rule), 1L, Long::sum);
                }
                findings.add(finding(evaluation, VIOLATION, "coder-admission audit: enforcement deny would reject this "
                        + "object if it were created now: " + String.join("; ", evaluation.messages())));
            }
            case MUTATED -> {
                for (var webhook : evaluation.mutatedBy()) {
                    mutatedByWebhook.merge(Tags.of("namespace", evaluation.namespace(), "webhook", webhook), 1L, Long::sum);
                }
                findings.add(finding(evaluation, MUTATION_PENDING, "coder-admission audit: created now, this object "
                        + "would be changed by " + String.join(", ", evaluation.mutatedBy()) + " (" + paths(evaluation.patch())
                        + "); it predates the webhook or was admitted while it was off"));
            }
            case ALLOWED -> { }
        }
    }

    private static Finding finding(Evaluation evaluation, String reason, String message) {
        var metadata = evaluation.original().path("metadata");
        return new Finding(evaluation.apiVersion(), evaluation.kind(), evaluation.namespace(), evaluation.name(),
                metadata.path("uid").asText(), reason, message);
    }

    /** "replace /spec/containers/0/env/1/value, add …": where the patch would change the object. */
    private static String paths(JsonNode patch) {
        var paths = new ArrayList<String>();
        for (var operation : patch) {
            paths.add(operation.path("op").asText() + " " + operation.path("path").asText());
        }
        return String.join(", ", paths);
    }

    private static List<MultiGauge.Row<?>> rows(Map<Tags, Long> counts) {
        var rows = new ArrayList<MultiGauge.Row<?>>();
        counts.forEach((tags, count) -> rows.add(MultiGauge.Row.of(tags, count)));
        return rows;
    }

    private Outcome count(Outcome outcome) {
        registry.counter("coder.admission.audit.passes", "outcome", outcome.name().toLowerCase(Locale.ROOT))
                .increment();
        return outcome;
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
    }
}
