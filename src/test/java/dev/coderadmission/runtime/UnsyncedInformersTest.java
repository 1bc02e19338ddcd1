package dev.coderadmission.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import dev.coderadmission.config.AdmissionConfig;
import dev.coderadmission.config.KubernetesConfig;
import dev.coderadmission.config.LeaderElectionConfig;
import dev.coderadmission.support.Eventually;
import dev.coderadmission.support.FaultyApiServer;
import dev.coderadmission.support.Mirrors;
import dev.coderadmission.support.Profiles;
import dev.coderadmission.support.Reviews;
import dev.coderadmission.support.TestServer;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.time.Duration;

import static dev.coderadmission.support.Mirrors.CODER_MIRROR;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A replica started while the API server cannot list Services (a control-plane restart): it must
 * never answer from an empty index, must become ready in the same process once listing works, and
 * must report itself not live if that takes longer than the configured bound.
 */
class UnsyncedInformersTest {

    private static AdmissionConfig management() {
        return Profiles.named("management")
                .withKubernetes(new KubernetesConfig("true", Duration.ofSeconds(1)))
                .withLeaderElection(new LeaderElectionConfig("coder-admission", "coder-admission", null, null, null));
    }

    /** An Ingress of a public class whose backend is Coder's CCM mirror: only the index knows it is Coder's. */
    private static JsonNode publicIngressToCodersMirror() {
        return Reviews.yaml("""
                apiVersion: networking.k8s.io/v1
                kind: Ingress
                metadata: {name: sneaky, namespace: tenant-root}
                spec:
                  ingressClassName: public-nginx
                  rules:
                    - host: tools.example.com
                      http:
                        paths:
                          - path: /
                            pathType: Prefix
                            backend: {service: {name: %s, port: {number: 80}}}
                """.formatted(CODER_MIRROR));
    }

    private static int health(TestServer server, String path) {
        return server.send(HttpRequest.newBuilder(server.management(path)).timeout(Duration.ofSeconds(5)).build()).statusCode();
    }

    @Test
    void aReplicaStartedDuringAnApiServerOutageAnswers503UntilItHasListedThenJudgesCorrectly() {
        try (var api = new FaultyApiServer()) {
            Mirrors.create(api.client(), Mirrors.coderMirror(CODER_MIRROR));
            api.fail(FaultyApiServer.reads("services"));
            try (var server = TestServer.start(management(), api.client())) {
                assertThat(health(server, "/health/readiness")).isEqualTo(503);

                var exposure = server.post("/validate/exposure", Reviews.create(publicIngressToCodersMirror()));
                assertThat(exposure.statusCode()).as(exposure.body()).isEqualTo(503);
                assertThat(exposure.body()).contains("\"kind\":\"Status\"", "cannot judge Ingress tenant-root/sneaky yet",
                        "has not been listed", "failurePolicy");
                var rewrite = server.post("/mutate/tenant-backend",
                        Reviews.create(Reviews.file(Path.of("src/examples/management/coder-ingress.yaml"))));
                assertThat(rewrite.statusCode()).as(rewrite.body()).isEqualTo(503);

                // past kubernetes.informer-restart-after, kubelet is told to restart the replica
                Eventually.await(() -> health(server, "/health/liveness"), code -> code == 503, Duration.ofSeconds(10));

                api.heal();
                Eventually.await(() -> health(server, "/health/readiness"), code -> code == 200, Duration.ofSeconds(60));
                // liveness recovers once the watch is open again (a moment after the list)
                Eventually.await(() -> health(server, "/health/liveness"), code -> code == 200, Duration.ofSeconds(20));

                var judged = Reviews.yaml(server.post("/validate/exposure", Reviews.create(publicIngressToCodersMirror())).body());
                assertThat(judged.path("response").path("allowed").asBoolean()).isFalse();
                assertThat(judged.path("response").path("status").path("message").asText())
                        .contains("it mirrors tenant Service coder/coder", "public-nginx");
                var rewritten = server.post("/mutate/tenant-backend",
                        Reviews.create(Reviews.file(Path.of("src/examples/management/coder-ingress.yaml"))));
                assertThat(rewritten.statusCode()).isEqualTo(200);
                assertThat(Reviews.yaml(rewritten.body()).path("response").has("patch")).isTrue();
            }
            assertThat(api.refused()).isPositive();
        }
    }
}
