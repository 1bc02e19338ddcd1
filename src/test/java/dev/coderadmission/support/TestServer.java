package dev.coderadmission.support;

import dev.coderadmission.config.AdmissionConfig;
import dev.coderadmission.config.ServerConfig;
import dev.coderadmission.http.AdmissionServer;
import dev.coderadmission.tls.ServingCertificateProvider;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.time.Duration;

/**
 * A real webhook server on loopback, started exactly as {@code serve} starts it, and an HTTPS client
 * that trusts only the server's own certificate (no trust-all shortcut).
 */
public final class TestServer implements AutoCloseable {
    private final ApplicationContext context;
    private final HttpClient client;
    private final int managementPort;

    private TestServer(ApplicationContext context, int managementPort) {
        this.context = context;
        this.managementPort = managementPort;
        this.client = HttpClient.newBuilder()
                .sslContext(trusting(context.getBean(ServingCertificateProvider.class)))
                .connectTimeout(Duration.ofSeconds(5))
                .build();
    }

    public static TestServer start(AdmissionConfig config) {
        return start(config, null);
    }

    /** @param kubernetes the API server (e.g. fabric8's mock server's client), or null */
    public static TestServer start(AdmissionConfig config, KubernetesClient kubernetes) {
        var management = freePort();
        var given = config.server();
        // loopback and free ports; a short drain; every other server setting as the test configured it
        var server = new ServerConfig(0, management, "127.0.0.1", given.maxRequestBytes(), Duration.ofMillis(500),
                given.shutdownGracePeriod(), given.maxConnections(), given.requestTimeout(), given.idleTimeout(),
                given.maxInFlightBytes());
        return new TestServer(AdmissionServer.start(config.withServer(server), kubernetes), management);
    }

    private static SSLContext trusting(ServingCertificateProvider provider) {
        try {
            var trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("server", provider.current().leaf());
            var factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(trust);
            var ssl = SSLContext.getInstance("TLS");
            ssl.init(null, factory.getTrustManagers(), null);
            return ssl;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static int freePort() {
        try (var socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public ApplicationContext context() {
        return context;
    }

    public HttpClient client() {
        return client;
    }

    public URI https(String path) {
        return URI.create("https://localhost:" + context.getBean(EmbeddedServer.class).getPort() + path);
    }

    public URI management(String path) {
        return URI.create("http://127.0.0.1:" + managementPort + path);
    }

    public int httpsPort() {
        return context.getBean(EmbeddedServer.class).getPort();
    }

    /** POSTs {@code body} as kube-apiserver does: JSON, with a timeout. */
    public HttpResponse<String> post(String path, String body) {
        return send(HttpRequest.newBuilder(https(path))
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
                .build());
    }

    public HttpResponse<String> send(HttpRequest request) {
        return send(client, request);
    }

    public HttpResponse<String> send(HttpClient with, HttpRequest request) {
        try {
            return with.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        context.close();
    }
}
