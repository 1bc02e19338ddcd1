package dev.coderadmission.tls;

import dev.coderadmission.config.AdmissionConfig;
import dev.coderadmission.config.LeaderElectionConfig;
import dev.coderadmission.config.TlsConfig;
import dev.coderadmission.cluster.Leadership;
import dev.coderadmission.support.Eventually;
import dev.coderadmission.support.Reviews;
import dev.coderadmission.support.Tls;
import dev.coderadmission.support.TestServer;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfigurationBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfigurationBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** Self-managed certificates against fabric8's mock API server in CRUD mode. */
@EnableKubernetesMockClient(crud = true)
class SelfManagedTlsTest {
    static KubernetesClient client;
    private final List<AutoCloseable> running = new ArrayList<>();

    private static TlsConfig tls(Duration servingValidity, Duration renewBefore, Duration checkInterval) {
        var shortLived = servingValidity.compareTo(Duration.ofHours(1)) < 0;
        return TlsConfig.builder().mode(TlsConfig.Mode.SELF_MANAGED).service("coder-admission", "coder-admission")
                .extraDnsNames(List.of("localhost")).secretName("coder-admission-tls")
                .serving(servingValidity, renewBefore)
                .ca(shortLived ? Duration.ofHours(2) : null, shortLived ? Duration.ofHours(1) : null, null)
                .checkInterval(checkInterval)
                .webhookConfigurations(List.of("coder-admission"), List.of("coder-admission"))
                .build();
    }

    @AfterEach
    void cleanUp() throws Exception {
        client.secrets().inNamespace("coder-admission").delete();
        client.admissionRegistration().v1().mutatingWebhookConfigurations().delete();
        client.admissionRegistration().v1().validatingWebhookConfigurations().delete();
        Thread.sleep(200);
        for (var closeable : running.reversed()) {
            closeable.close();
        }
        client.leases().inNamespace("coder-admission").delete();
    }

    private Leadership leadership(String identity) {
        var leadership = new Leadership(client, new LeaderElectionConfig("coder-admission", "coder-admission", null, null, null),
                "coder-admission", identity);
        running.add(leadership);
        return leadership;
    }

    @Test
    void twoReplicasRacingOnAnEmptySecretServeOnePair() throws Exception {
        var config = tls(Duration.ofDays(90), Duration.ofDays(30), Duration.ofMinutes(1));
        var start = new CountDownLatch(1);
        try (var pool = Executors.newFixedThreadPool(2)) {
            var results = new ArrayList<Future<KeyMaterial>>();
            for (var identity : List.of("a", "b")) {
                var source = new SelfManagedCertificateSource(client, config, "coder-admission", leadership(identity), Clock.systemUTC());
                running.add(source);
                results.add(pool.submit(() -> {
                    start.await();
                    return source.initial();
                }));
            }
            start.countDown();
            var a = results.get(0).get();
            var b = results.get(1).get();

            assertThat(a.leaf()).isEqualTo(b.leaf());
            assertThat(a.key()).isEqualTo(b.key());
        }
        var stored = TlsBundle.fromSecretData(client.secrets().inNamespace("coder-admission").withName("coder-admission-tls").get().getData());
        assertThat(client.secrets().inNamespace("coder-admission").list().getItems()).hasSize(1);
        assertThat(stored.serving().leaf()).isEqualTo(running.stream().filter(SelfManagedCertificateSource.class::isInstance)
                .map(s -> ((SelfManagedCertificateSource) s).bundle().serving().leaf()).findFirst().orElseThrow());
    }

