package dev.coderadmission.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.jayway.jsonpath.Configuration;
import com.jayway.jsonpath.JsonPath;
import com.jayway.jsonpath.Option;
import com.jayway.jsonpath.spi.json.JacksonJsonNodeJsonProvider;
import com.jayway.jsonpath.spi.mapper.JacksonMappingProvider;
import dev.coderadmission.gitops.Kustomizer;
import dev.coderadmission.policy.Evaluation;
import dev.coderadmission.support.Eventually;
import dev.coderadmission.support.FaultyApiServer;
import dev.coderadmission.support.Profiles;
import dev.coderadmission.support.Reviews;
import dev.coderadmission.support.TestServer;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.zjsonpatch.JsonPatch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The golden cases of the two mutating webhooks ({@code cases/agent-url.yaml},
 * {@code cases/tenant-backend.yaml}), each run twice: as an AdmissionReview over HTTPS to a server
 * whose informers watch an API server holding the case's {@code state}, and through {@code dry-run}
 * with that state as {@code --state}. Both answers must meet the case's expectations, and their
 * mutated objects must be the same. The exposure cases ({@code cases/exposure.yaml}), which
 * ExposureWebhookTest sends over HTTPS, run through {@code dry-run} here.
 */
class GoldenCasesTest {
    private static final Configuration JSON_PATH = Configuration.builder().jsonProvider(new JacksonJsonNodeJsonProvider())
            .mappingProvider(new JacksonMappingProvider()).options(Option.SUPPRESS_EXCEPTIONS).build();
    /** One API server and webhook server per profile and state, shared by the cases that have the same. */
    private static final Map<String, Running> SERVERS = new HashMap<>();
    private static final int NO_CODE = -1;

    record Running(FaultyApiServer api, TestServer server) {
    }

    /** What one front end answered: the verdict, its messages and warnings, and the object after the patch. */
    record Answer(boolean allowed, int code, String message, List<String> warnings, boolean patched, JsonNode object) {
    }

    static Stream<Named<JsonNode>> mutatingCases() {
        return Stream.concat(cases("agent-url"), cases("tenant-backend"));
    }

    static Stream<Named<JsonNode>> exposureCases() {
        // dry-run evaluates objects as created: updates, deletes and dry-run flags are the HTTPS test's
        return cases("exposure").filter(c -> c.getPayload().path("operation").asText("CREATE").equals("CREATE")
                && !c.getPayload().has("oldObject"));
    }

    private static Stream<Named<JsonNode>> cases(String webhook) {
        var all = Reviews.file(Path.of("src/test/resources/cases/" + webhook + ".yaml"));
        var cases = new ArrayList<Named<JsonNode>>();
        all.forEach(c -> cases.add(Named.of(webhook + ": " + c.path("name").asText(), ((com.fasterxml.jackson.databind.node.ObjectNode) c)
                .put("webhook", webhook))));
        return cases.stream();
    }

