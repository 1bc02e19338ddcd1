package dev.coderadmission.http;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import dev.coderadmission.admission.AdmissionHandler;
import dev.coderadmission.admission.AdmissionReviews;
import dev.coderadmission.admission.ReviewLog;
import dev.coderadmission.config.AdmissionConfig;
import dev.coderadmission.config.ConfigLoader;
import dev.coderadmission.runtime.JsonLines;
import dev.coderadmission.support.Reviews;
import dev.coderadmission.support.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What an SRE sees of the reviews: Prometheus histograms and counters on the management port, and one
 * structured log line per denial and per mutation (none per plain admission), in text or JSON.
 */
class ObservabilityTest {
    private static TestServer server;
    private static final ListAppender<ILoggingEvent> LINES = new ListAppender<>();
    private static Logger handlerLog;

    @BeforeAll
    static void start() {
        handlerLog = (Logger) LoggerFactory.getLogger(AdmissionHandler.class);
        handlerLog.setLevel(ch.qos.logback.classic.Level.INFO);
        handlerLog.addAppender(LINES);
        LINES.start();
        var config = AdmissionConfig.defaults();
        server = TestServer.start(config.withAgentUrl(config.agentUrl().withUrl("http://coder.coder.svc.cluster.local:80")));
    }

    @AfterAll
    static void stop() {
        server.close();
        handlerLog.detachAppender(LINES);
        handlerLog.setLevel(null);
    }

    private static String file(String path) throws IOException {
        return Files.readString(Path.of(path));
    }

    private static String workspacePod() {
        return Reviews.create(Reviews.file(Path.of("src/examples/tenant/workspace-envbuilder-pod.yaml")));
    }

    private static String metrics() {
        var response = server.send(HttpClient.newHttpClient(), HttpRequest.newBuilder(server.management("/prometheus")).GET().build());
        assertThat(response.statusCode()).isEqualTo(200);
        return response.body();
    }

    /** The value of the one sample whose name and labels match (labels in any order). */
    private static double sample(String metrics, String name, String... labels) {
        var matching = metrics.lines().filter(line -> line.startsWith(name + "{") || line.startsWith(name + " "))
                .filter(line -> List.of(labels).stream().allMatch(line::contains)).toList();
        assertThat(matching).as("%s %s in%n%s", name, List.of(labels), metrics).hasSize(1);
        var line = matching.getFirst();
        return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
    }

    /** As {@link #sample}, 0 when no sample matches yet (a series appears with its first review). */
    private static double sampleOrZero(String metrics, String name, String... labels) {
        boolean present = metrics.lines().anyMatch(line -> line.startsWith(name + "{") && List.of(labels).stream().allMatch(line::contains));
        return present ? sample(metrics, name, labels) : 0;
    }

    @Test
    void reviewsAreCountedByKindOperationAndOutcomeAndTimedInFineBuckets() throws IOException {
        var before = metrics();
        var denied = server.post("/validate/exposure", file("src/test/resources/admission/service-nodeport-create.json"));
        var patched = server.post("/mutate/agent-url", workspacePod());
        var unknown = server.post("/validate/nothing", "{}");
        assertThat(denied.statusCode()).isEqualTo(200);
        assertThat(patched.body()).contains("\"patchType\":\"JSONPatch\"");
        assertThat(unknown.statusCode()).isEqualTo(404);

        var after = metrics();
        var deniedLabels = new String[] {"webhook=\"/validate/exposure\"", "kind=\"Service\"", "operation=\"CREATE\"", "outcome=\"denied\""};
        assertThat(sample(after, "coder_admission_reviews_total", deniedLabels)
                - sampleOrZero(before, "coder_admission_reviews_total", deniedLabels)).isEqualTo(1.0);
        assertThat(sample(after, "coder_admission_reviews_total", "webhook=\"/mutate/agent-url\"", "kind=\"Pod\"", "outcome=\"patched\""))
                .isGreaterThanOrEqualTo(1.0);
        assertThat(sample(after, "coder_admission_reviews_total", "webhook=\"unknown\"", "outcome=\"invalid\"")).isGreaterThanOrEqualTo(1.0);
        // the histogram resolves 50 µs and goes up to 1 s; every review is at most 1 s here
        var count = sample(after, "coder_admission_review_duration_seconds_count", "webhook=\"/mutate/agent-url\"", "outcome=\"patched\"");
        assertThat(sample(after, "coder_admission_review_duration_seconds_bucket", "webhook=\"/mutate/agent-url\"", "outcome=\"patched\"", "le=\"5.0E-5\""))
                .isLessThanOrEqualTo(count);
        assertThat(sample(after, "coder_admission_review_duration_seconds_bucket", "webhook=\"/mutate/agent-url\"", "outcome=\"patched\"", "le=\"1.0\""))
                .isEqualTo(count);
        assertThat(sample(after, "coder_admission_review_request_size_bytes_bucket", "webhook=\"/mutate/agent-url\"", "le=\"16384.0\""))
                .isGreaterThanOrEqualTo(1.0);
        assertThat(sample(after, "coder_admission_reviews_in_flight")).isZero();
    }

