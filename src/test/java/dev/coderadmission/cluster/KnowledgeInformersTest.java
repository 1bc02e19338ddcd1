package dev.coderadmission.cluster;

import dev.coderadmission.admission.NotSynced;
import dev.coderadmission.config.ConfigLoader;
import dev.coderadmission.support.Eventually;
import dev.coderadmission.support.GatewayApiCrds;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The server's cluster knowledge fed by informers on fabric8's mock API server (real list + watch). */
@EnableKubernetesMockClient(crud = true)
class KnowledgeInformersTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    static KubernetesClient client;

    private static KnowledgeInformers informers(Duration rediscover) {
        return new KnowledgeInformers(client, ConfigLoader.load(Path.of("src/test/resources/agreement/config.yaml")), rediscover);
    }

    @Test
    void aServiceStaysCodersWhileAnyOfItsLabelsSaysSoAndIsForgottenWhenNoneDoes() {
        client.services().inNamespace("web").resource(new ServiceBuilder().withNewMetadata().withName("proxy").withNamespace("web")
                .withLabels(Map.of("app.kubernetes.io/part-of", "coder", "app.kubernetes.io/name", "coder")).endMetadata()
                .withNewSpec().addNewPort().withPort(80).endPort().endSpec().build()).create();
        try (var informers = informers(Duration.ofMinutes(1)).start()) {
            var knowledge = informers.knowledge();
            Eventually.await(informers::hasSynced, Boolean::booleanValue, WAIT);
            assertThat(knowledge.coderService("web", "proxy")).hasValueSatisfying(why -> assertThat(why).contains("label"));

            // out of one selector's informer (a delete there), still in the other's
            client.services().inNamespace("web").withName("proxy").edit(s -> new ServiceBuilder(s).editMetadata()
                    .removeFromLabels("app.kubernetes.io/part-of").endMetadata().build());
            Eventually.await(() -> knowledge.coderService("web", "proxy"),
                    why -> why.isPresent() && why.get().contains("app.kubernetes.io/name=coder"), WAIT);

            client.services().inNamespace("web").withName("proxy").edit(s -> new ServiceBuilder(s).editMetadata()
                    .removeFromLabels("app.kubernetes.io/name").addToLabels("app", "proxy").endMetadata().build());
            Eventually.await(() -> knowledge.coderService("web", "proxy"), Optional::isEmpty, WAIT);
            // delete while the informers still watch: the mock server stalls sending events to a closing watch
            client.services().inNamespace("web").delete();
            Eventually.await(() -> informers.sizes().get("coder services"), n -> n == 0, WAIT);
        }
    }

    @Test
    void withoutGatewayApiItIsSyncedAndPicksTheCrdsUpWhenTheyAreInstalledLater() {
        try (var informers = informers(Duration.ofMillis(200)).start()) {
            var knowledge = informers.knowledge();
            // nothing to know: no Gateway or route can exist, so readiness must not wait for one
            Eventually.await(informers::hasSynced, Boolean::booleanValue, WAIT);
            assertThat(knowledge.gatewayClass("gateways", "tailnet")).isEmpty();

            GatewayApiCrds.install(client);
            client.genericKubernetesResources("gateway.networking.k8s.io/v1", "Gateway").inNamespace("gateways")
                    .resource(new GenericKubernetesResourceBuilder().withApiVersion("gateway.networking.k8s.io/v1")
                            .withKind("Gateway").withNewMetadata().withName("tailnet").withNamespace("gateways").endMetadata()
                            .addToAdditionalProperties("spec", Map.of("gatewayClassName", "tailscale")).build()).create();
            client.genericKubernetesResources("gateway.networking.k8s.io/v1beta1", "ReferenceGrant").inNamespace("coder")
                    .resource(new GenericKubernetesResourceBuilder().withApiVersion("gateway.networking.k8s.io/v1beta1")
                            .withKind("ReferenceGrant").withNewMetadata().withName("web").withNamespace("coder").endMetadata()
                            .addToAdditionalProperties("spec", Map.of(
                                    "from", java.util.List.of(Map.of("group", "gateway.networking.k8s.io", "kind", "HTTPRoute", "namespace", "web")),
                                    "to", java.util.List.of(Map.of("group", "", "kind", "Service")))).build()).create();

            Eventually.await(() -> informers.hasSynced() ? knowledge.gatewayClass("gateways", "tailnet") : Optional.<String>empty(),
                    Optional::isPresent, WAIT);
            assertThat(knowledge.gatewayClass("gateways", "tailnet")).contains("tailscale");
            Eventually.await(() -> knowledge.grants("HTTPRoute", "web", "coder", "coder"), Boolean::booleanValue, WAIT);
            assertThat(knowledge.grants("HTTPRoute", "other", "coder", "coder")).isFalse();

            // the mock server replays nothing to a watch opened after a change: delete only once every
            // informer watches (synced means listed, and the watch opens just after)
            Eventually.await(informers::isWatching, Boolean::booleanValue, WAIT);
            client.genericKubernetesResources("gateway.networking.k8s.io/v1", "Gateway").inNamespace("gateways").withName("tailnet").delete();
            Eventually.await(() -> knowledge.gatewayClass("gateways", "tailnet"), Optional::isEmpty, WAIT);
            client.genericKubernetesResources("gateway.networking.k8s.io/v1beta1", "ReferenceGrant").inNamespace("coder").delete();
            Eventually.await(() -> knowledge.grants("HTTPRoute", "web", "coder", "coder"), granted -> !granted, WAIT);
        }
    }

    @Test
    void beforeItsFirstListItRefusesToGuess() {
        var informers = informers(Duration.ofMinutes(1));
        try {
            // not started: nothing listed yet
            assertThatThrownBy(() -> informers.knowledge().coderService("web", "proxy")).isInstanceOf(NotSynced.class)
                    .hasMessageContaining("Coder Services and Pods, classes and Gateway API objects has not been listed");
        } finally {
            informers.close();
        }
    }
}
