package dev.coderadmission.http;

import dev.coderadmission.admission.AdmissionReviews;
import dev.coderadmission.config.AdmissionConfig;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Error;
import io.micronaut.http.exceptions.ContentLengthExceededException;

/**
 * A body over {@code server.max-request-bytes}, which Micronaut detects before our controller runs,
 * answered like every other admission error: a Kubernetes {@code Status} (kube-apiserver logs its
 * message), not Micronaut's {@code _links} JSON. (Status-code handlers are not used for 405/415: a
 * global handler for a status also catches the responses our own controller returns with it.)
 */
@Controller
public class ProtocolErrors {
    private final long maxRequestBytes;

    public ProtocolErrors(AdmissionConfig config) {
        this.maxRequestBytes = config.server().maxRequestBytes();
    }

    @Error(global = true, exception = ContentLengthExceededException.class)
    public HttpResponse<byte[]> tooLarge(HttpRequest<?> request) {
        return status(HttpStatus.REQUEST_ENTITY_TOO_LARGE, "RequestEntityTooLarge", "request body of " + request.getPath()
                + " exceeds server.max-request-bytes (" + maxRequestBytes + " bytes)");
    }

    private static HttpResponse<byte[]> status(HttpStatus status, String reason, String message) {
        return HttpResponse.<byte[]>status(status).contentType(MediaType.APPLICATION_JSON_TYPE)
                .body(AdmissionReviews.errorStatus(status.getCode(), reason, message));
    }
}
