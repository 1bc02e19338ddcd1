package dev.coderadmission.bench;

import dev.coderadmission.admission.AdmissionHandler;
import dev.coderadmission.admission.Webhook;
import dev.coderadmission.config.ConfigLoader;
import dev.coderadmission.kube.Kube;
import dev.coderadmission.tenant.MirrorIndex;
import io.fabric8.kubernetes.api.model.Service;
import dev.coderadmission.policy.Webhooks;
import dev.coderadmission.support.Reviews;
import dev.coderadmission.policy.Lookups;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The admission hot path without the network: decode the review bytes, run the exposure guard,
 * encode the answer. Run it (see README, "Benchmarks") with {@code -prof gc} for bytes per request.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class AdmissionBenchmark {
    private Webhook exposure;
    private Webhook agentUrl;
    private Webhook tenantBackend;
    private byte[] envbuilderPod;
    private byte[] seedIngress;
    private byte[] deniedService;
    private byte[] allowedIngress;
    private byte[] unrelatedConfigMap;

    @Setup
    public void setUp() throws Exception {
        var config = ConfigLoader.load(Path.of("src/examples/config-tenant.yaml"));
        config = config.withAgentUrl(config.agentUrl().withUrl("http://coder.coder.svc.cluster.local:80"));
        var webhooks = Webhooks.create(config, Lookups.fromConfig(config));
        exposure = webhooks.byPath("/validate/exposure").orElseThrow();
        agentUrl = webhooks.byPath("/mutate/agent-url").orElseThrow();
        envbuilderPod = Reviews.create(Reviews.file(Path.of("src/examples/tenant/workspace-envbuilder-pod.yaml")))
                .getBytes(StandardCharsets.UTF_8);
        var management = ConfigLoader.load(Path.of("src/examples/config-management.yaml"));
        var mirror = Kube.as(Reviews.file(Path.of("src/examples/management/coder-ccm-mirror.yaml")), Service.class);
        tenantBackend = Webhooks.create(management, Lookups.fromConfig(management).withMirrors(MirrorIndex.of(List.of(mirror))))
                .byPath("/mutate/tenant-backend").orElseThrow();
        seedIngress = Reviews.create(Reviews.file(Path.of("src/examples/management/coder-ingress.yaml")))
                .getBytes(StandardCharsets.UTF_8);
        deniedService = Files.readAllBytes(Path.of("src/test/resources/admission/service-nodeport-create.json"));
        allowedIngress = Reviews.create(Reviews.file(Path.of("src/examples/tenant/coder-tailscale-ingress.yaml")))
                .getBytes(StandardCharsets.UTF_8);
        unrelatedConfigMap = Reviews.create(Reviews.yaml("""
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: coder-workspace-config, namespace: coder}
                data: {coder_url: "http://coder.coder.svc.cluster.local:80"}
                """)).getBytes(StandardCharsets.UTF_8);
    }

    @Benchmark
    public AdmissionHandler.Answer deniedNodePortService() {
        return AdmissionHandler.handle(exposure, deniedService);
    }

    @Benchmark
    public AdmissionHandler.Answer allowedTailscaleIngress() {
        return AdmissionHandler.handle(exposure, allowedIngress);
    }

    @Benchmark
    public AdmissionHandler.Answer agentUrlEnvbuilderPod() {
        return AdmissionHandler.handle(agentUrl, envbuilderPod);
    }

    @Benchmark
    public AdmissionHandler.Answer tenantBackendSeedIngress() {
        return AdmissionHandler.handle(tenantBackend, seedIngress);
    }

    @Benchmark
    public AdmissionHandler.Answer unrelatedKind() {
        return AdmissionHandler.handle(exposure, unrelatedConfigMap);
    }
}
