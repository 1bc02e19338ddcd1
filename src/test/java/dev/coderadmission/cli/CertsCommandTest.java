package dev.coderadmission.cli;

import dev.coderadmission.config.AdmissionConfig;
import dev.coderadmission.config.TlsConfig;
import dev.coderadmission.support.Tls;
import dev.coderadmission.support.TestServer;
import dev.coderadmission.tls.Pem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.util.Base64;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class CertsCommandTest {

    @Test
    void writesAChainThatAClientTrustingOnlyTheCaAcceptsFromTheRunningServer(@TempDir Path dir) throws Exception {
        var run = DryRunCommandTest.run("certs", "--out", dir.toString(), "--dns", "localhost", "--ip", "127.0.0.1", "--days", "30");

        assertThat(run.exitCode()).isZero();
        for (var name : List.of("ca.crt", "ca.key", "tls.crt", "tls.key")) {
            assertThat(dir.resolve(name)).exists();
        }
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("ca.key")))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("tls.key")))).isEqualTo("rw-------");
        var caPem = Files.readString(dir.resolve("ca.crt"));
        assertThat(run.out().trim()).isEqualTo(Base64.getEncoder().encodeToString(caPem.getBytes(StandardCharsets.US_ASCII)));
        var chain = Pem.parseCertificates(Files.readString(dir.resolve("tls.crt")));
        assertThat(chain).hasSize(2);
        assertThat(chain.get(0).getNotAfter().toInstant()).isBetween(java.time.Instant.now().plus(Duration.ofDays(29)),
                java.time.Instant.now().plus(Duration.ofDays(31)));

        var tls = TlsConfig.builder().files(dir.resolve("tls.crt").toString(), dir.resolve("tls.key").toString(), null).build();
        try (var server = TestServer.start(AdmissionConfig.defaults().withTls(tls))) {
            var served = Tls.served(Tls.trusting(Pem.parseCertificates(caPem)), "localhost", server.httpsPort());
            assertThat(served).isEqualTo(chain.getFirst());
        }
    }

    @Test
    void anExistingCaIsReusedUnlessANewOneIsAskedFor(@TempDir Path dir) throws Exception {
        DryRunCommandTest.run("certs", "--out", dir.toString(), "--dns", "a.example");
        var ca = Files.readString(dir.resolve("ca.crt"));
        var firstLeaf = Files.readString(dir.resolve("tls.crt"));

        var again = DryRunCommandTest.run("certs", "--out", dir.toString(), "--dns", "b.example");
        assertThat(again.err()).contains("reusing the CA");
        assertThat(Files.readString(dir.resolve("ca.crt"))).isEqualTo(ca);
        assertThat(Files.readString(dir.resolve("tls.crt"))).isNotEqualTo(firstLeaf);

        DryRunCommandTest.run("certs", "--out", dir.toString(), "--dns", "c.example", "--new-ca");
        assertThat(Files.readString(dir.resolve("ca.crt"))).isNotEqualTo(ca);
    }

    @Test
    void rsaKeysOnRequest(@TempDir Path dir) throws Exception {
        var run = DryRunCommandTest.run("certs", "--out", dir.toString(), "--dns", "x.example", "--key-type", "rsa-3072");

        assertThat(run.exitCode()).isZero();
        var leaf = Pem.parseCertificates(Files.readString(dir.resolve("tls.crt"))).getFirst();
        assertThat(((RSAPublicKey) leaf.getPublicKey()).getModulus().bitLength()).isEqualTo(3072);
    }

    @Test
    void usageErrorsExit2(@TempDir Path dir) throws Exception {
        assertThat(DryRunCommandTest.run("certs", "--out", dir.toString()).exitCode()).isEqualTo(2);
        assertThat(DryRunCommandTest.run("certs", "--out", dir.toString(), "--dns", "x", "--key-type", "dsa").exitCode()).isEqualTo(2);
        Files.writeString(dir.resolve("ca.crt"), "orphan");
        var halfCa = DryRunCommandTest.run("certs", "--out", dir.toString(), "--dns", "x");
        assertThat(halfCa.exitCode()).isEqualTo(2);
        assertThat(halfCa.err()).contains("has only one of ca.crt and ca.key");
    }
}
