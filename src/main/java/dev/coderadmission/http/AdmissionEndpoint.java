package dev.coderadmission.http;

import dev.coderadmission.admission.AdmissionHandler;
import dev.coderadmission.admission.AdmissionReviews;
import dev.coderadmission.admission.Webhook;
import dev.coderadmission.config.AdmissionConfig;
import dev.coderadmission.policy.Webhooks;
import dev.coderadmission.runtime.Shutdown;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import jakarta.inject.Singleton;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Answers every request of the admission (HTTPS) port inside Micronaut's Netty pipeline, right after the
 * HTTP/1.1 codec and {@link ConnectionGuard}: the body is copied once into a byte array, judged by
 * {@link AdmissionHandler} on the event loop (CPU only, no I/O) and answered with a full response.
 * Micronaut's router, argument binding and response compression are not on this path: they cost ten
 * times the policy per review (issue 13), and gzip of a 7 KB patch, which kube-apiserver's client
 * accepts, cost more than the whole review. Nothing else is served on this port (health and metrics
 * have their own), so nothing reaches Micronaut's handler behind this one.
 *
 * <p>The protocol answers: 404 for an unknown path (naming the served ones), 405 with {@code Allow: POST}
 * for another method on a webhook path, 415 for a body that is not JSON, 413 over
 * {@code server.max-request-bytes} (Content-Length or chunks as they come), 400/500/503 from
 * {@link AdmissionHandler}; each a Kubernetes {@code Status}, sent once the request's body has been read
 * (a client still uploading may not read an early answer), except after {@code Expect: 100-continue},
 * where the refusal replaces the 100 and the connection closes.
 *
 * <p>Micronaut's graceful shutdown closes each connection through this handler; a connection with a
 * request being received is closed once that request is answered, so no review in flight is cut off.
 * (ConnectionGuard's deadlines close from the head of the pipeline, past this.)
 */
@Singleton
final class AdmissionEndpoint {
    private static final byte[] NO_BODY = new byte[0];

    private final Map<String, Webhook> byPath;
    private final String served;
    private final ReviewMetrics metrics;
    private final Shutdown shutdown;
    private final int maxRequestBytes;

    AdmissionEndpoint(Webhooks webhooks, ReviewMetrics metrics, Shutdown shutdown, AdmissionConfig config) {
        var paths = new HashMap<String, Webhook>();
        webhooks.all().forEach(webhook -> paths.put(webhook.path(), webhook));
        this.byPath = Map.copyOf(paths);
        this.served = webhooks.all().stream().map(Webhook::path).toList().toString();
        this.metrics = metrics;
        this.shutdown = shutdown;
        this.maxRequestBytes = (int) Math.min(Integer.MAX_VALUE - 16, config.server().maxRequestBytes());
    }

    /** The handler of one connection (it holds that connection's request state). */
    ChannelDuplexHandler newHandler() {
        return new PerConnection();
    }

    /** An answer decided from the request head alone, sent once the body has been read and dropped. */
    private record Refusal(HttpResponseStatus status, String reason, String message, boolean allowPost) {
        AdmissionHandler.Answer answer() {
            return new AdmissionHandler.Answer(status.code(), AdmissionReviews.errorStatus(status.code(), reason, message),
                    "invalid", "", "");
        }
    }

    private Refusal refusal(HttpRequest request, String path, Webhook webhook) {
        if (request.decoderResult().isFailure()) {
            return new Refusal(HttpResponseStatus.BAD_REQUEST, "BadRequest", "malformed HTTP request", false);
        }
        boolean admissionPath = webhook != null || path.startsWith("/validate/") || path.startsWith("/mutate/");
        if (!HttpMethod.POST.equals(request.method())) {
            return admissionPath
                    ? new Refusal(HttpResponseStatus.METHOD_NOT_ALLOWED, "MethodNotAllowed",
                            request.method() + " " + path + ": admission webhooks accept POST only", true)
                    : new Refusal(HttpResponseStatus.NOT_FOUND, "NotFound", "nothing is served at " + path + " on this port; "
                            + "webhooks: " + served + " (health and metrics are on server.management-port)", false);
        }
        if (webhook == null) {
            return new Refusal(HttpResponseStatus.NOT_FOUND, "NotFound", "no webhook at " + path + "; served: " + served, false);
        }
        var contentType = request.headers().get(HttpHeaderNames.CONTENT_TYPE);
        if (contentType != null && !isJson(contentType)) {
            return new Refusal(HttpResponseStatus.UNSUPPORTED_MEDIA_TYPE, "UnsupportedMediaType",
                    "Content-Type " + contentType + " is not application/json; kube-apiserver sends AdmissionReviews as JSON", false);
        }
        if (HttpUtil.getContentLength(request, -1L) > maxRequestBytes) {
            return tooLarge(path);
        }
        return null;
    }

    private Refusal tooLarge(String path) {
        return new Refusal(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "RequestEntityTooLarge",
                "request body of " + path + " exceeds server.max-request-bytes (" + maxRequestBytes + " bytes)", false);
    }

    private static boolean isJson(String contentType) {
        var semicolon = contentType.indexOf(';');
        var type = (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).trim();
        return type.equalsIgnoreCase("application/json");
    }

    private static String pathOf(String uri) {
        var query = uri.indexOf('?');
        return query < 0 ? uri : uri.substring(0, query);
    }

    /**
     * One connection's request in progress. Everything runs on the connection's event loop, so no field
     * needs synchronisation.
     */
    private final class PerConnection extends ChannelDuplexHandler {
        /** The request being received; null between requests. */
        private HttpRequest head;
        private String path;
        private Webhook webhook;
        private Refusal refusal;
        private byte[] body = NO_BODY;
        private int length;
        /** Bytes of the body seen, kept (up to the limit) or not. */
        private long received;
        /** Micronaut asked to close while a request was in progress: close after its answer. */
        private ChannelPromise pendingClose;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof HttpRequest request) {
                    begin(ctx, request);
                }
                if (msg instanceof HttpContent content && head != null) {
                    receive(ctx, content);
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        private void begin(ChannelHandlerContext ctx, HttpRequest request) {
            metrics.started();
            head = request;
            path = pathOf(request.uri());
            webhook = byPath.get(path);
            refusal = refusal(request, path, webhook);
            received = 0;
            length = 0;
            // only read once refusal() has checked the head: an unparsable Content-Length is a decoder failure
            var declared = refusal != null ? 0 : HttpUtil.getContentLength(request, -1L);
            body = declared == 0 ? NO_BODY : new byte[(int) (declared > 0 ? declared : 16_384)];
            if (request.decoderResult().isFailure()) {
                // Netty's decoder discards the rest of the connection's bytes after a bad head, so no
                // last content will come: answer now and close
                refuse(ctx, refusal, true);
                return;
            }
            if (HttpUtil.is100ContinueExpected(request)) {
                if (refusal != null) {
                    // the client waits for our word before it sends the body: answer now, and close, since
                    // it may send the body all the same
                    refuse(ctx, refusal, true);
                    return;
                }
                ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE,
                        Unpooled.EMPTY_BUFFER));
            }
        }

        private void receive(ChannelHandlerContext ctx, HttpContent content) {
            var bytes = content.content();
            var readable = bytes.readableBytes();
            received += readable;
            if (refusal == null && readable > 0) {
                if (received > maxRequestBytes) {
                    refusal = tooLarge(path);
                    body = NO_BODY;
                } else {
                    if (length + readable > body.length) {
                        body = Arrays.copyOf(body, (int) Math.min(maxRequestBytes, Math.max(body.length * 2L, length + readable)));
                    }
                    bytes.getBytes(bytes.readerIndex(), body, length, readable);
                    length += readable;
                }
            }
            if (content instanceof LastHttpContent) {
                if (refusal != null) {
                    refuse(ctx, refusal, false);
                    return;
                }
                var served = webhook;
                var size = length;
                var start = System.nanoTime();
                var answer = AdmissionHandler.handle(served, size == body.length ? body : Arrays.copyOf(body, size));
                answer(ctx, answer, null, false);
                metrics.record(served.path(), size, answer, System.nanoTime() - start);
                metrics.finished();
            }
        }

        private void refuse(ChannelHandlerContext ctx, Refusal refused, boolean close) {
            var answer = refused.answer();
            var path = webhook != null ? webhook.path() : "unknown";
            var size = (int) Math.min(received, Integer.MAX_VALUE);
            answer(ctx, answer, refused, close);
            metrics.record(path, size, answer, 0);
            metrics.finished();
        }

        private void answer(ChannelHandlerContext ctx, AdmissionHandler.Answer answer, Refusal refused, boolean close) {
            var content = Unpooled.wrappedBuffer(answer.body());
            var response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(answer.status()), content);
            var headers = response.headers();
            headers.set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, content.readableBytes());
            if (refused != null && refused.allowPost()) {
                headers.set(HttpHeaderNames.ALLOW, "POST");
            }
            // during the drain: the client's next review goes to a new connection, so to a replica that is not stopping
            boolean keepAlive = !close && HttpUtil.isKeepAlive(head) && !shutdown.draining() && pendingClose == null
                    && !head.decoderResult().isFailure();
            if (!keepAlive) {
                headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            } else if (head.protocolVersion().equals(HttpVersion.HTTP_1_0)) {
                headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            }
            head = null;
            webhook = null;
            refusal = null;
            body = NO_BODY;
            var written = ctx.writeAndFlush(response);
            if (!keepAlive) {
                var promise = pendingClose;
                pendingClose = null;
                written.addListener((ChannelFutureListener) f -> {
                    if (promise != null) {
                        ctx.close(promise);
                    } else {
                        ctx.close();
                    }
                });
            }
        }

        @Override
        public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
            if (head != null) {
                pendingClose = promise; // answered first (see the class comment)
                return;
            }
            ctx.close(promise);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (head != null) {
                head = null;
                body = NO_BODY;
                metrics.finished();
            }
            if (pendingClose != null) {
                pendingClose.trySuccess();
                pendingClose = null;
            }
            ctx.fireChannelInactive();
        }
    }
}
