package dev.coderadmission.support;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;

import java.util.HashMap;
import java.util.Queue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * fabric8's mock API server in CRUD mode, with faults injected on demand: while a fault is on, the
 * requests it matches are answered 503 as an overloaded or restarting kube-apiserver answers them.
 * Lists honour {@code limit} and {@code continue} as kube-apiserver does (the CRUD mode ignores them),
 * and every request is recorded.
 */
public final class FaultyApiServer implements AutoCloseable {
    private final KubernetesMockServer server;
    private final KubernetesClient client;
    private final AtomicInteger refused = new AtomicInteger();
    private volatile Predicate<RecordedRequest> fault = request -> false;
    private final java.util.List<String> requests = new java.util.concurrent.CopyOnWriteArrayList<>();

    public FaultyApiServer() {
        var responses = new HashMap<ServerRequest, Queue<ServerResponse>>();
        var crud = new KubernetesMixedDispatcher(responses);
        var dispatcher = new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                if (fault.test(request)) {
                    refused.incrementAndGet();
                    return new MockResponse().setResponseCode(503).setBody("{\"apiVersion\":\"v1\",\"kind\":\"Status\","
                            + "\"status\":\"Failure\",\"reason\":\"ServiceUnavailable\",\"code\":503}");
                }
                requests.add(request.getMethod() + " " + request.getPath());
                return paged(request, crud.dispatch(request));
            }

            @Override
            public void shutdown() {
                crud.shutdown();
            }
        };
        server = new KubernetesMockServer(new Context(), new MockWebServer(), responses, dispatcher, false);
        server.init();
        // one quick retry inside a call, as the real client would do before reporting to the informer
        client = server.createClient(builder -> builder.editOrNewConfig()
                .withRequestRetryBackoffLimit(1).withRequestRetryBackoffInterval(50).endConfig());
    }

    /** A list answer cut to {@code limit} items from the offset a {@code continue} token carries. */
    private static MockResponse paged(RecordedRequest request, MockResponse response) {
        var query = java.net.URI.create(request.getPath()).getRawQuery();
        if (!"GET".equals(request.getMethod()) || query == null || !query.contains("limit=") || response.getBody() == null) {
            return response;
        }
        var parameters = new java.util.HashMap<String, String>();
        for (var pair : query.split("&")) {
            var kv = pair.split("=", 2);
            parameters.put(kv[0], kv.length > 1 ? java.net.URLDecoder.decode(kv[1], java.nio.charset.StandardCharsets.UTF_8) : "");
        }
        try {
            var list = (com.fasterxml.jackson.databind.node.ObjectNode) dev.coderadmission.admission.AdmissionReviews.JSON
                    .readTree(response.getBody().readUtf8());
            if (!list.path("items").isArray()) {
                return response.setBody(list.toString());
            }
            var items = (com.fasterxml.jackson.databind.node.ArrayNode) list.path("items");
            var from = parameters.getOrDefault("continue", "").isEmpty() ? 0 : Integer.parseInt(parameters.get("continue"));
            var limit = Integer.parseInt(parameters.get("limit"));
            var page = items.arrayNode();
            for (int i = from; i < Math.min(items.size(), from + limit); i++) {
                page.add(items.get(i));
            }
            list.set("items", page);
            list.withObjectProperty("metadata").put("continue", from + limit < items.size() ? String.valueOf(from + limit) : "");
            return response.setBody(list.toString());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** "METHOD /path?query" of every request the server answered from its store (not the refused ones). */
    public java.util.List<String> requests() {
        return java.util.List.copyOf(requests);
    }

    /** Every request: the API server is down. */
    public static Predicate<RecordedRequest> everything() {
        return request -> true;
    }

    /** Writes to coordination.k8s.io Leases (renewals and takeovers). */
    public static Predicate<RecordedRequest> leaseWrites() {
        return request -> request.getPath().contains("/leases") && !"GET".equals(request.getMethod());
    }

    /** List and watch requests of one resource, e.g. "services": an informer's first list fails. */
    public static Predicate<RecordedRequest> reads(String resource) {
        return request -> "GET".equals(request.getMethod()) && request.getPath().contains("/" + resource);
    }

    public KubernetesClient client() {
        return client;
    }

    public void fail(Predicate<RecordedRequest> requests) {
        fault = requests;
    }

    public void heal() {
        fault = request -> false;
    }

    /** How many requests the faults refused. */
    public int refused() {
        return refused.get();
    }

    @Override
    public void close() {
        client.close();
        server.destroy();
    }
}
