package dev.coderadmission.cli;

import dev.coderadmission.support.FaultyApiServer;
import dev.coderadmission.support.Mirrors;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static dev.coderadmission.cli.DryRunCommandTest.run;
import static org.assertj.core.api.Assertions.assertThat;

/** audit against the mock API server: paged lists, the cluster's own state, and never a write. */
class AuditCommandTest {
    private final FaultyApiServer api = new FaultyApiServer();

    @org.junit.jupiter.api.BeforeEach
    void plainHttp1() {
        // the mock server speaks plain HTTP/1.1 (a real API server negotiates HTTP/2 over TLS); fabric8 reads
        // this property when it builds a client from a kubeconfig, as audit does
        System.setProperty("kubernetes.http2.disable", "true");
    }

    @AfterEach
    void stop() {
        System.clearProperty("kubernetes.http2.disable");
        api.close();
    }

    private Path kubeconfig(Path dir) throws Exception {
        var file = dir.resolve("kubeconfig");
        Files.writeString(file, """
                apiVersion: v1
                kind: Config
                clusters: [{name: mock, cluster: {server: "%s"}}]
                users: [{name: mock, user: {token: test}}]
                contexts: [{name: mock, context: {cluster: mock, user: mock}}]
                current-context: mock
                """.formatted(api.client().getConfiguration().getMasterUrl()));
        return file;
    }

    private void create(Object object) {
        api.client().resource(new KubernetesSerialization().convertValue(object, io.fabric8.kubernetes.api.model.HasMetadata.class))
                .create();
    }

    @Test
    void theClusterIsListedPageByPageJudgedAndNeverWritten(@TempDir Path dir) throws Exception {
        var client = api.client();
        // more Services than fit a page: 120 ordinary ones across namespaces, and Coder's NodePort
        for (int i = 0; i < 120; i++) {
            client.services().inNamespace("team-" + (i % 3)).resource(new ServiceBuilder().withNewMetadata().withName("web-" + i)
                    .endMetadata().withNewSpec().withType("ClusterIP").addNewPort().withPort(80).endPort().endSpec().build()).create();
        }
        client.services().inNamespace("coder").resource(new ServiceBuilder().withNewMetadata().withName("coder").endMetadata()
                .withNewSpec().withType("NodePort").addNewPort().withPort(80).endPort().endSpec().build()).create();
        client.configMaps().inNamespace("coder").resource(new ConfigMapBuilder().withNewMetadata().withName("coder-workspace-config")
                .endMetadata().addToData("coder_url", "http://coder.coder.svc.cluster.local:80").build()).create();
        // a workspace pod created before the webhook: it still has the external agent URL
        var pod = dev.coderadmission.support.Reviews.file(Path.of("src/examples/tenant/workspace-envbuilder-pod.yaml"));
        ((com.fasterxml.jackson.databind.node.ObjectNode) pod.path("metadata")).put("name", "coder-alice-dev-abc12");
        client.pods().inNamespace("coder-workspace").resource(new KubernetesSerialization()
                .convertValue(pod, io.fabric8.kubernetes.api.model.Pod.class)).create();
        var before = api.requests().size();

        var run = run("audit", "-c", "src/examples/config-tenant.yaml", "--kubeconfig", kubeconfig(dir).toString(),
                "--page-size", "50", "-o", "json");

        assertThat(run.exitCode()).as(run.out() + run.err()).isEqualTo(1);
        var results = run.json().path("results");
        assertThat(results).hasSize(122); // 121 Services (3 pages of 50), 1 Pod, and no Ingress
        var verdicts = new java.util.HashMap<String, String>();
        results.forEach(r -> verdicts.put(r.path("kind").asText() + " " + r.path("namespace").asText() + "/"
                + r.path("name").asText(), r.path("verdict").asText()));
        assertThat(verdicts).containsEntry("Service coder/coder", "denied")
                .containsEntry("Pod coder-workspace/coder-alice-dev-abc12", "mutated")
                .containsEntry("Service team-0/web-0", "allowed");
        var requests = api.requests().subList(before, api.requests().size());
        assertThat(requests).allSatisfy(r -> assertThat(r).startsWith("GET "));
        assertThat(requests.stream().filter(r -> r.contains("/services?") && r.contains("continue=")).count())
                .as("the second and third page of Services").isEqualTo(2);
    }

    @Test
    void aWarnOnlyClusterIsJudgedAsDenyWouldJudgeIt(@TempDir Path dir) throws Exception {
        api.client().services().inNamespace("coder").resource(new ServiceBuilder().withNewMetadata().withName("coder").endMetadata()
                .withNewSpec().withType("NodePort").addNewPort().withPort(80).endPort().endSpec().build()).create();
        var config = dir.resolve("warn.yaml");
        Files.writeString(config, Files.readString(Path.of("src/examples/config-tenant.yaml"))
                .replace("enforcement: deny", "enforcement: warn"));

        var run = run("audit", "-c", config.toString(), "--kubeconfig", kubeconfig(dir).toString());

        assertThat(run.exitCode()).as(run.out() + run.err()).isEqualTo(1);
        assertThat(run.out()).contains("DENIED", "Service coder/coder", "[service-type]");
    }

    @Test
    void oneNamespaceStillUsesTheWholeClustersMirrors(@TempDir Path dir) throws Exception {
        var client = api.client();
        Mirrors.create(client, Mirrors.coderMirror(Mirrors.CODER_MIRROR));
        client.network().v1().ingresses().inNamespace("tenant-root").resource(Mirrors.seedIngress()).create();

        var run = run("audit", "-c", "src/examples/config-management.yaml", "--kubeconfig", kubeconfig(dir).toString(),
                "-n", "tenant-root");

        assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
        assertThat(run.out()).contains("MUTATED  Ingress tenant-root/coder  (cluster Ingress tenant-root/coder)",
                Mirrors.CODER_MIRROR);
    }

    @Test
    void anUnreachableApiServerIsExit2(@TempDir Path dir) throws Exception {
        var config = kubeconfig(dir);
        api.fail(FaultyApiServer.everything());

        var run = run("audit", "--kubeconfig", config.toString());

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("error: the API server");
    }
}
