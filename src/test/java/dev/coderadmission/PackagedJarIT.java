package dev.coderadmission;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The shaded jar as a user runs it ({@code java -jar target/coder-admission.jar ...}): packaging
 * problems (lost bean definitions or service files, logging) only show here.
 */
class PackagedJarIT {
    private static final Path JAR = Path.of(System.getProperty("coder-admission.jar", "target/coder-admission.jar"));

    private static Process start(Path log, String... args) throws IOException {
        var command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", JAR.toString()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    @Test
    void dryRunOfTheBundledExamples() throws Exception {
        var log = Files.createTempFile("dry-run", ".log");
        var process = start(log, "dry-run", "-c", "src/examples/config-tenant.yaml", "--state", "src/examples/tenant-state",
                "src/examples/tenant");

        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        var output = Files.readString(log);
        assertThat(process.exitValue()).as(output).isEqualTo(1);
        assertThat(output).contains("4 allowed, 2 mutated, 5 denied, 0 errors");
    }

    @Test
    void serveAnswersOverHttpsAndReportsHealth(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        int https;
        int management;
        try (var a = new ServerSocket(0); var b = new ServerSocket(0)) {
            https = a.getLocalPort();
            management = b.getLocalPort();
        }
        var config = dir.resolve("config.yaml");
        Files.writeString(config, """
                coder-admission:
                  server: {port: %d, management-port: %d, host: 127.0.0.1}
                  kubernetes: {enabled: false}
                  tls:
                    mode: files
                    cert-file: %s
                    key-file: %s
                """.formatted(https, management, dir.resolve("tls.crt"), dir.resolve("tls.key")));
        var certs = start(dir.resolve("certs.log"), "certs", "--out", dir.toString(), "--dns", "localhost");
        assertThat(certs.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(certs.exitValue()).as(Files.readString(dir.resolve("certs.log"))).isZero();

        var log = dir.resolve("serve.log");
        var server = start(log, "serve", "--config", config.toString());
        try {
            var plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
            var deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            int status = 0;
            while (status != 200 && System.nanoTime() < deadline && server.isAlive()) {
                try {
                    status = plain.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + management + "/health/readiness"))
                            .GET().build(), HttpResponse.BodyHandlers.discarding()).statusCode();
                } catch (IOException e) {
                    Thread.sleep(100);
                }
            }
            assertThat(status).as(Files.readString(log)).isEqualTo(200);

            var ca = dev.coderadmission.tls.Pem.parseCertificates(Files.readString(dir.resolve("ca.crt")));
            var secure = HttpClient.newBuilder().sslContext(dev.coderadmission.support.Tls.trusting(ca)).build();
            var review = Files.readString(Path.of("src/test/resources/admission/service-nodeport-create.json"));
            var response = secure.send(HttpRequest.newBuilder(URI.create("https://localhost:" + https + "/validate/exposure"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(review, StandardCharsets.UTF_8))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).contains("\"allowed\":false").contains("[service-type]");

            // SIGTERM under load, as kubelet sends it: every review sent is answered, none cut off
            var answered = new java.util.concurrent.atomic.AtomicInteger();
            var failures = new java.util.concurrent.ConcurrentLinkedQueue<String>();
            var clients = new ArrayList<Thread>();
            var started = new java.util.concurrent.CountDownLatch(8);
            for (int i = 0; i < 8; i++) {
                clients.add(Thread.ofPlatform().start(() -> {
                    var client = HttpClient.newBuilder().sslContext(dev.coderadmission.support.Tls.trusting(ca)).build();
                    var first = true;
                    while (true) {
                        try {
                            var answer = client.send(HttpRequest.newBuilder(URI.create("https://localhost:" + https + "/validate/exposure"))
                                    .timeout(Duration.ofSeconds(20)).header("Content-Type", "application/json")
                                    .POST(HttpRequest.BodyPublishers.ofString(review, StandardCharsets.UTF_8)).build(),
                                    HttpResponse.BodyHandlers.ofString());
                            if (answer.statusCode() != 200) {
                                failures.add(answer.statusCode() + " " + answer.body());
                            }
                            answered.incrementAndGet();
                            if (first) {
                                first = false;
                                started.countDown();
                            }
                            if (answer.headers().firstValue("connection").filter("close"::equalsIgnoreCase).isPresent()) {
                                return; // told to move to another replica
                            }
                        } catch (java.net.ConnectException e) {
                            return; // the listener is closed: kube-apiserver would call another replica
                        } catch (IOException | InterruptedException e) {
                            failures.add(e.toString());
                            return;
                        }
                    }
                }));
            }
            assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
            server.destroy(); // SIGTERM
            for (var client : clients) {
                client.join(Duration.ofSeconds(30));
            }
            assertThat(failures).as("reviews failed during SIGTERM (%d answered)", answered.get()).isEmpty();
            assertThat(server.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(server.exitValue()).isZero();
        } finally {
            server.destroy();
            assertThat(server.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        var output = Files.readString(log);
        assertThat(output).contains("Startup completed", "shutting down: not ready", "stopped")
                .doesNotContain("ERROR")
                // logging set up in code (LogSetup), without warnings from SLF4J or logback about it
                .doesNotContain("SLF4J(W)").doesNotContain("WARN in ch.qos.logback");
        assertThat(output.lines()).anySatisfy(line -> assertThat(line).matches(
                "\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO  d\\.c\\.admission\\.AdmissionHandler - /validate/exposure denied CREATE Service .*"
                        + "outcome=\"denied\" uid=\"[^\"]+\" .*rules=\"service-type\""));
    }
}
