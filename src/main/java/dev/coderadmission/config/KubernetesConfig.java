package dev.coderadmission.config;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;

/**
 * Whether {@code serve} talks to a Kubernetes API server ({@code coder-admission.kubernetes.*}).
 *
 * @param enabled              {@code auto} (default): when running in a Pod or a kubeconfig exists; {@code true}; {@code false}
 * @param informerRestartAfter liveness fails once an informer has not been listed and watching for this long,
 *                             so kubelet restarts the replica (0: never)
 */
@JsonNaming(PropertyNamingStrategies.KebabCaseStrategy.class)
public record KubernetesConfig(String enabled, Duration informerRestartAfter) {

    public KubernetesConfig {
        // fabric8 re-lists and re-watches by itself; an API server restart takes well under a minute
        informerRestartAfter = Defaults.value(informerRestartAfter, Duration.ofMinutes(5));
        if (informerRestartAfter.isNegative()) {
            throw new IllegalArgumentException("kubernetes.informer-restart-after must not be negative");
        }
        enabled = Defaults.value(enabled, "auto").trim().toLowerCase(Locale.ROOT);
        if (!enabled.equals("auto") && !enabled.equals("true") && !enabled.equals("false")) {
            throw new IllegalArgumentException("kubernetes.enabled \"" + enabled + "\" must be auto, true or false");
        }
    }

    public static KubernetesConfig defaults() {
        return new KubernetesConfig(null, null);
    }

    /** Resolves {@code auto} the way fabric8 finds its configuration: in-cluster env, then kubeconfig. */
    public boolean active(Map<String, String> environment, Path home) {
        return switch (enabled) {
            case "true" -> true;
            case "false" -> false;
            default -> environment.containsKey("KUBERNETES_SERVICE_HOST")
                    || (environment.containsKey("KUBECONFIG") && !environment.get("KUBECONFIG").isBlank())
                    || Files.exists(home.resolve(".kube/config"));
        };
    }
}
