package dev.coderadmission.support;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * Installs the Gateway API CRDs the webhook watches into fabric8's mock API server, which then serves
 * their discovery documents and stores their objects like a real API server. Installing twice is harmless.
 */
public final class GatewayApiCrds {
    private GatewayApiCrds() {
    }

    public static void install(KubernetesClient client) {
        crd(client, "GatewayClass", "gatewayclasses", "Cluster", "v1");
        crd(client, "Gateway", "gateways", "Namespaced", "v1");
        crd(client, "HTTPRoute", "httproutes", "Namespaced", "v1");
        crd(client, "ReferenceGrant", "referencegrants", "Namespaced", "v1beta1");
    }

    private static void crd(KubernetesClient client, String kind, String plural, String scope, String version) {
        client.apiextensions().v1().customResourceDefinitions().resource(new CustomResourceDefinitionBuilder()
                .withNewMetadata().withName(plural + ".gateway.networking.k8s.io").endMetadata()
                .withNewSpec().withGroup("gateway.networking.k8s.io").withScope(scope)
                .withNewNames().withKind(kind).withPlural(plural).withSingular(kind.toLowerCase(java.util.Locale.ROOT)).endNames()
                .addNewVersion().withName(version).withServed(true).withStorage(true).endVersion()
                .endSpec().build()).createOr(existing -> existing.update());
    }
}
