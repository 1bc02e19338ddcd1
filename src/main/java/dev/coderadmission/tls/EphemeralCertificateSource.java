package dev.coderadmission.tls;

import dev.coderadmission.config.TlsConfig.KeyType;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The out-of-the-box certificate ({@code tls.mode: ephemeral}): self-signed, made at start-up, for
 * localhost and the names a Service called {@code coder-admission} would have. Fine for trying the
 * webhook locally; a cluster needs a CA the API server trusts (self-managed or files mode).
 */
public final class EphemeralCertificateSource implements ServingCertificateSource {
    static final List<String> NAMES = List.of("localhost", "127.0.0.1", "::1",
            "coder-admission", "coder-admission.coder-admission.svc",
            "coder-admission.coder-admission.svc.cluster.local");

    private final KeyType keyType;

    public EphemeralCertificateSource(KeyType keyType) {
        this.keyType = keyType;
    }

    @Override
    public KeyMaterial initial() {
        return Certificates.selfSignedServing(NAMES, Duration.ofDays(365), keyType, Instant.now());
    }
}
