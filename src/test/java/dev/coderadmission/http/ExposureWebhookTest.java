package dev.coderadmission.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.coderadmission.support.Profiles;
import dev.coderadmission.support.Reviews;
import dev.coderadmission.support.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every golden case of {@code cases/exposure.yaml} as a real AdmissionReview over HTTPS to a running
 * server configured with the case's profile.
 */
class ExposureWebhookTest {
    private static final Map<String, TestServer> SERVERS = new HashMap<>();

    static Stream<Named<JsonNode>> cases() throws Exception {
        var all = Reviews.yaml(Files.readString(Path.of("src/test/resources/cases/exposure.yaml")));
        var cases = new ArrayList<Named<JsonNode>>();
        all.forEach(c -> cases.add(Named.of(c.path("name").asText(), c)));
        return cases.stream();
    }

    @AfterAll
    static void stopServers() {
        SERVERS.values().forEach(TestServer::close);
        SERVERS.clear();
    }

    private static TestServer server(String profile) {
        return SERVERS.computeIfAbsent(profile, p -> TestServer.start(Profiles.named(p)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void goldenCase(JsonNode testCase) {
        var object = object(testCase);
        var operation = testCase.path("operation").asText("CREATE");
        var oldObject = testCase.get("oldObject");
        var review = Reviews.review(operation, "DELETE".equals(operation) ? null : object, oldObject,
                testCase.path("dryRun").asBoolean(false));
        var uid = review.path("request").path("uid").asText();

        var response = server(testCase.path("profile").asText("default")).post("/validate/exposure", review.toString());

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
        var body = Reviews.yaml(response.body());
        assertThat(body.path("apiVersion").asText()).isEqualTo("admission.k8s.io/v1");
        assertThat(body.path("kind").asText()).isEqualTo("AdmissionReview");
        var answer = body.path("response");
        assertThat(answer.path("uid").asText()).isEqualTo(uid);
        var expect = testCase.path("expect");
        assertThat(answer.path("allowed").asBoolean()).as(response.body()).isEqualTo(expect.path("allowed").asBoolean());
        assertThat(answer.has("patch")).as("a validating webhook never patches").isFalse();
        if (expect.path("allowed").asBoolean()) {
            assertThat(answer.has("status")).isFalse();
        } else {
            assertThat(answer.path("status").path("code").asInt()).isEqualTo(expect.path("code").asInt(403));
            var message = answer.path("status").path("message").asText();
            expect.path("messages").forEach(m -> assertThat(message).contains(m.asText()));
            expect.path("absent").forEach(m -> assertThat(message).doesNotContain(m.asText()));
        }
        var warnings = new ArrayList<String>();
        answer.path("warnings").forEach(w -> warnings.add(w.asText()));
        if (expect.has("warnings")) {
            expect.path("warnings").forEach(w -> assertThat(warnings).anySatisfy(x -> assertThat(x).contains(w.asText())));
        } else {
            assertThat(warnings).isEmpty();
        }
    }

    private static JsonNode object(JsonNode testCase) {
        if (testCase.has("objectFile")) {
            var documents = List.of(readFile(Profiles.EXAMPLES.resolve(testCase.path("objectFile").asText())).split("(?m)^---\\s*$"));
            return Reviews.yaml(documents.get(testCase.path("document").asInt(1) - 1));
        }
        return testCase.get("object");
    }

    private static String readFile(Path path) {
        try {
            return Files.readString(path);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
