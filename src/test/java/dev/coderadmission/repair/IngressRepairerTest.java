package dev.coderadmission.repair;

import dev.coderadmission.config.LeaderElectionConfig;
import dev.coderadmission.config.TenantBackendConfig;
import dev.coderadmission.cluster.Leadership;
import dev.coderadmission.cluster.MirrorInformer;
import dev.coderadmission.support.Eventually;
import dev.coderadmission.support.Mirrors;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static dev.coderadmission.support.Mirrors.CODER_MIRROR;
import static dev.coderadmission.support.Mirrors.OLD_BACKEND;
import static org.assertj.core.api.Assertions.assertThat;

/** The repair loop against fabric8's mock API server in CRUD mode, leader election included. */
@EnableKubernetesMockClient(crud = true)
class IngressRepairerTest {
    static KubernetesClient client;
    private final List<AutoCloseable> running = new ArrayList<>();
    private static final TenantBackendConfig CONFIG = new TenantBackendConfig(true, List.of("tenant-root"), true);

    @BeforeEach
    void seedIngressExists() {
        client.network().v1().ingresses().inNamespace("tenant-root").resource(Mirrors.seedIngress()).create();
    }

    @AfterEach
    void stop() throws Exception {
        // Delete while the informers still watch: the mock server's event loop stalls when it has
        // events to send to a watch that is closing.
        client.network().v1().ingresses().inNamespace("tenant-root").delete();
        client.services().inNamespace("tenant-root").delete();
        client.v1().events().inNamespace("tenant-root").delete();
        Thread.sleep(200);
        for (var closeable : running) {
            closeable.close();
        }
        client.leases().inNamespace("coder-admission").delete();
    }

    /** One replica's writer: closing it stops its election, as a shut-down pod does. */
    record Replica(IngressRepairer repairer, Leadership leadership) implements AutoCloseable {
        boolean isLeader() {
            return repairer.isLeader();
        }

        int repairs() {
            return repairer.repairs();
        }

        @Override
        public void close() {
            leadership.close();
            repairer.close();
        }
    }

