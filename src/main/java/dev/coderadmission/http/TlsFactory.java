package dev.coderadmission.http;

import dev.coderadmission.config.AdmissionConfig;
import dev.coderadmission.runtime.Background;
import dev.coderadmission.tls.EphemeralCertificateSource;
import dev.coderadmission.tls.FileCertificateSource;
import dev.coderadmission.tls.SelfManagedCertificateSource;
import dev.coderadmission.tls.ServingCertificateSource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micronaut.context.annotation.Bean;
import io.micronaut.context.annotation.Factory;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Singleton;

import java.nio.file.Path;
import java.time.Clock;

/** The serving certificate's source, by {@code tls.mode}. */
@Factory
class TlsFactory {
    @Singleton
    @Bean(preDestroy = "close")
    ServingCertificateSource servingCertificateSource(AdmissionConfig config, @Nullable KubernetesClient client,
                                                      Background background) {
        var tls = config.tls();
        return switch (tls.mode()) {
            case EPHEMERAL -> new EphemeralCertificateSource(tls.keyType());
            case FILES -> new FileCertificateSource(Path.of(tls.certFile()), Path.of(tls.keyFile()), tls.reloadInterval());
            case SELF_MANAGED -> {
                var leadership = background.leadership().orElse(null);
                if (client == null || leadership == null) {
                    throw new IllegalStateException("tls.mode self-managed keeps its certificates in a Secret and needs "
                            + "a Kubernetes API server (kubernetes.enabled)");
                }
                var source = new SelfManagedCertificateSource(client, tls, tls.serviceNamespace(System.getenv()), leadership,
                        Clock.systemUTC());
                background.register(source);
                yield source;
            }
        };
    }
}
