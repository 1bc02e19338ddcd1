package dev.coderadmission.support;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.nio.file.Path;

/** KubeVirt CCM mirror Services and seed 000's Ingress, as they exist in the management cluster. */
public final class Mirrors {
    public static final String CODER_MIRROR = "a18c2be1873b84bcd8630e79298a07cf";
    public static final String OLD_BACKEND = "adfc788849eea4e4981f8e354b3491a3";

    private Mirrors() {
    }

    public static Service mirror(String name, String tenantNamespace, String tenantName, String cluster) {
        return new ServiceBuilder()
                .withNewMetadata().withName(name).withNamespace("tenant-root")
                .addToLabels("cluster.x-k8s.io/tenant-service-name", tenantName)
                .addToLabels("cluster.x-k8s.io/tenant-service-namespace", tenantNamespace)
                .addToLabels("cluster.x-k8s.io/cluster-name", cluster)
                .endMetadata()
                .withNewSpec().withType("LoadBalancer")
                .addNewPort().withName("http").withPort(80).withProtocol("TCP").withNewTargetPort(31080).endPort()
                .endSpec().build();
    }

    public static Service coderMirror(String name) {
        return mirror(name, "coder", "coder", "coder-cluster-prod");
    }

    public static Ingress seedIngress() {
        return Reviews.SERIALIZATION.convertValue(Reviews.file(Path.of("src/examples/management/coder-ingress.yaml")), Ingress.class);
    }

    public static void create(KubernetesClient client, Service service) {
        client.services().inNamespace(service.getMetadata().getNamespace()).resource(service).create();
    }
}
