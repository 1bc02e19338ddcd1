package dev.coderadmission.cli;

import dev.coderadmission.config.TlsConfig.KeyType;
import dev.coderadmission.tls.Certificates;
import dev.coderadmission.tls.Pem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code serve} refuses what it cannot run with: one line on stderr, exit 2, before anything starts. */
class ServeCommandTest {
    private static final Certificates.Authority CA =
            Certificates.newAuthority("serve-ca", Duration.ofDays(30), KeyType.ECDSA, Instant.now());

    private static DryRunCommandTest.Run serve(Path dir, String yaml) throws Exception {
        var config = dir.resolve("config.yaml");
        Files.writeString(config, yaml);
        return DryRunCommandTest.run("serve", "--config", config.toString());
    }

    private static void assertRefused(DryRunCommandTest.Run run, String... messages) {
        assertThat(run.exitCode()).as(run.err()).isEqualTo(2);
        assertThat(run.err().strip().lines()).as("one line, no stack trace").hasSize(1);
        assertThat(run.err()).startsWith("error: ").contains(messages);
    }

    private static String filesConfig(Path dir) {
        return """
                coder-admission:
                  tls:
                    mode: files
                    cert-file: %s
                    key-file: %s
                """.formatted(dir.resolve("tls.crt"), dir.resolve("tls.key"));
    }

    @Test
    void aKeyThatDoesNotBelongToTheCertificateIsRefused(@TempDir Path dir) throws Exception {
        var one = Certificates.issueServing(CA, List.of("localhost"), Duration.ofDays(1), KeyType.ECDSA, Instant.now());
        var other = Certificates.issueServing(CA, List.of("localhost"), Duration.ofDays(1), KeyType.RSA_2048, Instant.now());
        Files.writeString(dir.resolve("tls.crt"), Pem.certificates(one.chain()));
        Files.writeString(dir.resolve("tls.key"), Pem.privateKey(other.key()));
        assertRefused(serve(dir, filesConfig(dir)), "does not belong to the certificate");
    }

    @Test
    void aMissingCertificateFileIsRefused(@TempDir Path dir) throws Exception {
        assertRefused(serve(dir, filesConfig(dir)), "tls.cert-file", "no such file");
    }

    @Test
    void aMissingClientCaFileIsRefused(@TempDir Path dir) throws Exception {
        assertRefused(serve(dir, """
                coder-admission:
                  tls: {client-ca-file: /nonexistent/ca.crt}
                """), "tls.client-ca-file /nonexistent/ca.crt: no such file");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "a key given twice               | '  exposure: {enabled: true}\n  exposure: {enabled: false}\n'     | Duplicate field 'exposure'",
            "a negative request limit        | '  server: {max-request-bytes: -5}\n'                             | server.max-request-bytes -5",
            "a port beyond 65535             | '  server: {port: 70000}\n'                                       | server.port 70000 is not a TCP port",
            "a zero reload interval          | '  tls: {reload-interval: 0s}\n'                                  | tls.reload-interval must be positive",
            "equal ports                     | '  server: {port: 8080}\n'                                        | must differ",
            "a renew deadline past the lease | '  leader-election: {lease-duration: 5s, renew-deadline: 10s}\n' | retry-period < renew-deadline < lease-duration",
    })
    void invalidConfigIsRefused(String what, String section, String message, @TempDir Path dir) throws Exception {
        assertRefused(serve(dir, "coder-admission:\n" + section.replace("\\n", "\n")), message);
    }
}
