package dev.coderadmission.config;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import java.util.Map;

/**
 * The election of the one replica that writes: rotates certificates, keeps caBundles in sync and
 * repairs Ingresses ({@code coder-admission.leader-election.*}). Every replica serves admission.
 *
 * @param leaseName      the coordination.k8s.io Lease
 * @param leaseNamespace its namespace (default: POD_NAMESPACE, else "default")
 */
@JsonNaming(PropertyNamingStrategies.KebabCaseStrategy.class)
public record LeaderElectionConfig(String leaseName, String leaseNamespace) {

    public LeaderElectionConfig {
        leaseName = Defaults.value(leaseName, "coder-admission");
    }

    public static LeaderElectionConfig defaults() {
        return new LeaderElectionConfig(null, null);
    }

    public String leaseNamespace(Map<String, String> environment) {
        if (leaseNamespace != null && !leaseNamespace.isBlank()) {
            return leaseNamespace;
        }
        var fromPod = environment.get("POD_NAMESPACE");
        return fromPod == null || fromPod.isBlank() ? "default" : fromPod;
    }
}
