package dev.coderadmission.runtime;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.coderadmission.admission.AdmissionReviews;
import dev.coderadmission.config.AdmissionConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.event.ApplicationEventListener;
import io.micronaut.runtime.server.event.ServerStartupEvent;
import io.micronaut.core.annotation.Nullable;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Health probes and metrics on {@code server.management-port}, plain HTTP, served by the JDK's own
 * HTTP server on threads of its own. kubelet's probes must answer within their timeout however busy
 * the admission port's event loops are (a burst of multi-megabyte reviews), so they share neither
 * threads nor connection limits with it.
 *
 * <ul>
 *   <li>{@code /health/liveness}: DOWN (503) when an informer has been down longer than
 *       {@code kubernetes.informer-restart-after}, so kubelet restarts the replica;</li>
 *   <li>{@code /health/readiness}: DOWN until the HTTPS listener is bound, while an informer has not listed
 *       yet, and while the replica is draining;</li>
 *   <li>{@code /health}: both; {@code /prometheus}: the metrics in Prometheus' text format.</li>
 * </ul>
 */
@Singleton
@Context
public class ManagementServer implements AutoCloseable, ApplicationEventListener<ServerStartupEvent> {
    private static final Logger LOG = LoggerFactory.getLogger(ManagementServer.class);

    private final Background background;
    private final Shutdown shutdown;
    private final PrometheusMeterRegistry prometheus;
    private final HttpServer server;
    private final ExecutorService threads;
    /** This server starts before the HTTPS listener binds: not ready until that has happened. */
    private volatile boolean listening;

    public ManagementServer(AdmissionConfig config, Background background, Shutdown shutdown,
                            @Nullable PrometheusMeterRegistry prometheus) {
        this.background = background;
        this.shutdown = shutdown;
        this.prometheus = prometheus;
        var address = new InetSocketAddress(config.server().host(), config.server().managementPort());
        try {
            server = HttpServer.create(address, 16);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on " + address + " (server.management-port)", e);
        }
        // two threads: a scrape and a probe never wait for each other
        threads = Executors.newFixedThreadPool(2, Thread.ofPlatform().name("management-", 0).daemon().factory());
        server.setExecutor(threads);
        server.createContext("/", this::handle);
        server.start();
        LOG.debug("health and metrics on http://{}:{}", config.server().host(), config.server().managementPort());
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            var path = exchange.getRequestURI().getPath();
            var known = path.equals("/health") || path.startsWith("/health/") || path.equals("/prometheus");
            if (known && !"GET".equals(exchange.getRequestMethod()) && !"HEAD".equals(exchange.getRequestMethod())) {
                exchange.getResponseHeaders().add("Allow", "GET");
                send(exchange, 405, "application/json", AdmissionReviews.errorStatus(405, "MethodNotAllowed",
                        exchange.getRequestMethod() + " " + path + " is not allowed"));
                return;
            }
            switch (path) {
                case "/health/liveness" -> health(exchange, List.of(liveness()));
                case "/health/readiness" -> health(exchange, List.of(readiness()));
                case "/health" -> health(exchange, List.of(liveness(), readiness()));
                case "/prometheus" -> {
                    if (prometheus == null) {
                        send(exchange, 404, "application/json", AdmissionReviews.errorStatus(404, "NotFound", "metrics are off"));
                    } else {
                        send(exchange, 200, "text/plain; version=0.0.4; charset=utf-8",
                                prometheus.scrape().getBytes(StandardCharsets.UTF_8));
                    }
                }
                default -> send(exchange, 404, "application/json", AdmissionReviews.errorStatus(404, "NotFound",
                        "nothing is served at " + path + " on the management port; health: /health, /health/liveness, "
                                + "/health/readiness; metrics: /prometheus; admission is served over HTTPS on server.port"));
            }
        } catch (RuntimeException e) {
            LOG.error("management request {} failed", exchange.getRequestURI(), e);
        }
    }

    private record Check(String name, boolean up, ObjectNode details) {
    }

    private Check liveness() {
        var details = AdmissionReviews.JSON.createObjectNode();
        var down = background.downTooLong();
        details.putPOJO("informersDownTooLong", down);
        return new Check("liveness", down.isEmpty(), details);
    }

    private Check readiness() {
        var details = AdmissionReviews.JSON.createObjectNode();
        var unsynced = background.unsynced();
        details.putPOJO("unsynced", unsynced);
        details.put("draining", shutdown.draining());
        details.put("listening", listening);
        return new Check("readiness", listening && unsynced.isEmpty() && !shutdown.draining(), details);
    }

    private static void health(HttpExchange exchange, List<Check> checks) throws IOException {
        var up = checks.stream().allMatch(Check::up);
        var body = AdmissionReviews.JSON.createObjectNode();
        body.put("status", up ? "UP" : "DOWN");
        var components = body.putObject("details");
        for (var check : checks) {
            var component = components.putObject(check.name());
            component.put("status", check.up() ? "UP" : "DOWN");
            component.set("details", check.details());
        }
        send(exchange, up ? 200 : 503, "application/json", AdmissionReviews.JSON.writeValueAsBytes(body));
    }

    private static void send(HttpExchange exchange, int status, String contentType, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", contentType);
        var head = "HEAD".equals(exchange.getRequestMethod());
        exchange.sendResponseHeaders(status, head ? -1 : body.length);
        if (!head) {
            exchange.getResponseBody().write(body);
        }
    }

    @Override
    public void onApplicationEvent(ServerStartupEvent event) {
        listening = true;
    }

    @Override
    @PreDestroy
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
