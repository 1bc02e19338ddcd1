package dev.coderadmission.admission;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import dev.coderadmission.config.ConfigLoader;
import dev.coderadmission.policy.Lookups;
import dev.coderadmission.policy.Webhooks;
import dev.coderadmission.support.Reviews;
import dev.coderadmission.tenant.MirrorIndex;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Arbitrary bytes into every webhook. Run as a normal test it replays the inputs under
 * src/test/resources/dev/coderadmission/admission/AdmissionFuzzTestInputs/ (real reviews); with
 * JAZZER_FUZZ=1 it fuzzes, coverage-guided. The property: an answer is always 200 with the request's
 * UID or 400 with a Status, never an exception or a 500.
 */
class AdmissionFuzzTest {
    private static final List<Webhook> WEBHOOKS = webhooks();

    private static List<Webhook> webhooks() {
        var config = ConfigLoader.load(Path.of("src/examples/config-tenant.yaml"));
        config = config.withAgentUrl(config.agentUrl().withUrl("http://coder.coder.svc.cluster.local:80"));
        var management = ConfigLoader.load(Path.of("src/examples/config-management.yaml"));
        var mirror = dev.coderadmission.kube.Kube.as(Reviews.file(Path.of("src/examples/management/coder-ccm-mirror.yaml")),
                io.fabric8.kubernetes.api.model.Service.class);
        return List.of(
                Webhooks.create(config, Lookups.fromConfig(config)).byPath("/validate/exposure").orElseThrow(),
                Webhooks.create(config, Lookups.fromConfig(config)).byPath("/mutate/agent-url").orElseThrow(),
                Webhooks.create(management, Lookups.fromConfig(management).withMirrors(MirrorIndex.of(List.of(mirror))))
                        .byPath("/mutate/tenant-backend").orElseThrow());
    }

    @FuzzTest(maxDuration = "30s")
    void everyInputGetsAWellFormedAnswer(byte[] body) {
        for (var webhook : WEBHOOKS) {
            var answer = AdmissionHandler.handle(webhook, body);
            assertThat(answer.status()).isIn(200, 400);
            JsonNode json;
            try {
                json = AdmissionReviews.JSON.readTree(answer.body());
            } catch (java.io.IOException e) {
                throw new AssertionError("the answer is not JSON: " + new String(answer.body(), StandardCharsets.UTF_8), e);
            }
            if (answer.status() == 200) {
                assertThat(json.path("response").path("allowed").isBoolean()).isTrue();
            } else {
                assertThat(json.path("kind").asText()).isEqualTo("Status");
                assertThat(json.path("message").asText()).doesNotContainPattern("[\\p{Cntrl}]");
            }
        }
    }
}
