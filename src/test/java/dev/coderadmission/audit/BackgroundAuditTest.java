package dev.coderadmission.audit;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.coderadmission.admission.NotSynced;
import dev.coderadmission.cluster.Leadership;
import dev.coderadmission.config.AdmissionConfig;
import dev.coderadmission.config.AuditConfig;
import dev.coderadmission.config.Enforcement;
import dev.coderadmission.config.KubernetesConfig;
import dev.coderadmission.config.LeaderElectionConfig;
import dev.coderadmission.kube.Kube;
import dev.coderadmission.policy.Lookups;
import dev.coderadmission.policy.agenturl.AgentUrl;
import dev.coderadmission.support.Eventually;
import dev.coderadmission.support.FaultyApiServer;
import dev.coderadmission.support.Profiles;
import dev.coderadmission.support.Reviews;
import dev.coderadmission.support.TestServer;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** The background audit of serve: leader only, gauges by rule and namespace, one Event per finding, no other write. */
class BackgroundAuditTest {
    private static final LeaderElectionConfig FAST = new LeaderElectionConfig("coder-admission", "coder-admission", null, null, null)
            .withTimings(Duration.ofMillis(1500), Duration.ofMillis(1000), Duration.ofMillis(200));

    private final FaultyApiServer api = new FaultyApiServer();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @AfterEach
    void stop() {
        api.close();
    }

    /** The tenant profile, warn-only (the audit still reports what deny would reject), pages of 10. */
    private static AdmissionConfig tenant() {
        var config = Profiles.named("tenant");
        return config.withExposure(config.exposure().withEnforcement(Enforcement.WARN))
                .withAudit(new AuditConfig(true, Duration.ofHours(1), true, 10));
    }

    private static Lookups lookups(AdmissionConfig config) {
        return Lookups.fromConfig(config).withAgentUrl(AgentUrl.fixed(Optional.of("http://coder.coder.svc.cluster.local:80"), "test"));
    }

    private void service(String namespace, String name, String type) {
        api.client().services().inNamespace(namespace).resource(new ServiceBuilder().withNewMetadata().withName(name).endMetadata()
                .withNewSpec().withType(type).addNewPort().withPort(80).endPort().endSpec().build()).create();
    }

    private void workspacePodWithTheExternalUrl() {
        var pod = Reviews.file(Path.of("src/examples/tenant/workspace-envbuilder-pod.yaml"));
        ((ObjectNode) pod.path("metadata")).put("name", "coder-alice-dev-abc12");
        api.client().pods().inNamespace("coder-workspace").resource(Kube.SERIALIZATION.convertValue(pod, Pod.class)).create();
    }

    private double gauge(String name, String... tags) {
        var gauge = registry.find(name).tags(tags).gauge();
        return gauge == null ? 0 : gauge.value();
    }

    private List<Event> events(String namespace) {
        return api.client().v1().events().inNamespace(namespace).list().getItems();
    }

    private Leadership leading() {
        var leadership = new Leadership(api.client(), FAST, "coder-admission", "replica-a");
        leadership.start();
        Eventually.await(leadership::isLeader, leading -> leading, Duration.ofSeconds(10));
        return leadership;
    }