    @Test
    void aDenialAndAMutationEachLogOneStructuredLineAndAnAdmissionNone() throws IOException {
        ReviewLog.flush();
        LINES.list.clear();
        server.post("/validate/exposure", file("src/test/resources/admission/service-nodeport-create.json"));
        server.post("/mutate/agent-url", workspacePod());
        server.post("/validate/exposure", Reviews.create(Reviews.file(Path.of("src/examples/tenant/coder-tailscale-ingress.yaml"))));
        ReviewLog.flush(); // lines are written off the event loop

        var lines = List.copyOf(LINES.list);
        assertThat(lines).hasSize(2);
        var denial = keyValues(lines.get(0));
        assertThat(lines.get(0).getFormattedMessage()).startsWith("/validate/exposure denied CREATE Service coder/coder: ");
        assertThat(denial).containsEntry("outcome", "denied").containsEntry("uid", "705ab4f5-6393-11e8-b7cc-42010a800002")
                .containsEntry("kind", "Service").containsEntry("namespace", "coder").containsEntry("name", "coder")
                .containsEntry("rules", "service-type").containsEntry("dryRun", false);
        var mutation = keyValues(lines.get(1));
        assertThat(mutation).containsEntry("outcome", "patched").containsEntry("kind", "Pod").containsEntry("rules", "agent-url");
        assertThat((Integer) mutation.get("patchOperations")).isPositive();
    }

    @Test
    void theJsonFormatWritesOneFlatObjectPerLineWithTheKeyValuesAsFields() throws IOException {
        ReviewLog.flush();
        LINES.list.clear();
        server.post("/validate/exposure", file("src/test/resources/admission/service-nodeport-create.json"));
        ReviewLog.flush();
        var encoder = new JsonLines();
        encoder.setContext((LoggerContext) LoggerFactory.getILoggerFactory());
        encoder.start();

        var line = new String(encoder.encode(LINES.list.getFirst()), StandardCharsets.UTF_8);

        assertThat(line).endsWith("}\n").doesNotContain("\n{");
        JsonNode json = AdmissionReviews.JSON.readTree(line);
        assertThat(json.path("level").asText()).isEqualTo("INFO");
        assertThat(json.path("logger").asText()).isEqualTo(AdmissionHandler.class.getName());
        assertThat(json.path("message").asText()).contains("[service-type]");
        assertThat(json.path("outcome").asText()).isEqualTo("denied");
        assertThat(json.path("rules").asText()).isEqualTo("service-type");
        assertThat(json.path("dryRun").isBoolean()).isTrue();
        assertThat(json.path("time").asText()).matches(Pattern.compile("\\d{4}-\\d\\d-\\d\\dT.*Z"));
    }

    @Test
    void loggingFormatIsAConfigKey() {
        var config = ConfigLoader.parse("coder-admission:\n  logging:\n    format: json\n", "test");
        assertThat(config.logging().format()).hasToString("JSON");
        assertThat(AdmissionConfig.defaults().logging().format()).hasToString("TEXT");
    }

    private static java.util.Map<String, Object> keyValues(ILoggingEvent event) {
        var map = new java.util.LinkedHashMap<String, Object>();
        event.getKeyValuePairs().forEach(pair -> map.put(pair.key, pair.value));
        return map;
    }
}
