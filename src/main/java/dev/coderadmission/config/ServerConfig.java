package dev.coderadmission.config;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import java.time.Duration;

/**
 * Listeners of {@code serve} ({@code coder-admission.server.*}).
 *
 * @param port               HTTPS port for the admission webhooks (0: any free port)
 * @param managementPort     plain HTTP port for health probes
 * @param host               bind address of both listeners
 * @param maxRequestBytes    larger admission requests are refused with 413
 * @param shutdownDrain      on SIGTERM: how long readiness is down while reviews are still answered
 *                           (each with {@code Connection: close}) before the server stops accepting
 * @param shutdownGracePeriod then: how long reviews in flight may take to finish before the process exits
 * @param maxConnections     admission (HTTPS) connections open at once; more are closed on accept
 * @param requestTimeout     a request must arrive whole within this time of its first byte
 * @param idleTimeout        a connection without a request for this long is closed
 * @param maxInFlightBytes   request bodies received or being judged at once, across connections; a review
 *                           beyond it is answered 429 (one review is always admitted)
 */
@JsonNaming(PropertyNamingStrategies.KebabCaseStrategy.class)
public record ServerConfig(Integer port, Integer managementPort, String host, Long maxRequestBytes,
                           Duration shutdownDrain, Duration shutdownGracePeriod, Integer maxConnections,
                           Duration requestTimeout, Duration idleTimeout, Long maxInFlightBytes) {

    /**
     * kube-apiserver caps an object at etcd's 1.5 MiB request limit, and an AdmissionReview carries
     * the object twice on UPDATE (object and oldObject) plus JSON overhead: 3 MiB fits every real
     * review while refusing anything abusive before it is buffered.
     */
    public static final long DEFAULT_MAX_REQUEST_BYTES = 3L * 1024 * 1024;

    public ServerConfig {
        port = Defaults.value(port, 8443);
        managementPort = Defaults.value(managementPort, 8080);
        host = Defaults.value(host, "0.0.0.0");
        maxRequestBytes = Defaults.value(maxRequestBytes, DEFAULT_MAX_REQUEST_BYTES);
        // kube-apiserver's webhook timeout is at most 30 s, 10 s by default: 15 s finish any real review
        shutdownDrain = Defaults.value(shutdownDrain, Duration.ofSeconds(3));
        shutdownGracePeriod = Defaults.value(shutdownGracePeriod, Duration.ofSeconds(15));
        // kube-apiserver keeps a few dozen connections per replica; the container's fd limit is far higher
        maxConnections = Defaults.value(maxConnections, 1024);
        // kube-apiserver sends a whole review at once; its own webhook timeout is 10 s by default
        requestTimeout = Defaults.value(requestTimeout, Duration.ofSeconds(10));
        // Go's http.Transport drops idle connections after 90 s: close later than the client does
        idleTimeout = Defaults.value(idleTimeout, Duration.ofSeconds(120));
        // a parsed review takes several times its size on the heap: 16 MiB keeps a burst of the largest
        // reviews well inside the chart's memory limit while thousands of ordinary ones fit
        maxInFlightBytes = Defaults.value(maxInFlightBytes, 16L * 1024 * 1024);
        if (maxInFlightBytes < 1) {
            throw new IllegalArgumentException("server.max-in-flight-bytes must be positive");
        }
        if (maxConnections < 1) {
            throw new IllegalArgumentException("server.max-connections must be at least 1");
        }
        if (!requestTimeout.isPositive() || !idleTimeout.isPositive()) {
            throw new IllegalArgumentException("server.request-timeout and server.idle-timeout must be positive");
        }
        if (shutdownDrain.isNegative() || shutdownGracePeriod.isNegative()) {
            throw new IllegalArgumentException("server.shutdown-drain and server.shutdown-grace-period must not be negative");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("server.port " + port + " is not a TCP port (0-65535; 0: any free port)");
        }
        if (managementPort < 1 || managementPort > 65535) {
            throw new IllegalArgumentException("server.management-port " + managementPort + " is not a TCP port (1-65535)");
        }
        if (port.equals(managementPort)) {
            throw new IllegalArgumentException("server.port and server.management-port must differ");
        }
        if (maxRequestBytes < 1024 || maxRequestBytes > Integer.MAX_VALUE) {
            // below 1 KiB no AdmissionReview fits; above 2 GiB Netty cannot buffer it
            throw new IllegalArgumentException("server.max-request-bytes " + maxRequestBytes
                    + " must be between 1024 and 2147483647");
        }
    }

    public static ServerConfig defaults() {
        return new ServerConfig(null, null, null, null, null, null, null, null, null, null);
    }
}