    @Test
    void theLeaderPublishesFindingsByRuleAndNamespaceAndOneEventPerNewFinding() {
        for (int i = 0; i < 25; i++) { // three pages of 10
            service("team-" + (i % 2), "web-" + i, "ClusterIP");
        }
        service("coder", "coder", "NodePort");
        api.client().services().inNamespace("coder").resource(new ServiceBuilder().withNewMetadata().withName("coder-lb").endMetadata()
                .withNewSpec().withType("LoadBalancer").withLoadBalancerClass("example.com/public-lb").addNewPort().withPort(80).endPort()
                .endSpec().build()).create();
        workspacePodWithTheExternalUrl();
        var config = tenant();
        try (var leadership = leading()) {
            var before = api.requests().size();
            var audit = new BackgroundAudit(api.client(), config, lookups(config), leadership, registry);

            // the first pass runs as soon as the replica leads, not one interval (an hour here) later
            Eventually.await(() -> registry.find("coder.admission.audit.passes").tag("outcome", "completed").counters(),
                    counters -> !counters.isEmpty(), Duration.ofSeconds(10));

            assertThat(gauge("coder.admission.audit.violations", "rule", "service-type", "namespace", "coder")).isEqualTo(1);
            assertThat(gauge("coder.admission.audit.violations", "rule", "load-balancer", "namespace", "coder")).isEqualTo(1);
            assertThat(registry.find("coder.admission.audit.violations").tag("namespace", "team-0").gauges()).isEmpty();
            assertThat(gauge("coder.admission.audit.mutations", "webhook", "agent-url", "namespace", "coder-workspace")).isEqualTo(1);
            assertThat(gauge("coder.admission.audit.objects")).isEqualTo(28);
            assertThat(gauge("coder.admission.audit.last.completed")).isPositive();

            var coderEvents = events("coder");
            assertThat(coderEvents).hasSize(2).allSatisfy(e -> {
                assertThat(e.getType()).isEqualTo("Warning");
                assertThat(e.getReason()).isEqualTo("PolicyViolation");
                assertThat(e.getInvolvedObject().getKind()).isEqualTo("Service");
                assertThat(e.getInvolvedObject().getUid()).isNotBlank();
            });
            assertThat(coderEvents).anySatisfy(e -> {
                assertThat(e.getInvolvedObject().getName()).isEqualTo("coder");
                assertThat(e.getMessage()).contains("enforcement deny would reject", "[service-type]", "NodePort");
            });
            assertThat(events("coder-workspace")).singleElement().satisfies(e -> {
                assertThat(e.getReason()).isEqualTo("MutationPending");
                assertThat(e.getInvolvedObject().getName()).isEqualTo("coder-alice-dev-abc12");
                assertThat(e.getMessage()).contains("agent-url", "/spec/containers/0/");
            });
            var requests = api.requests().subList(before, api.requests().size());
            assertThat(requests.stream().filter(r -> r.contains("/services?") && r.contains("continue=")).count())
                    .as("the second and third page of Services").isEqualTo(2);
            assertThat(requests).filteredOn(r -> !r.startsWith("GET "))
                    .allSatisfy(r -> assertThat(r).matches("(POST /api/v1/namespaces/[a-z-]+/events|(POST|PUT|PATCH) .*/leases.*).*"));

            // the same findings again: no second Event
            assertThat(audit.pass()).isEqualTo(BackgroundAudit.Outcome.COMPLETED);
            assertThat(events("coder")).hasSize(2);

            // fixed: the gauge drops to nothing, and no Event is written for a finding that went away
            var fixed = api.client().services().inNamespace("coder").withName("coder").get();
            fixed.getSpec().setType("ClusterIP");
            fixed.getSpec().getPorts().forEach(p -> p.setNodePort(null));
            api.client().services().inNamespace("coder").resource(fixed).update();
            assertThat(audit.pass()).isEqualTo(BackgroundAudit.Outcome.COMPLETED);
            assertThat(registry.find("coder.admission.audit.violations").tags("rule", "service-type").gauges()).isEmpty();
            assertThat(gauge("coder.admission.audit.violations", "rule", "load-balancer", "namespace", "coder")).isEqualTo(1);
            assertThat(events("coder")).hasSize(2);
            assertThat(registry.get("coder.admission.audit.passes").tag("outcome", "completed").counter().count()).isEqualTo(3);
            audit.close();
        }
    }

    @Test
    void aReplicaThatDoesNotLeadListsNothingAndPublishesNothing() {
        service("coder", "coder", "NodePort");
        var config = tenant();
        try (var follower = new Leadership(api.client(), FAST, "coder-admission", "replica-b");
             var audit = new BackgroundAudit(api.client(), config, lookups(config), follower, registry)) {
            var before = api.requests().size();

            assertThat(audit.pass()).isEqualTo(BackgroundAudit.Outcome.NOT_LEADER);

            assertThat(registry.find("coder.admission.audit.violations").gauges()).isEmpty();
            assertThat(api.requests().subList(before, api.requests().size())).isEmpty();
            assertThat(events("coder")).isEmpty();
        }
    }

    @Test
    void unsyncedLookupsMakeThePassWaitInsteadOfGuessing() {
        workspacePodWithTheExternalUrl();
        var config = tenant();
        var unsynced = Lookups.fromConfig(config).withAgentUrl(new AgentUrl() {
            @Override
            public Optional<String> current() {
                throw new NotSynced("ConfigMap coder/coder-workspace-config");
            }

            @Override
            public String source() {
                return "test";
            }
        });
        try (var leadership = leading();
             var audit = new BackgroundAudit(api.client(), config, unsynced, leadership, registry)) {

            assertThat(audit.pass()).isEqualTo(BackgroundAudit.Outcome.UNSYNCED);

            assertThat(gauge("coder.admission.audit.last.completed")).isZero();
            assertThat(events("coder-workspace")).isEmpty();
        }
    }

    @Test
    void serveExportsTheFindingsOnItsPrometheusEndpoint() {
        service("coder", "coder", "NodePort");
        var config = tenant().withKubernetes(new KubernetesConfig("true", null)).withLeaderElection(FAST);
        try (var server = TestServer.start(config, api.client())) {
            var scrape = Eventually.await(() -> server.send(HttpRequest.newBuilder(server.management("/prometheus")).build()).body(),
                    body -> body.contains("coder_admission_audit_passes_total{outcome=\"completed\"}"), Duration.ofSeconds(20));
            assertThat(scrape).contains("coder_admission_audit_violations{namespace=\"coder\",rule=\"service-type\"} 1.0",
                    "coder_admission_audit_last_completed_seconds", "coder_admission_leader 1.0");
            assertThat(events("coder")).singleElement().satisfies(e -> assertThat(e.getReason()).isEqualTo("PolicyViolation"));
        }
    }
}
