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
 */
public final class FaultyApiServer implements AutoCloseable {
    private final KubernetesMockServer server;
    private final KubernetesClient client;
    private final AtomicInteger refused = new AtomicInteger();
    private volatile Predicate<RecordedRequest> fault = request -> false;

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
                return crud.dispatch(request);
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
