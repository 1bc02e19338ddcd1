package dev.coderadmission.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.coderadmission.cli.RootCommand;
import dev.coderadmission.config.ConfigLoader;
import dev.coderadmission.support.Eventually;
import dev.coderadmission.support.GatewayApiCrds;
import dev.coderadmission.support.Reviews;
import dev.coderadmission.support.TestServer;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One rule, one builder of cluster knowledge: the same cluster ({@code agreement/cluster.yaml}) is put
 * into fabric8's mock API server for {@code serve}'s informers and given to {@code dry-run} as
 * {@code --state}; every object of {@code agreement/changes.yaml} must get the same verdict and message
 * from both, and the verdict its {@code expect} annotation names (so both cannot be wrong together).
 */
@EnableKubernetesMockClient(crud = true)
class ServeAndDryRunAgreeTest {
    private static final Path DIR = Path.of("src/test/resources/agreement");
    static KubernetesClient client;
    private static TestServer server;

    record Verdict(String verdict, String message) {
    }

    @BeforeAll
    static void start() throws IOException {
        GatewayApiCrds.install(client);
        for (var object : documents(DIR.resolve("cluster.yaml"))) {
            // the registered type where fabric8 has one (Service, IngressClass), else a generic resource
            client.resource((HasMetadata) Reviews.SERIALIZATION.convertValue(object, KubernetesResource.class)).create();
        }
        server = TestServer.start(ConfigLoader.load(DIR.resolve("config.yaml")), client);
        Eventually.await(() -> server.send(HttpRequest.newBuilder(server.management("/health/readiness")).build()).statusCode(),
                code -> code == 200, Duration.ofSeconds(30));
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void serveAndDryRunGiveEveryChangeTheSameVerdictAndMessage() throws IOException {
        var served = new LinkedHashMap<String, Verdict>();
        var expected = new LinkedHashMap<String, String>();
        for (var object : documents(DIR.resolve("changes.yaml"))) {
            var key = key(object);
            expected.put(key, object.path("metadata").path("annotations").path("expect").asText());
            var http = server.post("/validate/exposure", Reviews.create(object));
            assertThat(http.statusCode()).as(key + ": " + http.body()).isEqualTo(200);
            var response = Reviews.yaml(http.body()).path("response");
            served.put(key, new Verdict(response.path("allowed").asBoolean() ? "allowed" : "denied",
                    response.path("status").path("message").asText("")));
        }

        var offline = dryRun();

        assertThat(served).as("serve's verdicts").hasSize(16);
        served.forEach((key, verdict) -> {
            assertThat(verdict.verdict()).as("serve: " + key + " " + verdict.message()).isEqualTo(expected.get(key));
            assertThat(offline.get(key)).as("dry-run: " + key).isEqualTo(verdict);
        });
        // the seed of the disagreement, named: a Service of Coder's outside Coder's namespaces, known by its label
        assertThat(served.get("Ingress web/proxy").message())
                .contains("backend Service coder-proxy is Coder's (label app.kubernetes.io/part-of=coder)", "[ingress-class]");
        assertThat(served.get("Ingress tenant-root/sneaky").message()).contains("it mirrors tenant Service coder/coder");
        assertThat(served.get("HTTPRoute coder/coder-public").message()).contains("[gateway-class]", "gateways/public");
        assertThat(served.get("HTTPRoute coder/coder-elsewhere").message()).contains("[gateway-unknown]");
        assertThat(served.get("HTTPRoute web/ide").message()).contains("allowed by a ReferenceGrant in coder");
        assertThat(served.get("EndpointSlice web/backdoor-1").message())
                .contains("its endpoint address 10.244.1.23 is Pod coder/coder-7d9f8c6b5-x2k4q", "[endpoint-slice]", "Service web/backdoor");
    }

    /** The same objects through the CLI, against the same cluster as {@code --state}. */
    private static Map<String, Verdict> dryRun() {
        var out = new StringWriter();
        var commandLine = RootCommand.commandLine();
        commandLine.setOut(new PrintWriter(out));
        commandLine.setErr(new PrintWriter(new StringWriter()));
        commandLine.execute("dry-run", "-c", DIR.resolve("config.yaml").toString(), "--state", DIR.resolve("cluster.yaml").toString(),
                "-o", "json", DIR.resolve("changes.yaml").toString());
        var verdicts = new LinkedHashMap<String, Verdict>();
        for (var result : Reviews.yaml(out.toString()).path("results")) {
            var messages = new ArrayList<String>();
            result.path("messages").forEach(m -> messages.add(m.asText()));
            var verdict = result.path("verdict").asText();
            verdicts.put(result.path("kind").asText() + " " + result.path("namespace").asText() + "/" + result.path("name").asText(),
                    new Verdict(verdict, "denied".equals(verdict) ? String.join("; ", messages) : ""));
        }
        return verdicts;
    }

    private static String key(JsonNode object) {
        return object.path("kind").asText() + " " + object.path("metadata").path("namespace").asText() + "/"
                + object.path("metadata").path("name").asText();
    }

    private static List<JsonNode> documents(Path file) throws IOException {
        try (var values = new YAMLMapper().readerFor(JsonNode.class).readValues(file.toFile())) {
            var documents = new ArrayList<JsonNode>();
            values.forEachRemaining(document -> documents.add((JsonNode) document));
            return documents;
        }
    }
}
