package dev.coderadmission.http;

import dev.coderadmission.support.Eventually;
import dev.coderadmission.support.Profiles;
import dev.coderadmission.support.Reviews;
import dev.coderadmission.support.TestServer;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.time.Duration;

import static dev.coderadmission.http.AgentUrlWebhookTest.container;
import static dev.coderadmission.http.AgentUrlWebhookTest.env;
import static org.assertj.core.api.Assertions.assertThat;

/** The running server with a (mock) API server: the ConfigMap is watched, and readiness follows the informer. */
@EnableKubernetesMockClient(crud = true)
class LiveAgentUrlTest {
    static KubernetesClient client;

    private static void putUrl(String value) {
        client.configMaps().inNamespace("coder").resource(new ConfigMapBuilder()
                .withNewMetadata().withName("coder-workspace-config").withNamespace("coder").endMetadata()
                .addToData("coder_url", value).build()).createOr(existing -> existing.update());
    }

    private static String injectedUrl(TestServer server) {
        var result = AgentUrlWebhookTest.mutate(server, Reviews.file(Path.of("src/examples/tenant/workspace-official-template-pod.yaml")));
        return result.patched() ? env(container(result.pod(), "dev"), "CODER_AGENT_URL").getFirst() : "none";
    }

    @Test
    void aConfigMapChangeReachesTheNextPodWithoutARestart() {
        putUrl("http://coder.coder.svc.cluster.local:80");
        try (var server = TestServer.start(Profiles.named("tenant"), client)) {
            // Until the informer has listed, the webhook answers 503 (by design); the test is about what follows.
            Eventually.await(() -> readiness(server), code -> code == 200, Duration.ofSeconds(10));
            assertThat(Eventually.await(() -> injectedUrl(server), "http://coder.coder.svc.cluster.local:80"::equals,
                    Duration.ofSeconds(10))).isNotNull();

            putUrl("http://coder-blue.coder.svc.cluster.local:80");

            Eventually.await(() -> injectedUrl(server), "http://coder-blue.coder.svc.cluster.local:80"::equals,
                    Duration.ofSeconds(10));
            var readiness = server.send(HttpClient.newHttpClient(),
                    HttpRequest.newBuilder(server.management("/health/readiness")).GET().build());
            assertThat(readiness.statusCode()).isEqualTo(200);
        }
    }

    /** A client of an API server that is not there: its informers never list. */
    private static KubernetesClient unreachable() throws java.io.IOException {
        int closedPort;
        try (var socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        return new KubernetesClientBuilder().withConfig(new io.fabric8.kubernetes.client.ConfigBuilder()
                .withMasterUrl("http://127.0.0.1:" + closedPort).withRequestRetryBackoffLimit(0).build()).build();
    }

    private static int readiness(TestServer server) {
        return server.send(HttpClient.newHttpClient(), HttpRequest.newBuilder(server.management("/health/readiness")).GET().build())
                .statusCode();
    }

    @Test
    void readinessIsDownWhileTheInformerCannotList() throws Exception {
        try (var unreachable = unreachable(); var server = TestServer.start(Profiles.named("tenant"), unreachable)) {
            var plain = HttpClient.newHttpClient();
            var readiness = server.send(plain, HttpRequest.newBuilder(server.management("/health/readiness")).GET().build());
            var liveness = server.send(plain, HttpRequest.newBuilder(server.management("/health/liveness")).GET().build());

            assertThat(readiness.statusCode()).isEqualTo(503);
            assertThat(readiness.body()).contains("configmap coder/coder-workspace-config");
            assertThat(liveness.statusCode()).isEqualTo(200);
        }
    }

    @Test
    void readinessWaitsForTheCcmServiceIndexAndThenGoesUp() throws Exception {
        var management = Profiles.named("management");
        try (var unreachable = unreachable(); var server = TestServer.start(management, unreachable)) {
            var readiness = server.send(HttpClient.newHttpClient(),
                    HttpRequest.newBuilder(server.management("/health/readiness")).GET().build());

            assertThat(readiness.statusCode()).isEqualTo(503);
            assertThat(readiness.body()).contains("KubeVirt CCM services in namespaces [tenant-root]");
        }
        try (var server = TestServer.start(management, client)) {
            Eventually.await(() -> readiness(server), code -> code == 200, Duration.ofSeconds(10));
        }
    }
}
