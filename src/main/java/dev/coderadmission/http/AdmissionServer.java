package dev.coderadmission.http;

import dev.coderadmission.config.AdmissionConfig;
import dev.coderadmission.tls.ServingCertificateProvider;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.Micronaut;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Starts the webhook server: HTTPS (TLS 1.2/1.3 only) for admission, plain HTTP on a separate port
 * for health probes. {@code serve} and the integration tests both start it through here.
 */
public final class AdmissionServer {
    private AdmissionServer() {
    }

    public static ApplicationContext start(AdmissionConfig config, Object... extraSingletons) {
        var singletons = new Object[extraSingletons.length + 1];
        singletons[0] = config;
        System.arraycopy(extraSingletons, 0, singletons, 1, extraSingletons.length);
        return Micronaut.build(new String[0])
                .banner(false)
                .properties(properties(config))
                .singletons(singletons)
                .start();
    }

    static Map<String, Object> properties(AdmissionConfig config) {
        var server = config.server();
        var props = new HashMap<String, Object>();
        props.put("micronaut.application.name", "coder-admission");
        props.put("micronaut.server.host", server.host());
        props.put("micronaut.server.ssl.enabled", true);
        // Micronaut reads -1 as "any free port"; 0 is our config's spelling of the same.
        props.put("micronaut.server.ssl.port", server.port() == 0 ? -1 : server.port());
        props.put("micronaut.server.ssl.key-name", ServingCertificateProvider.NAME);
        props.put("micronaut.server.ssl.protocols", List.of("TLSv1.3", "TLSv1.2"));
        props.put("micronaut.server.max-request-size", server.maxRequestBytes());
        // Health probes on their own plain-HTTP port: kubelet probes need no certificate.
        props.put("endpoints.all.port", server.managementPort());
        props.put("endpoints.all.enabled", false);
        props.put("endpoints.all.sensitive", false);
        props.put("endpoints.health.enabled", true);
        props.put("endpoints.health.details-visible", "ANONYMOUS");
        props.put("endpoints.health.disk-space.enabled", false);
        return props;
    }
}
