package dev.coderadmission.http;

import dev.coderadmission.runtime.Background;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.coderadmission.config.AdmissionConfig;
import dev.coderadmission.support.Eventually;
import dev.coderadmission.support.Mirrors;
import dev.coderadmission.support.Profiles;
import dev.coderadmission.support.Reviews;
import dev.coderadmission.support.TestServer;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.zjsonpatch.JsonPatch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import static dev.coderadmission.support.Mirrors.CODER_MIRROR;
import static dev.coderadmission.support.Mirrors.OLD_BACKEND;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code /mutate/tenant-backend} over HTTPS on a management-cluster server whose CCM Service index is
 * an informer on fabric8's mock API server.
 */
@EnableKubernetesMockClient(crud = true)
class TenantBackendWebhookTest {
    static KubernetesClient client;
    private static TestServer server;
    private static Background watches;

    record Answer(JsonNode response, JsonNode patched, List<String> warnings) {
    }

    @BeforeAll
    static void start() {
        server = TestServer.start(management(), client);
        watches = server.context().getBean(Background.class);
        // before its informers have listed the server answers 503 (UnsyncedInformersTest); these tests start after
        Eventually.await(watches::unsynced, List::isEmpty, Duration.ofSeconds(15));
    }

    static AdmissionConfig management() {
        return Profiles.named("management")
                .withLeaderElection(new dev.coderadmission.config.LeaderElectionConfig("coder-admission", "coder-admission", null, null, null));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @AfterEach
    void cleanUp() {
        client.services().inNamespace("tenant-root").delete();
        Eventually.await(() -> watches.lookups().mirrors().named("tenant-root", CODER_MIRROR).isEmpty(), Boolean::booleanValue,
                Duration.ofSeconds(10));
    }

    private static void mirrorsExist(io.fabric8.kubernetes.api.model.Service... services) {
        for (var service : services) {
            Mirrors.create(client, service);
            Eventually.await(() -> watches.lookups().mirrors().named("tenant-root", service.getMetadata().getName()).isPresent(),
                    Boolean::booleanValue, Duration.ofSeconds(10));
        }
    }

    private static JsonNode seedIngress() {
        return Reviews.file(Path.of("src/examples/management/coder-ingress.yaml"));
    }

    private static Answer admit(String operation, JsonNode ingress) {
        var review = Reviews.review(operation, ingress, "UPDATE".equals(operation) ? ingress : null, false);
        var http = server.post("/mutate/tenant-backend", review.toString());
        assertThat(http.statusCode()).as(http.body()).isEqualTo(200);
        var response = Reviews.yaml(http.body()).path("response");
        assertThat(response.path("uid").asText()).isEqualTo(review.path("request").path("uid").asText());
        var warnings = new ArrayList<String>();
        response.path("warnings").forEach(w -> warnings.add(w.asText()));
        JsonNode patched = ingress;
        if (response.has("patch")) {
            assertThat(response.path("patchType").asText()).isEqualTo("JSONPatch");
            patched = JsonPatch.apply(Reviews.yaml(new String(Base64.getDecoder().decode(response.path("patch").asText()))), ingress);
        }
        return new Answer(response, patched, warnings);
    }

    private static String backend(JsonNode ingress) {
        return ingress.path("spec").path("rules").get(0).path("http").path("paths").get(0).path("backend").path("service")
                .path("name").asText();
    }

    @Test
    void seed000IngressIsRewrittenToCodersMirror() {
        mirrorsExist(Mirrors.coderMirror(CODER_MIRROR),
                Mirrors.mirror(OLD_BACKEND, "ingress-nginx", "ingress-nginx-controller", "coder-cluster-prod"));
        var ingress = seedIngress();
        assertThat(backend(ingress)).isEqualTo(OLD_BACKEND);

        var answer = admit("CREATE", ingress);

        assertThat(answer.response().path("allowed").asBoolean()).isTrue();
        assertThat(backend(answer.patched())).isEqualTo(CODER_MIRROR);
        assertThat(answer.patched().path("spec").path("rules").get(0).path("http").path("paths").get(0).path("backend")
                .path("service").path("port").path("number").asInt()).isEqualTo(80);
        assertThat(answer.patched().path("metadata").path("annotations").path("coder-admission.dev/resolved-service").asText())
                .isEqualTo(CODER_MIRROR);
        assertThat(answer.warnings()).singleElement().asString()
                .contains("Ingress tenant-root/coder backend " + OLD_BACKEND + " -> " + CODER_MIRROR)
                .contains("mirror of tenant Service coder/coder in cluster coder-cluster-prod");
        // Flux re-applies the same manifest, and server-side apply dry-runs see no drift once resolved
        var again = admit("UPDATE", answer.patched());
        assertThat(again.response().has("patch")).isFalse();
        assertThat(again.warnings()).isEmpty();
    }

    @Test
    void everyBackendIsRewrittenIncludingTheDefaultAndNamedPorts() {
        mirrorsExist(Mirrors.coderMirror(CODER_MIRROR));
        var ingress = (ObjectNode) seedIngress();
        ((ObjectNode) ingress.path("spec")).putObject("defaultBackend").putObject("service").put("name", "old")
                .putObject("port").put("name", "http");

        var answer = admit("CREATE", ingress);

        assertThat(answer.patched().path("spec").path("defaultBackend").path("service").path("name").asText()).isEqualTo(CODER_MIRROR);
        assertThat(backend(answer.patched())).isEqualTo(CODER_MIRROR);
    }

    @Test
    void withoutAMirrorTheIngressIsAllowedUnchangedWithAWarning() {
        var answer = admit("CREATE", seedIngress());

        assertThat(answer.response().path("allowed").asBoolean()).isTrue();
        assertThat(answer.response().has("patch")).isFalse();
        assertThat(answer.warnings()).singleElement().asString()
                .contains("no KubeVirt CCM Service in namespace tenant-root mirrors tenant Service coder/coder yet")
                .contains("repaired when it appears");
    }

    @Test
    void twoTenantClustersAreAmbiguousUntilTheClusterIsNamed() {
        mirrorsExist(Mirrors.coderMirror(CODER_MIRROR), Mirrors.mirror("a2222222222222222222222222222222", "coder", "coder", "coder-cluster-dev"));

        var ambiguous = admit("CREATE", seedIngress());

        assertThat(ambiguous.response().path("allowed").asBoolean()).isFalse();
        assertThat(ambiguous.response().path("status").path("code").asInt()).isEqualTo(403);
        assertThat(ambiguous.response().path("status").path("message").asText())
                .contains("tenant Service coder/coder is mirrored by several KubeVirt CCM Services in namespace tenant-root")
                .contains(CODER_MIRROR + " (mirror of tenant Service coder/coder in cluster coder-cluster-prod)")
                .contains("a2222222222222222222222222222222 (mirror of tenant Service coder/coder in cluster coder-cluster-dev)")
                .contains("set annotation coder-admission.dev/tenant-cluster to one of [coder-cluster-dev, coder-cluster-prod]");

        var ingress = (ObjectNode) seedIngress();
        ((ObjectNode) ingress.path("metadata").path("annotations")).put("coder-admission.dev/tenant-cluster", "coder-cluster-dev");
        var resolved = admit("CREATE", ingress);

        assertThat(backend(resolved.patched())).isEqualTo("a2222222222222222222222222222222");
    }

    @Test
    void aPortTheMirrorDoesNotHaveIsDeniedWithItsPorts() {
        mirrorsExist(Mirrors.coderMirror(CODER_MIRROR));
        var ingress = (ObjectNode) seedIngress();
        ((ObjectNode) ingress.path("spec").path("rules").get(0).path("http").path("paths").get(0).path("backend")
                .path("service").path("port")).put("number", 443);

        var answer = admit("CREATE", ingress);

        assertThat(answer.response().path("allowed").asBoolean()).isFalse();
        assertThat(answer.response().path("status").path("message").asText())
                .contains("backend port number 443 does not exist on " + CODER_MIRROR)
                .contains("its ports are [80/http]");
    }

    @Test
    void aMalformedAnnotationIsDeniedWithTheExpectedForm() {
        var ingress = (ObjectNode) seedIngress();
        ((ObjectNode) ingress.path("metadata").path("annotations")).put("coder-admission.dev/tenant-service", "coder");

        var answer = admit("CREATE", ingress);

        assertThat(answer.response().path("allowed").asBoolean()).isFalse();
        assertThat(answer.response().path("status").path("code").asInt()).isEqualTo(400);
        assertThat(answer.response().path("status").path("message").asText())
                .contains("annotation coder-admission.dev/tenant-service=\"coder\" must be <tenant-namespace>/<service-name>");
    }

    @Test
    void unannotatedAndOutOfScopeIngressesAreUntouched() {
        mirrorsExist(Mirrors.coderMirror(CODER_MIRROR));
        var plain = (ObjectNode) seedIngress();
        ((ObjectNode) plain.path("metadata").path("annotations")).remove("coder-admission.dev/tenant-service");
        var elsewhere = (ObjectNode) seedIngress();
        ((ObjectNode) elsewhere.path("metadata")).put("namespace", "tenant-other");

        assertThat(admit("CREATE", plain).response().has("patch")).isFalse();
        assertThat(admit("CREATE", elsewhere).response().has("patch")).isFalse();
    }

    @Test
    void theExposureGuardKnowsCodersMirrorFromTheIndex() {
        mirrorsExist(Mirrors.coderMirror(CODER_MIRROR));
        var ingress = Reviews.yaml("""
                apiVersion: networking.k8s.io/v1
                kind: Ingress
                metadata: {name: sneaky, namespace: tenant-root}
                spec:
                  ingressClassName: nginx
                  rules:
                    - host: dev.example.org
                      http:
                        paths:
                          - {path: /, pathType: Prefix, backend: {service: {name: a18c2be1873b84bcd8630e79298a07cf, port: {number: 80}}}}
                """);

        var http = server.post("/validate/exposure", Reviews.create(ingress));

        var response = Reviews.yaml(http.body()).path("response");
        assertThat(response.path("allowed").asBoolean()).isFalse();
        assertThat(response.path("status").path("message").asText())
                .contains("backend Service " + CODER_MIRROR + " is Coder's (it mirrors tenant Service coder/coder")
                .contains("[ingress-class]");
    }
}
