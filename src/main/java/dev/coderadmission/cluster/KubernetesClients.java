package dev.coderadmission.cluster;

import dev.coderadmission.config.KubernetesConfig;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;

import java.nio.file.Path;
import java.util.Optional;

/** The API server client of {@code serve}: fabric8's own discovery (in-cluster, then kubeconfig). */
public final class KubernetesClients {
    private KubernetesClients() {
    }

    public static Optional<KubernetesClient> create(KubernetesConfig config) {
        if (!config.active(System.getenv(), Path.of(System.getProperty("user.home")))) {
            return Optional.empty();
        }
        return Optional.of(new KubernetesClientBuilder().build());
    }
}
