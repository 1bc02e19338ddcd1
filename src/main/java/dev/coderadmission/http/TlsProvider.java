package dev.coderadmission.http;

import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslProvider;

/**
 * Which TLS implementation the HTTPS listener runs on. The jar carries BoringSSL
 * ({@code netty-tcnative-boringssl-static}, Linux x86_64 and aarch64): Micronaut builds its server
 * context on it when {@code micronaut.server.ssl.prefer-openssl} (default true) holds and the native
 * library loads, and on the JDK's TLS otherwise (another platform, or a container whose temporary
 * directory is not writable or is mounted {@code noexec}). Same protocols and cipher suites either
 * way; on BoringSSL the server spent a quarter to a third less CPU per review under load (README,
 * Benchmarks). The rule below is
 * Micronaut's own ({@code NettyTlsUtils.sslProvider}), repeated so the log and the metric say what the
 * server chose without reaching into Micronaut's internals.
 */
public enum TlsProvider {
    OPENSSL, JDK;

    public static TlsProvider inUse() {
        return SslProvider.isAlpnSupported(SslProvider.OPENSSL_REFCNT) ? OPENSSL : JDK;
    }

    /** For the start-up log line: the library's version, or why it is not in use. */
    public String describe() {
        if (this == OPENSSL) {
            return OpenSsl.versionString();
        }
        // the useful part is at the bottom of the chain (an ExceptionInInitializerError on top)
        var cause = OpenSsl.unavailabilityCause();
        while (cause != null && cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return "the JDK (BoringSSL did not load: " + cause + ")";
    }

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
