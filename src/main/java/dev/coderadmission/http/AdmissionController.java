package dev.coderadmission.http;

import dev.coderadmission.runtime.Shutdown;
import io.micronaut.http.HttpHeaders;
import dev.coderadmission.admission.AdmissionHandler;
import dev.coderadmission.admission.AdmissionReviews;
import dev.coderadmission.policy.Webhooks;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Post;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The HTTP shell around {@link AdmissionHandler}. Handling is CPU-only (no I/O, no locks), so it runs
 * on the Netty event loop without {@code @ExecuteOn}: a thread hop would cost more than the policy.
 */
@Controller
public class AdmissionController {
    private final Webhooks webhooks;
    private final MeterRegistry registry;
    /** Counters by "path outcome": looked up once, so a review costs a map read, not a registry lookup. */
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();

    private final Shutdown shutdown;

    public AdmissionController(Webhooks webhooks, MeterRegistry registry, Shutdown shutdown) {
        this.webhooks = webhooks;
        this.registry = registry;
        this.shutdown = shutdown;
    }

    @Post(uri = "/validate/{name}", consumes = MediaType.APPLICATION_JSON, produces = MediaType.APPLICATION_JSON)
    public HttpResponse<byte[]> validate(String name, @Nullable @Body byte[] body) {
        return review("/validate/" + name, body);
    }

    @Post(uri = "/mutate/{name}", consumes = MediaType.APPLICATION_JSON, produces = MediaType.APPLICATION_JSON)
    public HttpResponse<byte[]> mutate(String name, @Nullable @Body byte[] body) {
        return review("/mutate/" + name, body);
    }

    private HttpResponse<byte[]> review(String path, byte[] body) {
        var webhook = webhooks.byPath(path);
        if (webhook.isEmpty()) {
            return HttpResponse.<byte[]>status(io.micronaut.http.HttpStatus.NOT_FOUND)
                    .contentType(MediaType.APPLICATION_JSON_TYPE)
                    .body(AdmissionReviews.errorStatus(404, "NotFound", "no webhook at " + path
                            + "; served: " + webhooks.all().stream().map(w -> w.path()).toList()));
        }
        var answer = AdmissionHandler.handle(webhook.get(), body);
        counters.computeIfAbsent(path + " " + answer.outcome(), key -> Counter.builder("coder.admission.reviews")
                .description("AdmissionReviews answered, by webhook and outcome")
                .tag("webhook", path).tag("outcome", answer.outcome())
                .register(registry)).increment();
        var response = HttpResponse.<byte[]>status(io.micronaut.http.HttpStatus.valueOf(answer.status()))
                .contentType(MediaType.APPLICATION_JSON_TYPE)
                .body(answer.body());
        if (shutdown.draining()) {
            // the client's next review goes to a new connection, so to a replica that is not stopping
            response.header(HttpHeaders.CONNECTION, "close");
        }
        return response;
    }
}
