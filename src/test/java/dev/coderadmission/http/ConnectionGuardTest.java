package dev.coderadmission.http;

import dev.coderadmission.config.AdmissionConfig;
import dev.coderadmission.config.ServerConfig;
import dev.coderadmission.support.Reviews;
import dev.coderadmission.support.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Slow, idle and too many clients cannot hold the admission port; health stays reachable. */
class ConnectionGuardTest {
    private static TestServer server;

    @BeforeAll
    static void start() {
        var limits = new ServerConfig(null, null, null, null, null, null, 4, Duration.ofSeconds(1), Duration.ofSeconds(2),
                null);
        server = TestServer.start(AdmissionConfig.defaults().withServer(limits));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static SSLSocket connect() throws IOException {
        var socket = (SSLSocket) server.client().sslContext().getSocketFactory().createSocket("localhost", server.httpsPort());
        socket.setSoTimeout(10_000);
        socket.startHandshake();
        return socket;
    }

    /** Reads until the server closes; returns how long that took. */
    private static Duration closedAfter(SSLSocket socket, long startNanos) {
        try (InputStream in = socket.getInputStream()) {
            while (in.read() >= 0) {
                // a 408 or nothing: either way the connection must end
            }
        } catch (IOException e) {
            // reset or alert: closed too
        }
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }

    @Test
    void aClientSendingAHeaderLineEverySoOftenIsClosedAtTheRequestDeadline() throws Exception {
        try (var socket = connect()) {
            var start = System.nanoTime();
            var out = socket.getOutputStream();
            var closer = Thread.ofPlatform().start(() -> {
                try {
                    out.write("POST /validate/exposure HTTP/1.1\r\nHost: localhost\r\n".getBytes(StandardCharsets.US_ASCII));
                    for (int i = 0; i < 40; i++) {
                        Thread.sleep(250); // well inside any per-read idle timeout
                        out.write(("X-Slow-" + i + ": 1\r\n").getBytes(StandardCharsets.US_ASCII));
                        out.flush();
                    }
                } catch (IOException | InterruptedException e) {
                    // the server closed the connection: expected
                }
            });
            var after = closedAfter(socket, start);
            closer.interrupt();
            assertThat(after).isBetween(Duration.ofMillis(800), Duration.ofSeconds(4));
        }
    }

    @Test
    void anIdleConnectionIsClosedAfterTheIdleTimeout() throws Exception {
        try (var socket = connect()) {
            var after = closedAfter(socket, System.nanoTime());
            assertThat(after).isBetween(Duration.ofMillis(1000), Duration.ofSeconds(5));
        }
    }

    @Test
    void connectionsBeyondTheLimitAreClosedButHealthAndReviewsOnFreedConnectionsWork() throws Exception {
        var held = new ArrayList<SSLSocket>();
        int refused = 0;
        try {
            for (int i = 0; i < 8; i++) {
                try {
                    var socket = connect();
                    socket.getOutputStream().write("GET /x HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    socket.getOutputStream().flush();
                    socket.getInputStream().read(); // a 404 answer: this connection is being served
                    held.add(socket);
                } catch (IOException e) {
                    refused++;
                }
            }
            assertThat(held.size()).as("connections served at once").isLessThanOrEqualTo(4);
            assertThat(refused).isGreaterThanOrEqualTo(4);
            var health = server.send(HttpRequest.newBuilder(server.management("/health/liveness"))
                    .timeout(Duration.ofSeconds(5)).build());
            assertThat(health.statusCode()).isEqualTo(200);
        } finally {
            for (var socket : held) {
                socket.close();
            }
        }
        Thread.sleep(200);
        var review = server.post("/validate/exposure", Reviews.create(Reviews.file(Path.of("src/examples/tenant/coder-nodeport.yaml"))));
        assertThat(review.statusCode()).isEqualTo(200);
    }

    @Test
    void aTls12ClientCannotRenegotiate() throws Exception {
        var socket = (SSLSocket) server.client().sslContext().getSocketFactory().createSocket("localhost", server.httpsPort());
        try (socket) {
            socket.setSoTimeout(5_000);
            socket.setEnabledProtocols(new String[]{"TLSv1.2"});
            socket.startHandshake();
            assertThatThrownBy(() -> {
                socket.startHandshake(); // a second handshake on TLS 1.2 is a client-initiated renegotiation
                socket.getOutputStream().write("GET /health HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                socket.getOutputStream().flush();
                if (socket.getInputStream().read() < 0) {
                    throw new SSLException("closed");
                }
            }).isInstanceOf(IOException.class);
        }
    }

    @Test
    void keepAliveReviewsOnOneConnectionAreUnaffected() {
        for (int i = 0; i < 20; i++) {
            var review = server.post("/validate/exposure", Reviews.create(Reviews.file(Path.of("src/examples/tenant/coder-nodeport.yaml"))));
            assertThat(review.statusCode()).isEqualTo(200);
        }
    }
}
