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
        return start(log, List.of(), args);
    }

    private static Process start(Path log, List<String> jvmOptions, String... args) throws IOException {
        var command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(jvmOptions);
        command.addAll(List.of("-jar", JAR.toString()));
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
        writeCertificates(dir);
        var log = dir.resolve("serve.log");
        var served = serve(dir, List.of(), log);
        var server = served.process();
        var https = served.https();
        try {
            var response = postNodePortService(dir, https);
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).contains("\"allowed\":false").contains("[service-type]");
            var ca = dev.coderadmission.tls.Pem.parseCertificates(Files.readString(dir.resolve("ca.crt")));
            var review = Files.readString(Path.of("src/test/resources/admission/service-nodeport-create.json"));

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

    @Test
    void tlsRunsOnBoringSslFromTheLibraryPathAndOnTheJdksWhereItCannotLoad(@org.junit.jupiter.api.io.TempDir Path dir)
            throws Exception {
        var arch = System.getProperty("os.arch");
        org.junit.jupiter.api.Assumptions.assumeTrue(System.getProperty("os.name").startsWith("Linux")
                && (arch.equals("amd64") || arch.equals("aarch64")), "BoringSSL is bundled for Linux x86_64/aarch64 only");
        // as the image has them (src/main/docker/Dockerfile): the jar's native libraries unpacked into a
        // directory on java.library.path, and a temporary directory nothing can be written to
        var natives = Files.createDirectory(dir.resolve("native"));
        try (var jar = new java.util.zip.ZipFile(JAR.toFile())) {
            for (var entry : java.util.Collections.list(jar.entries())) {
                if (entry.getName().startsWith("META-INF/native/") && entry.getName().endsWith(".so")) {
                    try (var in = jar.getInputStream(entry)) {
                        Files.copy(in, natives.resolve(Path.of(entry.getName()).getFileName()));
                    }
                }
            }
        }
        var unwritableTmp = "-Djava.io.tmpdir=/proc";
        writeCertificates(dir);

        assertThat(serveOneReview(dir, List.of("-Djava.library.path=" + natives, unwritableTmp)))
                .contains("(TLS by BoringSSL");
        // without the unpacked copy Netty cannot extract the library: the JDK's TLS serves instead, and says why
        assertThat(serveOneReview(dir, List.of(unwritableTmp)))
                .contains("(TLS by the JDK (BoringSSL did not load: ");
    }

    /** Starts {@code serve} with the certificates in {@code dir}, answers one review over HTTPS, stops it; returns its log. */
    private static String serveOneReview(Path dir, List<String> jvmOptions) throws Exception {
        var log = Files.createTempFile(dir, "serve", ".log");
        var served = serve(dir, jvmOptions, log);
        var server = served.process();
        try {
            var response = postNodePortService(dir, served.https());
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).contains("\"allowed\":false");
        } finally {
            server.destroy();
            assertThat(server.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        return Files.readString(log);
    }

    private static void writeCertificates(Path dir) throws Exception {
        var certs = start(dir.resolve("certs.log"), "certs", "--out", dir.toString(), "--dns", "localhost");
        assertThat(certs.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(certs.exitValue()).as(Files.readString(dir.resolve("certs.log"))).isZero();
    }

    private record Served(Process process, int https) {
    }

    /** {@code serve} on free ports with the certificates {@link #writeCertificates} put in {@code dir}, once ready. */
    private static Served serve(Path dir, List<String> jvmOptions, Path log) throws Exception {
        int https;
        int management;
        try (var a = new ServerSocket(0); var b = new ServerSocket(0)) {
            https = a.getLocalPort();
            management = b.getLocalPort();
        }
        var config = Files.writeString(dir.resolve("config.yaml"), """
                coder-admission:
                  server: {port: %d, management-port: %d, host: 127.0.0.1}
                  kubernetes: {enabled: false}
                  tls: {mode: files, cert-file: %s, key-file: %s}
                """.formatted(https, management, dir.resolve("tls.crt"), dir.resolve("tls.key")));
        var server = start(log, jvmOptions, "serve", "--config", config.toString());
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
        if (status != 200) {
            server.destroy();
        }
        assertThat(status).as(Files.readString(log)).isEqualTo(200);
        return new Served(server, https);
    }

    private static HttpResponse<String> postNodePortService(Path dir, int https) throws Exception {
        var ca = dev.coderadmission.tls.Pem.parseCertificates(Files.readString(dir.resolve("ca.crt")));
        var secure = HttpClient.newBuilder().sslContext(dev.coderadmission.support.Tls.trusting(ca)).build();
        var review = Files.readString(Path.of("src/test/resources/admission/service-nodeport-create.json"));
        return secure.send(HttpRequest.newBuilder(URI.create("https://localhost:" + https + "/validate/exposure"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(review, StandardCharsets.UTF_8))
                .build(), HttpResponse.BodyHandlers.ofString());
    }
}
