package dev.coderadmission.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.coderadmission.admission.AdmissionReviews;
import dev.coderadmission.config.ConfigLoader;
import dev.coderadmission.http.AdmissionServer;
import dev.coderadmission.tls.ServingCertificateProvider;
import io.micronaut.runtime.server.EmbeddedServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;

/**
 * The training run of the JDK's ahead-of-time cache (JEP 483/514/515): starts {@code serve} on free
 * ports, sends the bundled example objects to every webhook over HTTPS, stops and exits. Run as
 * {@code java -XX:AOTCacheOutput=coder-admission.aot -jar coder-admission.jar train}, the JVM records
 * the classes loaded and linked and the methods' profiles, and {@code -XX:AOTCache=coder-admission.aot}
 * then starts {@code serve} with them ready (the build and the image do both).
 */
@Command(name = "train", hidden = true,
        description = "Exercise serve once (for -XX:AOTCacheOutput) and exit.")
final class TrainCommand implements Callable<Integer> {
    /** The examples bundled under {@code training/} (src/examples/tenant), one object each. */
    private static final List<String> OBJECTS = List.of("workspace-envbuilder-pod.yaml", "workspace-official-template-pod.yaml",
            "coder-service-loadbalancer.yaml", "coder-nodeport.yaml", "coder-chart-nginx-ingress.yaml",
            "coder-tailscale-ingress.yaml", "other-app-nginx-ingress.yaml");

    @Option(names = "--rounds", defaultValue = "100", description = "Times each object is sent to each webhook (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Override
    public Integer call() throws Exception {
        var config = ConfigLoader.parse("""
                coder-admission:
                  server: {port: %d, management-port: %d, host: 127.0.0.1}
                  coder: {access-url: "https://coder.example.com"}
                  agent-url: {url: "http://coder.coder.svc.cluster.local:80", config-map: ""}
                  kubernetes: {enabled: false}
                """.formatted(freePort(), freePort()), "training");
        var context = AdmissionServer.start(config, null);
        try {
            var port = context.getBean(EmbeddedServer.class).getPort();
            var trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("serving", context.getBean(ServingCertificateProvider.class).current().leaf());
            var trustManagers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trustManagers.init(trust);
            var ssl = SSLContext.getInstance("TLS");
            ssl.init(null, trustManagers.getTrustManagers(), null);
            try (var client = HttpClient.newBuilder().sslContext(ssl).version(HttpClient.Version.HTTP_1_1).build()) {
                var reviews = reviews();
                int answered = 0;
                for (int round = 0; round < rounds; round++) {
                    for (var review : reviews) {
                        for (var path : List.of("/validate/exposure", "/mutate/agent-url", "/mutate/tenant-backend")) {
                            // a timeout, so a server that stops answering fails the build instead of hanging it
                            var response = client.send(HttpRequest.newBuilder(URI.create("https://localhost:" + port + path + "?timeout=10s"))
                                    .timeout(Duration.ofSeconds(10))
                                    .header("Content-Type", "application/json")
                                    .POST(HttpRequest.BodyPublishers.ofByteArray(review)).build(), HttpResponse.BodyHandlers.ofByteArray());
                            if (response.statusCode() != 200) {
                                System.err.println("training: " + path + " answered " + response.statusCode());
                                return 1;
                            }
                            answered++;
                        }
                    }
                }
                System.err.println("training: " + answered + " reviews answered");
            }
        } finally {
            context.close();
        }
        return RootCommand.OK;
    }

    private static List<byte[]> reviews() throws IOException {
        var yaml = new YAMLMapper();
        var result = new ArrayList<byte[]>();
        int uid = 0;
        for (var name : OBJECTS) {
            try (var in = Objects.requireNonNull(TrainCommand.class.getResourceAsStream("/training/" + name), name)) {
                var object = (ObjectNode) yaml.readTree(in);
                result.add(AdmissionReviews.JSON.writeValueAsBytes(review("training-" + uid++, object)));
            }
        }
        return result;
    }

    private static JsonNode review(String uid, ObjectNode object) {
        var apiVersion = object.path("apiVersion").asText();
        var slash = apiVersion.indexOf('/');
        var metadata = object.path("metadata");
        var review = AdmissionReviews.JSON.createObjectNode()
                .put("apiVersion", AdmissionReviews.API_VERSION).put("kind", AdmissionReviews.KIND);
        var request = review.putObject("request").put("uid", uid);
        request.putObject("kind").put("group", slash < 0 ? "" : apiVersion.substring(0, slash))
                .put("version", apiVersion.substring(slash + 1)).put("kind", object.path("kind").asText());
        request.put("namespace", metadata.path("namespace").asText(""))
                .put("name", metadata.path("name").asText(""))
                .put("operation", "CREATE").put("dryRun", true);
        request.set("object", object);
        return review;
    }

    private static int freePort() {
        try (var socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
