package dev.coderadmission.config;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import java.time.Duration;
import java.util.Map;

/**
 * The election of the one replica that writes: rotates certificates, keeps caBundles in sync and
 * repairs Ingresses ({@code coder-admission.leader-election.*}). Every replica serves admission.
 *
 * @param leaseName      the coordination.k8s.io Lease
 * @param leaseNamespace its namespace (default: POD_NAMESPACE, else "default")
 * @param leaseDuration  how long a lease not renewed stays taken (a crashed leader is replaced after this)
 * @param renewDeadline  how long the leader keeps trying to renew before it gives the lease up
 * @param retryPeriod    how often candidates try to take the lease, and the leader renews it
 */
@JsonNaming(PropertyNamingStrategies.KebabCaseStrategy.class)
public record LeaderElectionConfig(String leaseName, String leaseNamespace, Duration leaseDuration,
                                   Duration renewDeadline, Duration retryPeriod) {

    public LeaderElectionConfig {
        leaseName = Defaults.value(leaseName, "coder-admission");
        // client-go's defaults: a crashed leader is replaced within about 15 s
        leaseDuration = Defaults.value(leaseDuration, Duration.ofSeconds(15));
        renewDeadline = Defaults.value(renewDeadline, Duration.ofSeconds(10));
        retryPeriod = Defaults.value(retryPeriod, Duration.ofSeconds(2));
        if (retryPeriod.isZero() || retryPeriod.isNegative()) {
            throw new IllegalArgumentException("leader-election.retry-period must be positive");
        }
        if (renewDeadline.compareTo(retryPeriod) <= 0 || leaseDuration.compareTo(renewDeadline) <= 0) {
            // a leader must give up before another replica may take over, or two would write at once
            throw new IllegalArgumentException("leader-election needs retry-period < renew-deadline < lease-duration");
        }
    }

    public static LeaderElectionConfig defaults() {
        return new LeaderElectionConfig(null, null, null, null, null);
    }

    public LeaderElectionConfig withTimings(Duration lease, Duration renew, Duration retry) {
        return new LeaderElectionConfig(leaseName, leaseNamespace, lease, renew, retry);
    }

    public String leaseNamespace(Map<String, String> environment) {
        if (leaseNamespace != null && !leaseNamespace.isBlank()) {
            return leaseNamespace;
        }
        var fromPod = environment.get("POD_NAMESPACE");
        return fromPod == null || fromPod.isBlank() ? "default" : fromPod;
    }
}