    @AfterAll
    static void stopServers() {
        SERVERS.values().forEach(running -> {
            running.server().close();
            running.api().close();
        });
        SERVERS.clear();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("mutatingCases")
    void serveAndDryRunMeetTheCase(JsonNode testCase, @TempDir Path dir) {
        var object = object(testCase, Path.of("."));
        var served = serve(testCase, object);
        var offline = dryRun(testCase, dir);

        check("serve", testCase, served);
        check("dry-run", testCase, offline);
        assertThat(offline.object()).as("the object dry-run mutated is the one the server's patch makes").isEqualTo(served.object());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("exposureCases")
    void dryRunMeetsTheExposureCase(JsonNode testCase, @TempDir Path dir) {
        check("dry-run", testCase, dryRun(testCase, dir));
    }

    private static void check(String frontEnd, JsonNode testCase, Answer answer) {
        var expect = testCase.path("expect");
        var what = frontEnd + " answered " + answer;
        assertThat(answer.allowed()).as(what).isEqualTo(expect.path("allowed").asBoolean());
        if (!answer.allowed()) {
            if (answer.code() != NO_CODE) {
                assertThat(answer.code()).as(what).isEqualTo(expect.path("code").asInt(403));
            }
            expect.path("messages").forEach(m -> assertThat(answer.message()).as(frontEnd).contains(m.asText()));
            expect.path("absent").forEach(m -> assertThat(answer.message()).as(frontEnd).doesNotContain(m.asText()));
        }
        if (expect.has("warnings")) {
            expect.path("warnings").forEach(w -> assertThat(answer.warnings()).as(frontEnd)
                    .anySatisfy(x -> assertThat(x).contains(w.asText())));
        } else if (!"exposure".equals(testCase.path("webhook").asText())) {
            assertThat(answer.warnings()).as(frontEnd).isEmpty();
        }
        if (expect.has("patched")) {
            assertThat(answer.patched()).as(what).isEqualTo(expect.path("patched").asBoolean());
        }
        expect.path("fields").properties().forEach(field -> {
            JsonNode actual = JsonPath.using(JSON_PATH).parse(answer.object()).read(field.getKey());
            if (actual != null && actual.isArray() && actual.size() == 1 && field.getKey().contains("[?(")) {
                actual = actual.get(0);
            }
            var expected = field.getValue();
            if (expected.isNull()) {
                assertThat(actual == null || actual.isNull()).as(frontEnd + " " + field.getKey() + " is absent, got " + actual).isTrue();
            } else {
                assertThat(actual).as(frontEnd + " " + field.getKey()).isNotNull();
                assertThat(actual.asText()).as(frontEnd + " " + field.getKey()).isEqualTo(expected.asText());
            }
        });
        var strings = new ArrayList<String>();
        strings(answer.object(), strings);
        expect.path("objectContains").forEach(s -> assertThat(strings).as(frontEnd).anySatisfy(x -> assertThat(x).contains(s.asText())));
        expect.path("objectLacks").forEach(s -> assertThat(strings).as(frontEnd).allSatisfy(x -> assertThat(x).doesNotContain(s.asText())));
    }

    /** Every string value in {@code node}, as the pod's scripts and env values are written. */
    private static void strings(JsonNode node, List<String> into) {
        if (node.isTextual()) {
            into.add(node.asText());
        }
        node.forEach(child -> strings(child, into));
    }

    private static Answer serve(JsonNode testCase, JsonNode object) {
        var running = SERVERS.computeIfAbsent(testCase.path("profile").asText() + " " + testCase.path("state"), key -> {
            var api = new FaultyApiServer();
            for (var state : testCase.path("state")) {
                for (var document : documents(Path.of(state.asText()))) {
                    api.client().resource((HasMetadata) Reviews.SERIALIZATION.convertValue(document, KubernetesResource.class)).create();
                }
            }
            var server = TestServer.start(Profiles.named(testCase.path("profile").asText()), api.client());
            Eventually.await(() -> server.send(HttpRequest.newBuilder(server.management("/health/readiness")).build()).statusCode(),
                    code -> code == 200, Duration.ofSeconds(30));
            return new Running(api, server);
        });
        var path = "agent-url".equals(testCase.path("webhook").asText()) ? "/mutate/agent-url" : "/mutate/tenant-backend";
        var http = running.server().post(path, Reviews.create(object));
        assertThat(http.statusCode()).as(http.body()).isEqualTo(200);
        var response = Reviews.yaml(http.body()).path("response");
        var warnings = new ArrayList<String>();
        response.path("warnings").forEach(w -> warnings.add(w.asText()));
        var patched = object;
        if (response.has("patch")) {
            patched = JsonPatch.apply(Reviews.yaml(new String(Base64.getDecoder().decode(response.path("patch").asText()))), object);
        }
        return new Answer(response.path("allowed").asBoolean(), response.path("status").path("code").asInt(0),
                response.path("status").path("message").asText(""), warnings, response.has("patch"), patched);
    }

    private static Answer dryRun(JsonNode testCase, Path dir) {
        var objectFile = dir.resolve("object.yaml");
        try {
            Files.writeString(objectFile, object(testCase, Path.of(".")).toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        var state = new ArrayList<String>();
        testCase.path("state").forEach(s -> state.add(s.asText()));
        var options = new DryRun.Options(Profiles.named(testCase.path("profile").asText("default")), List.of(objectFile.toString()),
                state, "default", Kustomizer.Choice.BUILTIN, dir, Set.of(), null, null);
        var report = DryRun.run(options, InputStream.nullInputStream(), progress -> { });
        assertThat(report.errors()).as("dry-run errors").isEmpty();
        assertThat(report.results()).hasSize(1);
        Evaluation result = report.results().getFirst();
        var denied = result.verdict() == Evaluation.Verdict.DENIED;
        // a report has no HTTP status: NO_CODE, and check() compares codes where there are some
        return new Answer(!denied, NO_CODE, String.join("; ", result.messages()), result.warnings(),
                result.verdict() == Evaluation.Verdict.MUTATED, result.object());
    }

    private static JsonNode object(JsonNode testCase, Path root) {
        if (testCase.has("objectFile")) {
            var file = testCase.path("objectFile").asText();
            // exposure.yaml names its files from src/examples, the newer case files from the repository root
            var path = "exposure".equals(testCase.path("webhook").asText()) ? Profiles.EXAMPLES.resolve(file) : root.resolve(file);
            return documents(path).get(testCase.path("document").asInt(1) - 1);
        }
        return testCase.get("object");
    }

    private static List<JsonNode> documents(Path file) {
        try (var values = new YAMLMapper().readerFor(JsonNode.class).readValues(file.toFile())) {
            var documents = new ArrayList<JsonNode>();
            values.forEachRemaining(document -> {
                if (document != null && ((JsonNode) document).isObject()) {
                    documents.add((JsonNode) document);
                }
            });
            return documents;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
