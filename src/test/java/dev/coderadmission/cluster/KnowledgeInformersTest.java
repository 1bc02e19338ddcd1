package dev.coderadmission.cluster;

import dev.coderadmission.admission.NotSynced;
import dev.coderadmission.config.ConfigLoader;
import dev.coderadmission.support.Eventually;
import dev.coderadmission.support.GatewayApiCrds;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.coderadmission.kube.Kube;
import dev.coderadmission.policy.exposure.ClusterKnowledge;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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
    void coderPodsAreKnownByAddressAndStoredWithOnlyWhatIsRead() {
        var config = ConfigLoader.load(Path.of("src/test/resources/agreement/config.yaml"));
        // a workspace pod: in coder.namespaces and labelled as Coder's (two informers hold it), a large env
        client.pods().inNamespace("coder-workspace").resource(new PodBuilder().withNewMetadata().withName("ws-1")
                .withNamespace("coder-workspace").withLabels(Map.of("app.kubernetes.io/name", "coder")).endMetadata()
                .withNewSpec().addNewContainer().withName("dev").withImage("codercom/enterprise-base")
                .addNewEnv().withName("CODER_AGENT_INIT_SCRIPT").withValue("x".repeat(8192)).endEnv().endContainer().endSpec()
                .withNewStatus().withPodIP("10.244.1.7").addNewPodIP("10.244.1.7").addNewPodIP("fd00::7").endStatus().build()).create();
        // host-networked: its address is the node's, not Coder's
        client.pods().inNamespace("coder").resource(new PodBuilder().withNewMetadata().withName("node-agent").withNamespace("coder").endMetadata()
                .withNewSpec().withHostNetwork(true).addNewContainer().withName("agent").withImage("agent").endContainer().endSpec()
                .withNewStatus().withPodIP("192.168.1.5").endStatus().build()).create();
        try (var informers = informers(Duration.ofMinutes(1)).start()) {
            var knowledge = informers.knowledge();
            Eventually.await(informers::hasSynced, Boolean::booleanValue, WAIT);
            Eventually.await(() -> knowledge.coderPod("fd00::7"), Optional::isPresent, WAIT);
            assertThat(knowledge.coderPod("10.244.1.7")).hasValueSatisfying(why -> assertThat(why).startsWith("Pod coder-workspace/ws-1 ("));
            assertThat(knowledge.coderPod("192.168.1.5")).isEmpty();

            var stored = informers.informers().stream().flatMap(i -> i.getStore().list().stream())
                    .filter(Pod.class::isInstance).map(Pod.class::cast).toList();
            assertThat(stored).extracting(p -> p.getMetadata().getName()).contains("ws-1", "node-agent");
            // nothing of the containers is held...
            assertThat(stored).allSatisfy(p -> assertThat(p.getSpec() == null ? List.of() : p.getSpec().getContainers()).isEmpty());
            // ...and what is held is all the knowledge needs (one informer hands another's copy to it)
            var fromStores = ClusterKnowledge.of(config.coder(), stored.stream().map(p -> (JsonNode) Kube.SERIALIZATION.convertValue(p, ObjectNode.class)
                    .put("apiVersion", "v1").put("kind", "Pod")).toList(), "");
            assertThat(fromStores.coderPod("10.244.1.7")).isPresent();
            assertThat(fromStores.coderPod("fd00::7")).isPresent();
            assertThat(fromStores.coderPod("192.168.1.5")).isEmpty();
            client.pods().inNamespace("coder-workspace").delete();
            client.pods().inNamespace("coder").delete();
            Eventually.await(() -> knowledge.coderPod("10.244.1.7"), Optional::isEmpty, WAIT);
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