    @Test
    void theLeaderWritesTheCaBundleIntoTheNamedWebhookConfigurationsOnly() throws Exception {
        var admission = client.admissionRegistration().v1();
        admission.mutatingWebhookConfigurations().resource(new MutatingWebhookConfigurationBuilder()
                .withNewMetadata().withName("coder-admission").endMetadata()
                .addNewWebhook().withName("agent-url.coder-admission.dev").withNewClientConfig().withNewService()
                .withName("coder-admission").withNamespace("coder-admission").withPath("/mutate/agent-url").endService()
                .endClientConfig().endWebhook()
                .addNewWebhook().withName("tenant-backend.coder-admission.dev").withNewClientConfig().withNewService()
                .withName("coder-admission").withNamespace("coder-admission").withPath("/mutate/tenant-backend").endService()
                .endClientConfig().endWebhook()
                .build()).create();
        admission.validatingWebhookConfigurations().resource(new ValidatingWebhookConfigurationBuilder()
                .withNewMetadata().withName("coder-admission").endMetadata()
                .addNewWebhook().withName("exposure.coder-admission.dev").withNewClientConfig().withCaBundle("c3RhbGU=")
                .withNewService().withName("coder-admission").withNamespace("coder-admission").withPath("/validate/exposure")
                .endService().endClientConfig().endWebhook()
                .build()).create();
        admission.validatingWebhookConfigurations().resource(new ValidatingWebhookConfigurationBuilder()
                .withNewMetadata().withName("someone-else").endMetadata()
                .addNewWebhook().withName("other.example.com").withNewClientConfig().withCaBundle("b3RoZXI=")
                .withUrl("https://other.example.com/validate").endClientConfig().endWebhook()
                .build()).create();
        var config = AdmissionConfig.defaults().withTls(tls(Duration.ofDays(90), Duration.ofDays(30), Duration.ofMillis(200)));
        var leadership = leadership("a");
        var source = new SelfManagedCertificateSource(client, config.tls(), "coder-admission", leadership, Clock.systemUTC());
        running.add(source);
        new ServingCertificateProvider(source, config);
        leadership.start();

        var expected = Base64.getEncoder().encodeToString(source.bundle().caBundlePem().getBytes(StandardCharsets.US_ASCII));
        Eventually.await(() -> admission.mutatingWebhookConfigurations().withName("coder-admission").get().getWebhooks()
                .stream().allMatch(w -> expected.equals(w.getClientConfig().getCaBundle())), Boolean::booleanValue, Duration.ofSeconds(10));
        Eventually.await(() -> expected.equals(admission.validatingWebhookConfigurations().withName("coder-admission").get()
                .getWebhooks().getFirst().getClientConfig().getCaBundle()), Boolean::booleanValue, Duration.ofSeconds(10));
        assertThat(admission.validatingWebhookConfigurations().withName("someone-else").get().getWebhooks().getFirst()
                .getClientConfig().getCaBundle()).isEqualTo("b3RoZXI=");

        // a Helm upgrade that resets the caBundle is corrected on the next check
        admission.validatingWebhookConfigurations().withName("coder-admission").edit(c -> {
            c.getWebhooks().getFirst().getClientConfig().setCaBundle(null);
            return c;
        });
        Eventually.await(() -> expected.equals(admission.validatingWebhookConfigurations().withName("coder-admission").get()
                .getWebhooks().getFirst().getClientConfig().getCaBundle()), Boolean::booleanValue, Duration.ofSeconds(10));
    }

    @Test
    void rotationUnderLoadFailsNoRequestAndTheNewCertificateIsServedAfterwards() throws Exception {
        // a 60 s certificate renewed when under 59 s remain, checked every 300 ms: a new certificate about every second
        var config = AdmissionConfig.defaults().withTls(tls(Duration.ofSeconds(60), Duration.ofSeconds(59), Duration.ofMillis(300)))
                .withLeaderElection(new LeaderElectionConfig("coder-admission", "coder-admission", null, null, null));
        try (var server = TestServer.start(config, client)) {
            var secret = client.secrets().inNamespace("coder-admission").withName("coder-admission-tls").get();
            var ca = TlsBundle.fromSecretData(secret.getData()).trusted();
            var context = Tls.trusting(ca);
            var first = Tls.served(context, "localhost", server.httpsPort());
            var review = Files.readString(Path.of("src/test/resources/admission/service-nodeport-create.json"));
            var failures = new AtomicInteger();
            var answered = new AtomicInteger();
            var deadline = System.nanoTime() + Duration.ofSeconds(4).toNanos();
            try (var pool = Executors.newFixedThreadPool(8)) {
                for (int t = 0; t < 8; t++) {
                    int thread = t;
                    pool.submit(() -> {
                        // half the threads open a new connection per request, so they see every new certificate
                        var reuse = thread % 2 == 0 ? HttpClient.newBuilder().sslContext(context).build() : null;
                        while (System.nanoTime() < deadline) {
                            var http = reuse != null ? reuse : HttpClient.newBuilder().sslContext(context).build();
                            try {
                                var response = http.send(HttpRequest.newBuilder(URI.create("https://localhost:" + server.httpsPort()
                                                + "/validate/exposure")).header("Content-Type", "application/json")
                                        .POST(HttpRequest.BodyPublishers.ofString(review)).build(), HttpResponse.BodyHandlers.ofString());
                                if (response.statusCode() == 200
                                        && !Reviews.yaml(response.body()).path("response").path("allowed").asBoolean()) {
                                    answered.incrementAndGet();
                                } else {
                                    failures.incrementAndGet();
                                }
                            } catch (Exception e) {
                                failures.incrementAndGet();
                            } finally {
                                if (http != reuse) {
                                    http.close();
                                }
                            }
                        }
                        return null;
                    });
                }
            }
            var last = Tls.served(context, "localhost", server.httpsPort());

            assertThat(failures.get()).isZero();
            assertThat(answered.get()).isGreaterThan(100);
            assertThat(last.getSerialNumber()).isNotEqualTo(first.getSerialNumber());
            var stored = TlsBundle.fromSecretData(client.secrets().inNamespace("coder-admission").withName("coder-admission-tls")
                    .get().getData());
            Eventually.await(() -> {
                try {
                    return Tls.served(context, "localhost", server.httpsPort()).getSerialNumber();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, serial -> !serial.equals(first.getSerialNumber()), Duration.ofSeconds(5));
            assertThat(stored.trusted()).isEqualTo(ca);
        }
    }
}
