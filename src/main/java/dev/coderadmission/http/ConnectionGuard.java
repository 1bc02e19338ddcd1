package dev.coderadmission.http;

import dev.coderadmission.config.AdmissionConfig;
import io.micronaut.context.event.BeanCreatedEvent;
import io.micronaut.context.event.BeanCreatedEventListener;
import io.micronaut.http.netty.channel.ChannelPipelineCustomizer;
import io.micronaut.http.server.netty.NettyServerCustomizer;
import dev.coderadmission.admission.AdmissionReviews;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import jakarta.inject.Provider;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Keeps slow and idle clients from holding the admission port's connections, per connection of the
 * HTTPS listener only (the health port is not counted, so kubelet's probes are always accepted):
 * <ul>
 *   <li>at most {@code server.max-connections} open at once (a further one is closed on accept), well
 *       below the process's file-descriptor limit;</li>
 *   <li>a request must arrive whole within {@code server.request-timeout} of its first byte: a
 *       deadline, not a per-read idle timer, so a client sending a header line every few seconds is
 *       closed all the same;</li>
 *   <li>a connection with no request for {@code server.idle-timeout} is closed (longer than
 *       kube-apiserver's pool keeps idle connections, so the client closes first);</li>
 *   <li>the request bodies being received or judged at once stay below {@code server.max-in-flight-bytes}
 *       (Content-Length, or the chunks so far): a review beyond it is answered 429 with a Kubernetes
 *       Status and {@code Retry-After}, so a burst of multi-megabyte reviews cannot take the heap past
 *       the container's limit. One review is always admitted, however large (up to max-request-bytes).</li>
 * </ul>
 */
@Singleton
final class ConnectionGuard implements BeanCreatedEventListener<NettyServerCustomizer.Registry> {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectionGuard.class);

    private final int managementPort;
    private final int maxConnections;
    private final long requestTimeoutNanos;
    private final long idleTimeoutNanos;
    private final long maxInFlightBytes;
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicLong inFlight = new AtomicLong();

    /** Resolved at the first connection: the webhooks behind it need the cluster watches, built later than this. */
    private final Provider<AdmissionEndpoint> endpointProvider;
    private volatile AdmissionEndpoint endpoint;

    ConnectionGuard(AdmissionConfig config, Provider<AdmissionEndpoint> endpointProvider) {
        this.endpointProvider = endpointProvider;
        var server = config.server();
        this.managementPort = server.managementPort();
        this.maxConnections = server.maxConnections();
        this.requestTimeoutNanos = server.requestTimeout().toNanos();
        this.idleTimeoutNanos = server.idleTimeout().toNanos();
        this.maxInFlightBytes = server.maxInFlightBytes();
    }

    private AdmissionEndpoint endpoint() {
        var resolved = endpoint;
        if (resolved == null) {
            resolved = endpointProvider.get();
            endpoint = resolved;
        }
        return resolved;
    }

    /** Bytes of request bodies admitted and not yet answered, across all connections. */
    long inFlightBytes() {
        return inFlight.get();
    }

    /** Takes {@code bytes} from the shared budget; always succeeds when nothing else is in flight. */
    private boolean reserve(long bytes) {
        while (true) {
            var current = inFlight.get();
            if (current > 0 && current + bytes > maxInFlightBytes) {
                return false;
            }
            if (inFlight.compareAndSet(current, current + bytes)) {
                return true;
            }
        }
    }

    @Override
    public NettyServerCustomizer.Registry onCreated(BeanCreatedEvent<NettyServerCustomizer.Registry> event) {
        event.getBean().register(new NettyServerCustomizer() {
            @Override
            public NettyServerCustomizer specializeForChannel(Channel channel, ChannelRole role) {
                return role == ChannelRole.CONNECTION && isAdmission(channel) ? new PerConnection(channel) : this;
            }
        });
        return event.getBean();
    }

    /** The management port serves health and metrics over plain HTTP; everything else is admission. */
    private boolean isAdmission(Channel channel) {
        return !(channel.localAddress() instanceof InetSocketAddress local) || local.getPort() != managementPort;
    }

    int openConnections() {
        return open.get();
    }

    private final class PerConnection implements NettyServerCustomizer {
        private final Channel channel;
        private final Deadline deadline = new Deadline();

        PerConnection(Channel channel) {
            this.channel = channel;
        }

        @Override
        public void onInitialPipelineBuilt() {
            if (open.incrementAndGet() > maxConnections) {
                open.decrementAndGet();
                LOG.warn("refusing a connection from {}: {} admission connections are open (server.max-connections)",
                        channel.remoteAddress(), maxConnections);
                channel.close();
                return;
            }
            channel.closeFuture().addListener(f -> {
                open.decrementAndGet();
                deadline.cancel();
                deadline.release();
            });
            channel.pipeline().addFirst("coder-admission-deadline", deadline.bytes);
            deadline.idle(channel);
        }

        @Override
        public void onStreamPipelineBuilt() {
            var pipeline = channel.pipeline();
            if (pipeline.get(ChannelPipelineCustomizer.HANDLER_HTTP_SERVER_CODEC) != null) {
                pipeline.addAfter(ChannelPipelineCustomizer.HANDLER_HTTP_SERVER_CODEC, "coder-admission-requests",
                        deadline.messages);
                pipeline.addAfter("coder-admission-requests", "coder-admission-endpoint", endpoint().newHandler());
            }
        }
    }

    /**
     * One connection's timer. Bytes arriving while idle start the request deadline; the request's last
     * content stops it; the last byte of a response starts the idle timer again. Everything runs on the
     * connection's event loop, so no field needs synchronisation.
     */
    private static final HttpRequest EMPTY_REQUEST =
            new io.netty.handler.codec.http.DefaultHttpRequest(HttpVersion.HTTP_1_1, io.netty.handler.codec.http.HttpMethod.GET, "/");

    private final class Deadline {
        private ScheduledFuture<?> timer;
        private boolean receiving;

        final ChannelInboundHandlerAdapter bytes = new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                // TLS handshake records are not a request: Netty's handshake timeout covers them
                if (!receiving && msg instanceof ByteBuf buffer && buffer.isReadable() && handshaken(ctx)) {
                    receiving = true;
                    schedule(ctx.channel(), requestTimeoutNanos, "a request was not received whole within server.request-timeout");
                }
                ctx.fireChannelRead(msg);
            }

            @Override
            public boolean isSharable() {
                return true;
            }
        };

        /** Budget bytes this connection holds for the request being received or judged. */
        private long reserved;
        /** The request was refused: its remaining content is read and dropped, then answered 429. */
        private boolean refusing;

        void release() {
            if (reserved > 0) {
                inFlight.addAndGet(-reserved);
                reserved = 0;
            }
        }

        final ChannelDuplexHandler messages = new ChannelDuplexHandler() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (msg instanceof HttpRequest request) {
                    receiving = true;
                    // a head the decoder rejected may carry an unparsable Content-Length: AdmissionEndpoint answers it
                    var declared = request.decoderResult().isFailure() ? 0L : HttpUtil.getContentLength(request, 0L);
                    if (!take(declared)) {
                        refuse(ctx, msg);
                        return;
                    }
                } else if (refusing) {
                    ReferenceCountUtil.release(msg);
                    if (msg instanceof LastHttpContent) {
                        answerRefused(ctx);
                    }
                    return;
                } else if (msg instanceof HttpContent content && !HttpUtil.isContentLengthSet(lastRequest)
                        && !take(content.content().readableBytes())) {
                    refuse(ctx, msg);
                    return;
                }
                if (msg instanceof HttpRequest request) {
                    lastRequest = request;
                }
                if (msg instanceof LastHttpContent) {
                    cancel(); // the whole request is here: the time to answer it is ours, not the client's
                }
                ctx.fireChannelRead(msg);
            }

            @Override
            public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
                ctx.write(msg, promise);
                if (msg instanceof LastHttpContent && !(msg instanceof HttpResponse response
                        && response.status().codeClass() == HttpStatusClass.INFORMATIONAL)) {
                    // the answer is out (Micronaut writes with a void promise, so no listener here)
                    release();
                    receiving = false;
                    idle(ctx.channel());
                }
            }
        };

        private HttpRequest lastRequest = EMPTY_REQUEST;

        private boolean take(long bytes) {
            if (bytes <= 0) {
                return true;
            }
            if (!reserve(bytes)) {
                return false;
            }
            reserved += bytes;
            return true;
        }

        /**
         * Refuses the request being received: its remaining content is read and dropped (it costs no heap),
         * and the 429 goes out once the client has sent it all, since a client still uploading may not read
         * an early answer before the connection's end.
         */
        private void refuse(ChannelHandlerContext ctx, Object msg) {
            release();
            LOG.warn("refusing a review from {}: {} bytes of reviews are in flight (server.max-in-flight-bytes {})",
                    ctx.channel().remoteAddress(), inFlight.get(), maxInFlightBytes);
            refusing = true;
            ReferenceCountUtil.release(msg);
            if (msg instanceof LastHttpContent) {
                answerRefused(ctx);
            }
        }

        private void answerRefused(ChannelHandlerContext ctx) {
            refusing = false;
            var body = Unpooled.wrappedBuffer(AdmissionReviews.errorStatus(429, "TooManyRequests",
                    "coder-admission is judging " + inFlight.get() + " bytes of reviews already "
                            + "(server.max-in-flight-bytes " + maxInFlightBytes + "); retry"));
            var response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.TOO_MANY_REQUESTS, body);
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json")
                    .set(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes())
                    .set(HttpHeaderNames.RETRY_AFTER, "1");
            ctx.writeAndFlush(response);
            receiving = false;
            idle(ctx.channel());
        }

        private static boolean handshaken(ChannelHandlerContext ctx) {
            var ssl = ctx.pipeline().get(SslHandler.class);
            return ssl == null || ssl.handshakeFuture().isDone();
        }

        void idle(Channel channel) {
            schedule(channel, idleTimeoutNanos, "no request within server.idle-timeout");
        }

        private void schedule(Channel channel, long nanos, String why) {
            cancel();
            timer = channel.eventLoop().schedule(() -> {
                LOG.debug("closing the connection from {}: {}", channel.remoteAddress(), why);
                // from the head of the pipeline: AdmissionEndpoint holds back closes while a request is in
                // progress (for graceful shutdown), which is what this deadline is about
                var first = channel.pipeline().firstContext();
                if (first != null) {
                    first.close();
                } else {
                    channel.close();
                }
            }, nanos, TimeUnit.NANOSECONDS);
        }

        void cancel() {
            if (timer != null) {
                timer.cancel(false);
                timer = null;
            }
        }
    }

}
