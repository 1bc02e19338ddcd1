package dev.coderadmission.http;

import dev.coderadmission.config.AdmissionConfig;
import dev.coderadmission.tls.ServingCertificateProvider;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.Micronaut;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.micronaut.core.annotation.Nullable;

import java.util.ArrayList;
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

    /**
     * @param client the API server, or null: with one, {@link dev.coderadmission.runtime.Background} starts
     *               the informers, the leader election and the modes that need the API server
     */
    public static ApplicationContext start(AdmissionConfig config, @Nullable KubernetesClient client) {
        // TLS 1.2 lets a client renegotiate over and over, each a full handshake of server CPU; nothing
        // legitimate needs it (TLS 1.3 has none). JSSE reads this once, before its first server handshake.
        System.setProperty("jdk.tls.rejectClientInitiatedRenegotiation", "true");
        // the management port's JDK HTTP server: kubelet and Prometheus need a handful of connections
        // that finish quickly (seconds; read once, when the first such server starts)
        System.setProperty("sun.net.httpserver.maxConnections", "64");
        System.setProperty("sun.net.httpserver.maxReqTime", "10");
        System.setProperty("sun.net.httpserver.maxRspTime", "10");
        System.setProperty("sun.net.httpserver.idleInterval", "30");
        var singletons = new ArrayList<Object>(List.of(config));
        if (client != null) {
            singletons.add(client);
        }
        return Micronaut.build(new String[0])
                .banner(false)
                .properties(properties(config))
                .singletons(singletons.toArray())
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
        // the client CAs, or an empty store when no client certificate is asked for (see the provider)
        props.put("micronaut.server.ssl.trust-name", ServingCertificateProvider.NAME);
        if (config.tls().clientCaFile() != null) {
            // kube-apiserver can present a client certificate (--admission-control-config-file kubeconfig)
            props.put("micronaut.server.ssl.client-authentication", "NEED");
        }
        props.put("micronaut.server.max-request-size", server.maxRequestBytes());
        // epoll on Linux (in the jar for x86_64 and aarch64), NIO elsewhere
        props.put("micronaut.netty.event-loops.default.prefer-native-transport", true);
        props.put("micronaut.server.netty.parent.prefer-native-transport", true);
        props.put("micronaut.server.netty.worker.prefer-native-transport", true);
        // our ConnectionGuard closes idle connections first; Micronaut's timer is only a backstop
        props.put("micronaut.server.idle-timeout", server.idleTimeout().multipliedBy(2).toMillis() + "ms");
        // finish reviews in flight on stop (see runtime.Shutdown for the drain before it)
        props.put("micronaut.lifecycle.graceful-shutdown.enabled", true);
        props.put("micronaut.lifecycle.graceful-shutdown.grace-period", server.shutdownGracePeriod().toMillis() + "ms");
        // Health and metrics are served by runtime.ManagementServer on its own port and threads.
        props.put("endpoints.all.enabled", false);
        props.put("micronaut.metrics.enabled", true);
        props.put("micronaut.metrics.export.prometheus.enabled", true);
        props.put("micronaut.metrics.export.prometheus.descriptions", true);
        return props;
    }
}
