package dev.coderadmission.http;

import dev.coderadmission.admission.AdmissionHandler;
import dev.coderadmission.config.ConfigLoader;
import dev.coderadmission.policy.Lookups;
import dev.coderadmission.policy.Webhooks;
import dev.coderadmission.runtime.Shutdown;
import dev.coderadmission.support.Reviews;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The admission path as the event loop runs it, minus TLS and the socket: raw HTTP/1.1 request bytes
 * through Netty's codec and {@link AdmissionEndpoint} (body copy, decode, policy, encode, metrics) to
 * the encoded response bytes; and the cost of recording one review's metrics on its own. Run with
 * {@code -prof gc} for bytes per review (README, "Benchmarks").
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class HttpPathBenchmark {
    private EmbeddedChannel channel;
    private ByteBuf workspacePod;
    private ByteBuf deniedService;
    private ByteBuf otherPod;
    private ReviewMetrics metrics;
    private AdmissionHandler.Answer answer;

    @Setup
    public void setUp() throws Exception {
        var config = ConfigLoader.parse("""
                coder-admission:
                  coder: {access-url: "https://coder.example.com"}
                  agent-url: {url: "http://coder.coder.svc.cluster.local:80", config-map: ""}
                  kubernetes: {enabled: false}
                """, "benchmark");
        var webhooks = Webhooks.create(config, Lookups.fromConfig(config));
        metrics = new ReviewMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
        var endpoint = new AdmissionEndpoint(webhooks, metrics, new Shutdown(config), config);
        channel = new EmbeddedChannel(new HttpServerCodec(), endpoint.newHandler());
        workspacePod = request("/mutate/agent-url", Reviews.create(Reviews.file(Path.of("src/examples/tenant/workspace-envbuilder-pod.yaml")))
                .getBytes(StandardCharsets.UTF_8));
        deniedService = request("/validate/exposure", Files.readAllBytes(Path.of("src/test/resources/admission/service-nodeport-create.json")));
        otherPod = request("/mutate/agent-url", Reviews.create(Reviews.yaml("""
                apiVersion: v1
                kind: Pod
                metadata: {name: web, namespace: default, labels: {app: web}}
                spec:
                  containers:
                  - name: nginx
                    image: nginx:1.27
                    ports: [{containerPort: 80}]
                """)).getBytes(StandardCharsets.UTF_8));
        answer = new AdmissionHandler.Answer(200, new byte[0], "denied", "Service", "CREATE");
    }

    /** The request as kube-apiserver's client writes it (headers of ../shared/loadtest). */
    private static ByteBuf request(String path, byte[] body) {
        var head = ("POST " + path + "?timeout=10s HTTP/1.1\r\nHost: coder-admission.coder-admission.svc:443\r\n"
                + "User-Agent: kube-apiserver-admission\r\nContent-Type: application/json\r\n"
                + "Accept: application/json, */*\r\nAccept-Encoding: gzip\r\nContent-Length: " + body.length + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        return Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(head, body).asReadOnly());
    }

    @TearDown
    public void tearDown() {
        channel.finishAndReleaseAll();
    }

    private int roundTrip(ByteBuf request) {
        channel.writeInbound(request.duplicate());
        int bytes = 0;
        for (Object out; (out = channel.readOutbound()) != null; ) {
            var buffer = (ByteBuf) out;
            bytes += buffer.readableBytes();
            buffer.release();
        }
        return bytes;
    }

    @Benchmark
    public int workspacePodPatched() {
        return roundTrip(workspacePod);
    }

    @Benchmark
    public int nodePortServiceDenied() {
        return roundTrip(deniedService);
    }

    @Benchmark
    public int otherPodAllowed() {
        return roundTrip(otherPod);
    }

    @Benchmark
    public void metricsRecord() {
        metrics.record("/validate/exposure", 2751, answer, 40_000);
    }
}