    private Replica replica(String identity) {
        var index = new MirrorInformer(client, CONFIG);
        var leadership = new Leadership(client, LeaderElectionConfig.defaults(), "coder-admission", identity);
        var repairer = new IngressRepairer(client, CONFIG, index, leadership, new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
        running.add(leadership);
        running.add(index);
        running.add(repairer);
        leadership.start();
        index.start();
        return new Replica(repairer, leadership);
    }

    private static String backend() {
        Ingress ingress = client.network().v1().ingresses().inNamespace("tenant-root").withName("coder").get();
        return ingress.getSpec().getRules().getFirst().getHttp().getPaths().getFirst().getBackend().getService().getName();
    }

    private static List<Event> events(String reason) {
        return client.v1().events().inNamespace("tenant-root").list().getItems().stream()
                .filter(e -> reason.equals(e.getReason())).toList();
    }

    @Test
    void anIngressWithoutAMirrorIsRepairedWhenTheMirrorAppears() {
        var repairer = replica("replica-a");
        Eventually.await(repairer::isLeader, Boolean::booleanValue, Duration.ofSeconds(10));
        assertThat(backend()).isEqualTo(OLD_BACKEND);

        Mirrors.create(client, Mirrors.coderMirror(CODER_MIRROR));

        Eventually.await(IngressRepairerTest::backend, CODER_MIRROR::equals, Duration.ofSeconds(10));
        var ingress = client.network().v1().ingresses().inNamespace("tenant-root").withName("coder").get();
        assertThat(ingress.getMetadata().getAnnotations()).containsEntry("coder-admission.dev/resolved-service", CODER_MIRROR);
        var repaired = Eventually.await(() -> events("BackendRepaired"), e -> !e.isEmpty(), Duration.ofSeconds(5));
        assertThat(repaired.getFirst().getInvolvedObject().getName()).isEqualTo("coder");
        assertThat(repaired.getFirst().getMessage()).isEqualTo("backend " + OLD_BACKEND + " -> " + CODER_MIRROR
                + " (mirror of tenant Service coder/coder in cluster coder-cluster-prod)");
        assertThat(repaired.getFirst().getReportingInstance()).isEqualTo("replica-a");
        assertThat(repairer.repairs()).isEqualTo(1);
    }

    @Test
    void aRecreatedTenantServiceWithANewHashedNameIsFollowed() {
        Mirrors.create(client, Mirrors.coderMirror(CODER_MIRROR));
        var repairer = replica("replica-a");
        Eventually.await(IngressRepairerTest::backend, CODER_MIRROR::equals, Duration.ofSeconds(10));

        client.services().inNamespace("tenant-root").withName(CODER_MIRROR).delete();
        var gone = Eventually.await(() -> events("TenantServiceGone"), e -> !e.isEmpty(), Duration.ofSeconds(10));
        assertThat(gone.getFirst().getType()).isEqualTo("Warning");
        assertThat(backend()).as("deletion of the only mirror leaves the Ingress as it is").isEqualTo(CODER_MIRROR);

        var recreated = "a5f0e1d2c3b4a5968778695a4b3c2d1e";
        Mirrors.create(client, Mirrors.coderMirror(recreated));

        Eventually.await(IngressRepairerTest::backend, recreated::equals, Duration.ofSeconds(10));
        Eventually.await(repairer::repairs, n -> n == 2, Duration.ofSeconds(5));
    }

    @Test
    void anAmbiguousTenantServiceIsReportedOnceAndRepairedWhenAMirrorIsDeleted() {
        // two tenant clusters both have a Service coder/coder: the loop cannot choose, and says so
        Mirrors.create(client, Mirrors.coderMirror(CODER_MIRROR));
        var other = "a0000000000000000000000000000001";
        Mirrors.create(client, Mirrors.mirror(other, "coder", "coder", "coder-cluster-staging"));
        var registry = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
        var index = new MirrorInformer(client, CONFIG);
        var leadership = new Leadership(client, LeaderElectionConfig.defaults(), "coder-admission", "replica-a");
        var repairer = new IngressRepairer(client, CONFIG, index, leadership, registry);
        running.add(leadership);
        running.add(index);
        running.add(repairer);
        leadership.start();
        index.start();

        var warnings = Eventually.await(() -> events("BackendNotRepaired"), e -> !e.isEmpty(), Duration.ofSeconds(10));
        assertThat(warnings.getFirst().getType()).isEqualTo("Warning");
        assertThat(warnings.getFirst().getMessage()).contains("Ingress tenant-root/coder: tenant Service coder/coder is mirrored "
                + "by several KubeVirt CCM Services", "coder-admission.dev/tenant-cluster");
        assertThat(registry.counter("coder.admission.repair.outcomes", "outcome", "Ambiguous").count()).isEqualTo(1);
        assertThat(backend()).isEqualTo(OLD_BACKEND);

        // a second look at the same problem is not a second Event
        client.services().inNamespace("tenant-root").withName(other).edit(s -> {
            s.getMetadata().getLabels().put("touched", "yes");
            return s;
        });
        // deleting the other cluster's mirror leaves one candidate: the deletion itself triggers the repair
        client.services().inNamespace("tenant-root").withName(other).delete();
        Eventually.await(IngressRepairerTest::backend, CODER_MIRROR::equals, Duration.ofSeconds(10));
        Eventually.await(() -> registry.counter("coder.admission.repair.outcomes", "outcome", "Repaired").count(),
                n -> n == 1, Duration.ofSeconds(5));
        assertThat(events("BackendNotRepaired")).hasSize(1);
    }

    @Test
    void onlyTheLeaderWrites() {
        var a = replica("replica-a");
        var b = replica("replica-b");
        Eventually.await(() -> a.isLeader() || b.isLeader(), Boolean::booleanValue, Duration.ofSeconds(10));
        var leader = a.isLeader() ? a : b;
        var follower = a.isLeader() ? b : a;
        assertThat(follower.isLeader()).isFalse();
        var lease = client.leases().inNamespace("coder-admission").withName("coder-admission").get();
        assertThat(lease.getSpec().getHolderIdentity()).isEqualTo(leader == a ? "replica-a" : "replica-b");

        Mirrors.create(client, Mirrors.coderMirror(CODER_MIRROR));

        Eventually.await(IngressRepairerTest::backend, CODER_MIRROR::equals, Duration.ofSeconds(10));
        Eventually.await(leader::repairs, n -> n == 1, Duration.ofSeconds(5));
        assertThat(follower.repairs()).isZero();
        assertThat(events("BackendRepaired")).hasSize(1);
    }

    @Test
    void whenTheLeaderStopsTheOtherReplicaTakesOver() throws Exception {
        var a = replica("replica-a");
        Eventually.await(a::isLeader, Boolean::booleanValue, Duration.ofSeconds(10));
        var b = replica("replica-b");

        a.close(); // releases the Lease on the way out
        Eventually.await(b::isLeader, Boolean::booleanValue, Duration.ofSeconds(15));

        Mirrors.create(client, Mirrors.coderMirror(CODER_MIRROR));
        Eventually.await(IngressRepairerTest::backend, CODER_MIRROR::equals, Duration.ofSeconds(10));
        // the count follows the PATCH the test has just seen land
        Eventually.await(b::repairs, n -> n == 1, Duration.ofSeconds(5));
    }

    @Test
    void theIndexIsSyncedOnlyAfterItsFirstList() {
        var index = new MirrorInformer(client, CONFIG);
        running.add(index);
        assertThat(index.hasSynced()).isFalse();

        index.start();

        Eventually.await(index::hasSynced, Boolean::booleanValue, Duration.ofSeconds(10));
    }
}
