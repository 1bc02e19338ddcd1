package dev.coderadmission.tls;

import dev.coderadmission.config.AdmissionConfig;
import dev.coderadmission.config.TlsConfig;
import dev.coderadmission.config.TlsConfig.KeyType;
import dev.coderadmission.support.ClientCertificates;
import dev.coderadmission.support.Eventually;
import dev.coderadmission.support.Tls;
import dev.coderadmission.support.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code tls.mode: files} reloads, {@code tls.client-ca-file} requires client certificates, the expiry metric. */
class FileAndClientCertificateTest {
    private static final Certificates.Authority CA =
            Certificates.newAuthority("files-ca", Duration.ofDays(30), KeyType.ECDSA, Instant.now());

    private static void writePair(Path dir, KeyMaterial material) throws Exception {
        // write to temporary names and move, as a Secret volume update would swap them
        Files.writeString(dir.resolve("tls.crt.tmp"), Pem.certificates(material.chain()));
        Files.writeString(dir.resolve("tls.key.tmp"), Pem.privateKey(material.key()));
        Files.move(dir.resolve("tls.key.tmp"), dir.resolve("tls.key"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.move(dir.resolve("tls.crt.tmp"), dir.resolve("tls.crt"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    private static KeyMaterial issue() {
        return Certificates.issueServing(CA, List.of("localhost"), Duration.ofDays(1), KeyType.ECDSA, Instant.now());
    }

    private static TlsConfig files(Path dir, String clientCa) {
        return TlsConfig.builder().files(dir.resolve("tls.crt").toString(), dir.resolve("tls.key").toString(),
                Duration.ofMillis(200)).clientCaFile(clientCa).build();
    }

    @Test
    void aCertificateWrittenBeforeItsKeyIsNeverServedWithTheWrongKey(@TempDir Path dir) throws Exception {
        var first = issue();
        writePair(dir, first);
        try (var server = TestServer.start(AdmissionConfig.defaults().withTls(files(dir, null)))) {
            var trustingCa = Tls.trusting(List.of(CA.certificate()));
            var handshakes = new java.util.concurrent.atomic.AtomicInteger();
            var failures = new java.util.concurrent.ConcurrentLinkedQueue<String>();
            var running = new java.util.concurrent.atomic.AtomicBoolean(true);
            var load = Thread.ofPlatform().start(() -> {
                while (running.get()) {
                    try {
                        Tls.served(trustingCa, "localhost", server.httpsPort());
                        handshakes.incrementAndGet();
                    } catch (Exception e) {
                        failures.add(String.valueOf(e));
                    }
                }
            });
            // not atomic, as a careless script or `cp` would do it: the certificate first, the key a second later
            var second = issue();
            Files.writeString(dir.resolve("tls.crt"), Pem.certificates(second.chain()));
            Thread.sleep(1000); // five reload intervals with a mismatched pair on disk
            Files.writeString(dir.resolve("tls.key"), Pem.privateKey(second.key()));
            Eventually.await(() -> {
                try {
                    return Tls.served(trustingCa, "localhost", server.httpsPort());
                } catch (Exception e) {
                    return null;
                }
            }, second.leaf()::equals, Duration.ofSeconds(10));
            Thread.sleep(200);
            running.set(false);
            load.join();
            assertThat(failures).as("failed handshakes").isEmpty();
            assertThat(handshakes.get()).isGreaterThan(20);
        }
    }

    @Test
    void aChangedPairOfFilesIsServedWithoutARestart(@TempDir Path dir) throws Exception {
        var first = issue();
        writePair(dir, first);
        try (var server = TestServer.start(AdmissionConfig.defaults().withTls(files(dir, null)))) {
            var trustingCa = Tls.trusting(List.of(CA.certificate()));
            assertThat(Tls.served(trustingCa, "localhost", server.httpsPort())).isEqualTo(first.leaf());

            var second = issue();
            writePair(dir, second);

            Eventually.await(() -> {
                try {
                    return Tls.served(trustingCa, "localhost", server.httpsPort());
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, second.leaf()::equals, Duration.ofSeconds(10));

            // a half-written key is ignored and the last good pair stays in service
            Files.writeString(dir.resolve("tls.key"), "-----BEGIN PRIVATE KEY-----\nbroken");
            Thread.sleep(600);
            assertThat(Tls.served(trustingCa, "localhost", server.httpsPort())).isEqualTo(second.leaf());
        }
    }

    @Test
    void withAClientCaOnlyClientsWithACertificateItSignedAreServed(@TempDir Path dir) throws Exception {
        writePair(dir, issue());
        var clientCa = Certificates.newAuthority("apiserver-clients", Duration.ofDays(30), KeyType.ECDSA, Instant.now());
        Files.writeString(dir.resolve("client-ca.crt"), Pem.certificates(List.of(clientCa.certificate())));
        var client = ClientCertificates.issue(clientCa, "kube-apiserver");
        var stranger = ClientCertificates.issue(Certificates.newAuthority("other", Duration.ofDays(30), KeyType.ECDSA, Instant.now()),
                "kube-apiserver");
        try (var server = TestServer.start(AdmissionConfig.defaults().withTls(files(dir, dir.resolve("client-ca.crt").toString())))) {
            var review = Files.readString(Path.of("src/test/resources/admission/service-nodeport-create.json"));
            var uri = URI.create("https://localhost:" + server.httpsPort() + "/validate/exposure");

            var withCertificate = HttpClient.newBuilder()
                    .sslContext(Tls.context(List.of(CA.certificate()), client.key(), client.chain())).build()
                    .send(HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(review)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(withCertificate.statusCode()).isEqualTo(200);

            for (var context : List.of(Tls.trusting(List.of(CA.certificate())),
                    Tls.context(List.of(CA.certificate()), stranger.key(), stranger.chain()))) {
                assertThatThrownBy(() -> HttpClient.newBuilder().sslContext(context).build()
                        .send(HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(review)).build(), HttpResponse.BodyHandlers.ofString()))
                        .isInstanceOfAny(SSLException.class, java.io.IOException.class);
            }
        }
    }

    @Test
    void theManagementPortExposesTheCertificateExpiryAndReviewCounts() throws Exception {
        try (var server = TestServer.start(AdmissionConfig.defaults())) {
            server.post("/validate/exposure", Files.readString(Path.of("src/test/resources/admission/service-nodeport-create.json")));
            var expiry = server.context().getBean(ServingCertificateProvider.class).current().leaf().getNotAfter().getTime() / 1000;

            var metrics = server.send(HttpClient.newHttpClient(), HttpRequest.newBuilder(server.management("/prometheus")).GET().build());

            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.body()).contains("coder_admission_tls_certificate_expiry_seconds");
            assertThat(metrics.body()).containsPattern(
                    "coder_admission_reviews_total\\{[^}]*outcome=\"denied\"[^}]*webhook=\"/validate/exposure\"[^}]*} 1\\.0");
            var gauge = metrics.body().lines().filter(l -> l.startsWith("coder_admission_tls_certificate_expiry_seconds")).findFirst().orElseThrow();
            assertThat(Double.parseDouble(gauge.substring(gauge.lastIndexOf(' ') + 1))).isEqualTo((double) expiry);
        }
    }
}
