package dev.coderadmission.http;

import dev.coderadmission.tls.ServingCertificateProvider;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.context.annotation.Context;
import jakarta.inject.Singleton;

/**
 * {@code coder_admission_tls_certificate_expiry_seconds}: when the certificate being served expires
 * (Unix time), so an alert can fire long before a failed renewal breaks admission.
 * {@code coder_admission_tls_provider{provider="openssl"|"jdk"}}: 1 for the TLS implementation in
 * use, so a fleet that fell back to the JDK's (slower) TLS shows up on a dashboard.
 */
@Singleton
@Context
public class CertificateMetrics {
    public CertificateMetrics(MeterRegistry registry, ServingCertificateProvider provider) {
        Gauge.builder("coder.admission.tls.certificate.expiry", provider,
                        p -> p.current().leaf().getNotAfter().getTime() / 1000.0)
                .baseUnit("seconds")
                .description("Expiry of the serving certificate, as Unix time")
                .register(registry);
        Gauge.builder("coder.admission.tls.provider", () -> 1)
                .tag("provider", TlsProvider.inUse().label())
                .description("The TLS implementation of the HTTPS listener (1 for the one in use)")
                .register(registry);
    }
}
