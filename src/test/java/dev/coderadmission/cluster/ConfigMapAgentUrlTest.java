package dev.coderadmission.cluster;

import dev.coderadmission.config.AgentUrlConfig;
import dev.coderadmission.support.Eventually;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The live URL source against fabric8's mock API server in CRUD mode (real list + watch). */
@EnableKubernetesMockClient(crud = true)
class ConfigMapAgentUrlTest {
    static KubernetesClient client;
    private ConfigMapAgentUrl source;

    @AfterEach
    void close() {
        // the mock API server lives as long as the class: start every test from an empty namespace.
        // Delete before closing the informer: the mock server's event loop stalls when it has events
        // to send to a watch that is closing.
        client.configMaps().inNamespace("coder").delete();
        if (source != null) {
            Eventually.await(source::fromConfigMap, Optional::isEmpty, Duration.ofSeconds(10));
            source.close();
        }
    }

    private static void putUrl(String value) {
        client.configMaps().inNamespace("coder").resource(new ConfigMapBuilder()
                .withNewMetadata().withName("coder-workspace-config").withNamespace("coder").endMetadata()
                .addToData("registry_url", "registry.coder.svc.cluster.local:5000")
                .addToData("coder_url", value)
                .build()).createOr(existing -> existing.update());
    }

    private Optional<String> awaitUrl(Optional<String> expected) {
        // before its first list the source refuses to answer (NotSynced), so wait for that first
        Eventually.await(source::hasSynced, Boolean::booleanValue, Duration.ofSeconds(10));
        return Eventually.await(source::current, expected::equals, Duration.ofSeconds(10));
    }

    @Test
    void followsTheConfigMapThroughCreateUpdateAndDelete() {
        source = new ConfigMapAgentUrl(client, AgentUrlConfig.defaults());
        Eventually.await(source::hasSynced, Boolean::booleanValue, Duration.ofSeconds(10));
        assertThat(source.current()).isEmpty();

        putUrl("http://coder.coder.svc.cluster.local:80");
        awaitUrl(Optional.of("http://coder.coder.svc.cluster.local:80"));

        putUrl("http://coder-v2.coder.svc.cluster.local:8080/");
        awaitUrl(Optional.of("http://coder-v2.coder.svc.cluster.local:8080"));

        client.configMaps().inNamespace("coder").withName("coder-workspace-config").delete();
        awaitUrl(Optional.empty());
    }

    @Test
    void anInvalidValueIsNeverServedAndTheConfiguredUrlIsTheFallback() {
        putUrl("http://first.coder.svc.cluster.local");
        source = new ConfigMapAgentUrl(client, AgentUrlConfig.defaults().withUrl("http://fallback.coder.svc:80"));
        awaitUrl(Optional.of("http://first.coder.svc.cluster.local"));

        putUrl("coder.coder.svc.cluster.local:80"); // no scheme: not an absolute URL
        awaitUrl(Optional.of("http://fallback.coder.svc:80"));

        putUrl("ftp://coder.coder.svc.cluster.local");
        Eventually.await(() -> client.configMaps().inNamespace("coder").withName("coder-workspace-config").get()
                .getData().get("coder_url"), "ftp://coder.coder.svc.cluster.local"::equals, Duration.ofSeconds(5));
        awaitUrl(Optional.of("http://fallback.coder.svc:80"));
        assertThat(source.source()).isEqualTo("ConfigMap coder/coder-workspace-config key coder_url, else agent-url.url");
    }

    @Test
    void beforeItsFirstListItRefusesToGuess() {
        source = new ConfigMapAgentUrl(client, AgentUrlConfig.defaults().withUrl("http://fallback.coder.svc:80"));
        if (!source.hasSynced()) {
            assertThatThrownBy(source::current).isInstanceOf(dev.coderadmission.admission.NotSynced.class)
                    .hasMessageContaining("has not been listed");
        }
        awaitUrl(Optional.of("http://fallback.coder.svc:80"));
    }

    @Test
    void otherConfigMapsAreIgnored() {
        source = new ConfigMapAgentUrl(client, AgentUrlConfig.defaults());
        client.configMaps().inNamespace("coder").resource(new ConfigMapBuilder()
                .withNewMetadata().withName("something-else").withNamespace("coder").endMetadata()
                .addToData("coder_url", "http://wrong.example").build()).create();
        putUrl("http://coder.coder.svc.cluster.local:80");

        awaitUrl(Optional.of("http://coder.coder.svc.cluster.local:80"));
    }
}
