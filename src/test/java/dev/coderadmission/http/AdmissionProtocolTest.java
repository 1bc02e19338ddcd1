package dev.coderadmission.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.coderadmission.config.AdmissionConfig;
import dev.coderadmission.support.LegacyTlsClient;
import dev.coderadmission.support.Reviews;
import dev.coderadmission.support.TestServer;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.TlsFatalAlertReceived;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import javax.net.ssl.SSLSocket;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The transport: what kube-apiserver (or anything else) gets for good and bad requests. */
class AdmissionProtocolTest {
    private static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start(AdmissionConfig.defaults());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static String nodePortReview() throws IOException {
        return Files.readString(Path.of("src/test/resources/admission/service-nodeport-create.json"));
    }

    @Test
    void aVerbatimApiServerReviewIsAnsweredWithItsUid() throws IOException {
        var response = server.post("/validate/exposure", nodePortReview());

        assertThat(response.statusCode()).isEqualTo(200);
        var answer = Reviews.yaml(response.body()).path("response");
        assertThat(answer.path("uid").asText()).isEqualTo("705ab4f5-6393-11e8-b7cc-42010a800002");
        assertThat(answer.path("allowed").asBoolean()).isFalse();
        assertThat(answer.path("status").path("code").asInt()).isEqualTo(403);
        assertThat(answer.path("status").path("reason").asText()).isEqualTo("Forbidden");
        assertThat(answer.path("status").path("message").asText())
                .startsWith("Service coder/coder belongs to Coder (namespace coder is in coder.namespaces)")
                .contains("[service-type] type NodePort");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "malformed JSON          | {\"apiVersion\": \"admission.k8s.io/v1\", | body is not valid JSON",
            "a JSON array            | []                                         | body is not a JSON object",
            "a JSON string           | \"review\"                                 | body is not a JSON object",
            "wrong apiVersion        | {\"apiVersion\":\"admission.k8s.io/v1beta1\",\"kind\":\"AdmissionReview\",\"request\":{\"uid\":\"1\"}} | apiVersion \"admission.k8s.io/v1beta1\" is not supported",
            "wrong kind              | {\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"Status\"} | kind \"Status\" is not AdmissionReview",
            "no request              | {\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\"} | AdmissionReview has no request object",
            "missing uid             | {\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{\"operation\":\"CREATE\"}} | request.uid is missing",
            "uid of the wrong type   | {\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{\"uid\":42}} | request.uid is missing",
            "missing kind            | {\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{\"uid\":\"1\",\"operation\":\"CREATE\"}} | request.kind must name a group, version and kind",
            "unknown operation       | {\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{\"uid\":\"1\",\"kind\":{\"group\":\"\",\"version\":\"v1\",\"kind\":\"Service\"},\"operation\":\"PATCH\"}} | request.operation \"PATCH\" is not one of",
            "CREATE without object   | {\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{\"uid\":\"1\",\"kind\":{\"group\":\"\",\"version\":\"v1\",\"kind\":\"Service\"},\"operation\":\"CREATE\"}} | request.object is missing for CREATE",
    })
    void badReviewsGet400WithAKubernetesStatus(String what, String body, String message) {
        var response = server.post("/validate/exposure", body);

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
        var status = Reviews.yaml(response.body());
        assertThat(status.path("kind").asText()).isEqualTo("Status");
        assertThat(status.path("code").asInt()).isEqualTo(400);
        assertThat(status.path("reason").asText()).isEqualTo("BadRequest");
        assertThat(status.path("message").asText()).contains(message);
        assertThat(response.body()).doesNotContain("Exception").doesNotContain("\tat ");
    }

    @Test
    void anEmptyBodyIs400() {
        var response = server.send(HttpRequest.newBuilder(server.https("/validate/exposure"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.noBody()).build());

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(Reviews.yaml(response.body()).path("message").asText()).contains("request body is empty");
    }

    @Test
    void aBodyOver3MiBIs413WithAndWithoutContentLength() throws IOException {
        var review = Reviews.yaml(nodePortReview());
        ((ObjectNode) review.path("request").path("object").path("metadata"))
                .putObject("annotations").put("padding", "x".repeat(3 * 1024 * 1024));
        var bytes = review.toString().getBytes(StandardCharsets.UTF_8);

        var sized = server.send(HttpRequest.newBuilder(server.https("/validate/exposure"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(bytes)).build());
        var chunked = server.send(HttpRequest.newBuilder(server.https("/validate/exposure"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(bytes))).build());

        assertThat(sized.statusCode()).isEqualTo(413);
        assertThat(chunked.statusCode()).isEqualTo(413);
        assertKubernetesStatus(sized, 413, "RequestEntityTooLarge", "exceeds server.max-request-bytes (3145728 bytes)");
        assertKubernetesStatus(chunked, 413, "RequestEntityTooLarge", "exceeds server.max-request-bytes");
        // and the server is still there for the next request
        assertThat(server.post("/validate/exposure", nodePortReview()).statusCode()).isEqualTo(200);
    }

    @Test
    void aBodyJustUnder3MiBIsEvaluated() throws IOException {
        var review = Reviews.yaml(nodePortReview());
        var base = review.toString().length();
        ((ObjectNode) review.path("request").path("object").path("metadata"))
                .putObject("annotations").put("padding", "x".repeat(3 * 1024 * 1024 - base - 100));

        var response = server.post("/validate/exposure", review.toString());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(Reviews.yaml(response.body()).path("response").path("allowed").asBoolean()).isFalse();
    }

    @Test
    void otherMethodsAre405() {
        var get = server.send(HttpRequest.newBuilder(server.https("/validate/exposure")).GET().build());
        var put = server.send(HttpRequest.newBuilder(server.https("/validate/exposure"))
                .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString("{}")).build());

        assertThat(get.statusCode()).isEqualTo(405);
        assertThat(put.statusCode()).isEqualTo(405);
        assertThat(get.headers().firstValue("allow")).hasValue("POST");
    }

    /** Every error answer is a Kubernetes Status, the shape kube-apiserver logs and shows. */
    private static void assertKubernetesStatus(java.net.http.HttpResponse<String> response, int code, String reason, String message) {
        var status = Reviews.yaml(response.body());
        assertThat(status.path("kind").asText()).as(response.body()).isEqualTo("Status");
        assertThat(status.path("apiVersion").asText()).isEqualTo("v1");
        assertThat(status.path("code").asInt()).isEqualTo(code);
        assertThat(status.path("reason").asText()).isEqualTo(reason);
        assertThat(status.path("message").asText()).contains(message);
        assertThat(response.body()).doesNotContain("_links", "_embedded");
    }

    @Test
    void aNonJsonContentTypeIs415() throws IOException {
        var response = server.send(HttpRequest.newBuilder(server.https("/validate/exposure"))
                .header("Content-Type", "application/yaml")
                .POST(HttpRequest.BodyPublishers.ofString(nodePortReview())).build());

        assertThat(response.statusCode()).isEqualTo(415);
    }

    @Test
    void anUnknownWebhookIs404NamingTheServedOnes() throws IOException {
        var response = server.post("/validate/nothing-here", nodePortReview());

        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(Reviews.yaml(response.body()).path("message").asText())
                .isEqualTo("no webhook at /validate/nothing-here; served: [/mutate/agent-url, /mutate/tenant-backend, /validate/exposure]");
    }

    @Test
    void healthIsPlainHttpOnTheManagementPortAndAdmissionIsNotServedThere() throws IOException {
        var plain = HttpClient.newHttpClient();
        var liveness = server.send(plain, HttpRequest.newBuilder(server.management("/health/liveness")).GET().build());
        var readiness = server.send(plain, HttpRequest.newBuilder(server.management("/health/readiness")).GET().build());
        var admission = server.send(plain, HttpRequest.newBuilder(server.management("/validate/exposure"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(nodePortReview())).build());
        var healthOverHttps = server.send(HttpRequest.newBuilder(server.https("/health")).GET().build());

        assertThat(liveness.statusCode()).isEqualTo(200);
        assertThat(liveness.body()).contains("\"status\":\"UP\"");
        assertThat(readiness.statusCode()).isEqualTo(200);
        assertThat(admission.statusCode()).isEqualTo(404);
        assertThat(healthOverHttps.statusCode()).isEqualTo(404);
    }

    /** Raw HTTP/1.1 over TLS, for requests no well-behaved client library sends. */
    private static String rawExchange(String request) throws Exception {
        try (var socket = (SSLSocket) server.client().sslContext().getSocketFactory().createSocket("localhost", server.httpsPort())) {
            socket.setSoTimeout(5000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    /** The node-port review POSTed with {@code headers} (each ending in CRLF) and {@code Connection: close}. */
    private static String rawReview(String target, String headers) throws Exception {
        var body = nodePortReview().getBytes(StandardCharsets.UTF_8);
        return rawExchange("POST " + target + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" + headers
                + "Connection: close\r\nContent-Length: " + body.length + "\r\n\r\n" + new String(body, StandardCharsets.ISO_8859_1));
    }

    @Test
    void anUnparsableContentLengthIs400AndTheConnectionCloses() throws Exception {
        var reply = rawExchange("POST /validate/exposure HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + "Content-Length: twelve\r\n\r\n{}");

        assertThat(reply).startsWith("HTTP/1.1 400").containsIgnoringCase("connection: close")
                .contains("\"kind\":\"Status\"").contains("malformed HTTP request");
        assertThat(server.post("/validate/exposure", nodePortReview()).statusCode()).isEqualTo(200);
    }

    @Test
    void expectContinueGetsA100ThenTheAnswerAndARefusalInstead() throws Exception {
        var accepted = rawReview("/validate/exposure", "Expect: 100-continue\r\n");
        var refused = rawExchange("POST /validate/nothing HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + "Expect: 100-continue\r\nContent-Length: 2\r\n\r\n");

        assertThat(accepted).startsWith("HTTP/1.1 100 Continue\r\n").contains("HTTP/1.1 200 OK").contains("705ab4f5-6393-11e8-b7cc-42010a800002");
        assertThat(refused).startsWith("HTTP/1.1 404").containsIgnoringCase("connection: close").doesNotContain("100 Continue");
    }

    @Test
    void answersAreNeverCompressedThoughTheClientAcceptsGzip() throws Exception {
        var reply = rawReview("/validate/exposure?timeout=10s", "Accept-Encoding: gzip\r\n");

        assertThat(reply).startsWith("HTTP/1.1 200 OK").doesNotContainIgnoringCase("content-encoding")
                .contains("\"apiVersion\":\"admission.k8s.io/v1\"");
    }

    @Test
    void plainHttpToTheWebhookPortIsRefused() throws IOException {
        try (var socket = new Socket("127.0.0.1", server.httpsPort())) {
            socket.setSoTimeout(5000);
            socket.getOutputStream().write("POST /validate/exposure HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}"
                    .getBytes(StandardCharsets.US_ASCII));
            var reply = socket.getInputStream().readNBytes(64);
            assertThat(new String(reply, StandardCharsets.ISO_8859_1)).doesNotStartWith("HTTP/1.1 200");
        }
    }

    @Test
    void tls12And13AreServed() throws Exception {
        for (var protocol : new String[] {"TLSv1.2", "TLSv1.3"}) {
            assertThat(handshake(protocol)).isEqualTo(protocol);
        }
    }

    @Test
    void tls11And10AreRefusedByTheServer() throws Exception {
        LegacyTlsClient.handshake(server.httpsPort(), ProtocolVersion.TLSv12); // the same client succeeds with 1.2
        assertThatThrownBy(() -> LegacyTlsClient.handshake(server.httpsPort(), ProtocolVersion.TLSv11))
                .isInstanceOf(TlsFatalAlertReceived.class).hasMessageContaining("protocol_version");
        assertThatThrownBy(() -> LegacyTlsClient.handshake(server.httpsPort(), ProtocolVersion.TLSv10))
                .isInstanceOf(TlsFatalAlertReceived.class).hasMessageContaining("protocol_version");
    }

    @Test
    void tls12OffersOnlyForwardSecretAeadSuites() throws Exception {
        // the suites a scanner flags: CBC with SHA-1/SHA-2 MACs, and static-RSA key exchange
        for (var suite : new String[] {"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
                "TLS_RSA_WITH_AES_128_GCM_SHA256"}) {
            assertThatThrownBy(() -> handshake("TLSv1.2", suite)).as(suite).isInstanceOf(IOException.class);
        }
        assertThat(handshake("TLSv1.2", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256")).isEqualTo("TLSv1.2");
    }

    @Test
    void onLinuxTheListenerRunsOnBoringSslAndTheMetricSaysSo() throws Exception {
        // the jar ships BoringSSL for linux-x86_64 and linux-aarch_64; losing it costs a third more CPU per
        // review without failing anything else, so this test is what notices
        var arch = System.getProperty("os.arch");
        org.junit.jupiter.api.Assumptions.assumeTrue(System.getProperty("os.name").startsWith("Linux")
                && (arch.equals("amd64") || arch.equals("aarch64")), "BoringSSL is bundled for Linux x86_64/aarch64 only");
        assertThat(TlsProvider.inUse()).isEqualTo(TlsProvider.OPENSSL);

        var metrics = server.send(HttpClient.newHttpClient(), HttpRequest.newBuilder(server.management("/prometheus")).GET().build());

        assertThat(metrics.body()).contains("coder_admission_tls_provider{provider=\"openssl\"} 1.0");
    }

    private static String handshake(String protocol) throws Exception {
        return handshake(protocol, null);
    }

    private static String handshake(String protocol, String suite) throws Exception {
        var context = server.client().sslContext();
        try (var socket = (SSLSocket) context.getSocketFactory().createSocket("localhost", server.httpsPort())) {
            socket.setSoTimeout(5000);
            socket.setEnabledProtocols(new String[] {protocol});
            if (suite != null) {
                socket.setEnabledCipherSuites(new String[] {suite});
            }
            socket.startHandshake();
            return socket.getSession().getProtocol();
        }
    }

    @Test
    void concurrentReviewsAllGetTheirOwnAnswer() throws Exception {
        var template = nodePortReview();
        try (var pool = Executors.newFixedThreadPool(16)) {
            var futures = new ArrayList<Future<Boolean>>();
            for (int i = 0; i < 400; i++) {
                var uid = "uid-" + i;
                var body = template.replace("705ab4f5-6393-11e8-b7cc-42010a800002", uid);
                futures.add(pool.submit(() -> {
                    var response = server.post("/validate/exposure", body);
                    var answer = Reviews.yaml(response.body()).path("response");
                    return response.statusCode() == 200 && answer.path("uid").asText().equals(uid)
                            && !answer.path("allowed").asBoolean();
                }));
            }
            for (var future : futures) {
                assertThat(future.get()).isTrue();
            }
        }
    }
}
