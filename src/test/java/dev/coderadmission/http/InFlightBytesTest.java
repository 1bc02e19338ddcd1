package dev.coderadmission.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.coderadmission.config.AdmissionConfig;
import dev.coderadmission.config.ServerConfig;
import dev.coderadmission.support.Reviews;
import dev.coderadmission.support.TestServer;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLSocket;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/** Large reviews in flight are bounded; a review beyond the bound gets a clear 429; health stays live. */
class InFlightBytesTest {

    private static String review(int paddingBytes) {
        var object = (ObjectNode) Reviews.file(Path.of("src/examples/tenant/coder-nodeport.yaml"));
        ((ObjectNode) object.path("metadata")).putObject("annotations").put("padding", "x".repeat(paddingBytes));
        return Reviews.create(object);
    }

    private static SSLSocket connect(TestServer server) throws IOException {
        var socket = (SSLSocket) server.client().sslContext().getSocketFactory().createSocket("localhost", server.httpsPort());
        socket.setSoTimeout(10_000);
        socket.startHandshake();
        return socket;
    }

    private static String head(int length) {
        return "POST /validate/exposure HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: "
                + length + "\r\n\r\n";
    }

    private static String readResponse(InputStream in) throws IOException {
        var out = new ByteArrayOutputStream();
        var buffer = new byte[8192];
        int n;
        while ((n = in.read(buffer)) > 0) {
            out.write(buffer, 0, n);
            var text = out.toString(StandardCharsets.UTF_8);
            var end = text.indexOf("\r\n\r\n");
            if (end > 0) {
                var lengthAt = text.toLowerCase().indexOf("content-length: ");
                var length = Integer.parseInt(text.substring(lengthAt + 16, text.indexOf("\r\n", lengthAt)).trim());
                if (out.size() >= end + 4 + length) {
                    return text;
                }
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void aReviewBeyondTheInFlightBoundIs429UntilTheFirstIsAnswered() throws Exception {
        var limits = new ServerConfig(null, null, null, null, null, null, null, Duration.ofSeconds(10), null, 200_000L);
        try (var server = TestServer.start(AdmissionConfig.defaults().withServer(limits))) {
            var first = review(150_000).getBytes(StandardCharsets.UTF_8);
            var second = review(150_000);
            try (var slow = connect(server)) {
                // half of a 150 kB review has arrived: its whole Content-Length is reserved
                slow.getOutputStream().write(head(first.length).getBytes(StandardCharsets.US_ASCII));
                slow.getOutputStream().write(first, 0, first.length / 2);
                slow.getOutputStream().flush();
                Thread.sleep(200);

                var refused = server.post("/validate/exposure", second);
                assertThat(refused.statusCode()).isEqualTo(429);
                assertThat(refused.headers().firstValue("retry-after")).hasValue("1");
                var status = Reviews.yaml(refused.body());
                assertThat(status.path("kind").asText()).isEqualTo("Status");
                assertThat(status.path("reason").asText()).isEqualTo("TooManyRequests");
                assertThat(status.path("message").asText()).contains("server.max-in-flight-bytes 200000");

                slow.getOutputStream().write(first, first.length / 2, first.length - first.length / 2);
                slow.getOutputStream().flush();
                assertThat(readResponse(slow.getInputStream())).startsWith("HTTP/1.1 200").contains("\"allowed\":false");
            }
            // the budget is free again
            assertThat(server.post("/validate/exposure", second).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void livenessAnswersWithinItsProbeTimeoutWhileLargeReviewsAreJudged() throws Exception {
        try (var server = TestServer.start(AdmissionConfig.defaults())) {
            var large = review(2_800_000);
            var running = new AtomicBoolean(true);
            var failures = new ConcurrentLinkedQueue<String>();
            var load = new ArrayList<Thread>();
            for (int i = 0; i < 16; i++) {
                load.add(Thread.ofPlatform().start(() -> {
                    while (running.get()) {
                        try {
                            var status = server.post("/validate/exposure", large).statusCode();
                            if (status != 200 && status != 429) {
                                failures.add("status " + status);
                            }
                        } catch (RuntimeException e) {
                            failures.add(e.toString());
                        }
                    }
                }));
            }
            var probes = 0;
            var deadline = System.nanoTime() + Duration.ofSeconds(4).toNanos();
            while (System.nanoTime() < deadline) {
                // kubelet's own timeout in the chart is 5 s; the default is 1 s
                var probe = server.send(HttpRequest.newBuilder(server.management("/health/liveness"))
                        .timeout(Duration.ofSeconds(2)).build());
                assertThat(probe.statusCode()).isEqualTo(200);
                probes++;
                Thread.sleep(100);
            }
            running.set(false);
            for (var thread : load) {
                thread.join();
            }
            assertThat(failures).isEmpty();
            assertThat(probes).isGreaterThan(10);
        }
    }
}
