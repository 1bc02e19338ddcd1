package dev.coderadmission.runtime;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.coderadmission.config.AdmissionConfig;
import dev.coderadmission.support.Reviews;
import dev.coderadmission.support.TestServer;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * SIGTERM under load: every review the server accepted is answered, none is cut off. During the drain
 * answers carry {@code Connection: close}, and the client's next connection goes elsewhere (as
 * kube-apiserver's does through the Service once the pod is not ready); a connection attempted after
 * the listener closed is refused at connect, which the client retries on another replica.
 */
class GracefulShutdownTest {
    private static final int CLIENTS = 16;

    @Test
    void stoppingUnderLoadAnswersEveryReviewInFlight() throws Exception {
        var server = TestServer.start(AdmissionConfig.defaults());
        var small = Reviews.create(Reviews.file(Path.of("src/examples/tenant/coder-nodeport.yaml")));
        var large = largeReview();
        var answered = new AtomicInteger();
        var refused = new AtomicInteger();
        var closeHeaders = new AtomicInteger();
        var failures = new ConcurrentLinkedQueue<String>();
        var warm = new CountDownLatch(CLIENTS);
        var threads = new ArrayList<Thread>();
        for (int i = 0; i < CLIENTS; i++) {
            var body = i < 4 ? large : small; // four 2.8 MB reviews in flight when the signal comes
            threads.add(Thread.ofPlatform().start(() -> {
                var client = HttpClient.newBuilder().sslContext(sslOf(server)).version(HttpClient.Version.HTTP_1_1).build();
                boolean counted = false;
                while (true) {
                    try {
                        var response = client.send(HttpRequest.newBuilder(server.https("/validate/exposure"))
                                        .timeout(Duration.ofSeconds(20)).header("Content-Type", "application/json")
                                        .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build(),
                                HttpResponse.BodyHandlers.ofString());
                        if (response.statusCode() != 200 || !response.body().contains("\"uid\"")) {
                            failures.add(response.statusCode() + " " + response.body());
                        }
                        answered.incrementAndGet();
                        if (!counted) {
                            counted = true;
                            warm.countDown();
                        }
                        if (response.headers().firstValue("connection").filter("close"::equalsIgnoreCase).isPresent()) {
                            // kube-apiserver's next connection goes through the Service, which no longer
                            // lists this not-ready pod: this client has moved to another replica
                            closeHeaders.incrementAndGet();
                            return;
                        }
                    } catch (ConnectException e) {
                        refused.incrementAndGet(); // not accepted: the listener is closed
                        return;
                    } catch (IOException e) {
                        failures.add(e.toString());
                        return;
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }));
        }
        warm.await();
        server.context().getBean(Shutdown.class).drainAndStop(server.context());
        for (var thread : threads) {
            thread.join(Duration.ofSeconds(30));
        }
        assertThat(failures).as("reviews cut off or failed (answered %d, with Connection: close %d, refused %d)", answered.get(), closeHeaders.get(), refused.get()).isEmpty();
        assertThat(answered.get()).isGreaterThan(CLIENTS * 5);
        assertThat(closeHeaders.get()).as("answers during the drain close their connection").isPositive();
        assertThat(closeHeaders.get() + refused.get()).as("every client was told to move, or refused at connect")
                .isEqualTo(CLIENTS);
    }

    /** A workspace-sized review made large with annotations, as in the fault report (about 2.8 MB). */
    private static String largeReview() {
        var pod = (ObjectNode) Reviews.file(Path.of("src/examples/tenant/coder-nodeport.yaml"));
        var annotations = ((ObjectNode) pod.path("metadata")).putObject("annotations");
        for (int i = 0; i < 48_000; i++) {
            annotations.put("example.com/key-" + i, "value-" + "x".repeat(24));
        }
        return Reviews.create(pod);
    }

    private static javax.net.ssl.SSLContext sslOf(TestServer server) {
        return server.client().sslContext();
    }
}
