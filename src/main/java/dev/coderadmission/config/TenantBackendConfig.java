package dev.coderadmission.config;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import java.util.List;
import java.util.Map;

/**
 * Tenant backend rewrite and its repair loop, for the management cluster ({@code coder-admission.tenant-backend.*}).
 *
 * @param enabled        whether {@code /mutate/tenant-backend} rewrites anything and the CCM Service index runs
 * @param namespaces     namespaces whose Ingresses are rewritten and whose CCM Services are indexed (empty: all)
 * @param repair         whether {@code serve} patches existing Ingresses when their CCM Service appears or changes
 * @param leaseName      the coordination.k8s.io Lease that elects the one replica that repairs
 * @param leaseNamespace its namespace (default: the pod's namespace from POD_NAMESPACE, else "default")
 */
@JsonNaming(PropertyNamingStrategies.KebabCaseStrategy.class)
public record TenantBackendConfig(Boolean enabled, List<String> namespaces, Boolean repair, String leaseName,
                                  String leaseNamespace) {

    public TenantBackendConfig {
        enabled = Defaults.value(enabled, Boolean.FALSE);
        namespaces = Defaults.list(namespaces, List.of());
        repair = Defaults.value(repair, Boolean.TRUE);
        leaseName = Defaults.value(leaseName, "coder-admission");
    }

    public static TenantBackendConfig defaults() {
        return new TenantBackendConfig(null, null, null, null, null);
    }

    public boolean inScope(String namespace) {
        return namespaces.isEmpty() || namespaces.contains(namespace);
    }

    public String leaseNamespace(Map<String, String> environment) {
        if (leaseNamespace != null && !leaseNamespace.isBlank()) {
            return leaseNamespace;
        }
        var fromPod = environment.get("POD_NAMESPACE");
        return fromPod == null || fromPod.isBlank() ? "default" : fromPod;
    }

    public TenantBackendConfig withEnabled(boolean value) {
        return new TenantBackendConfig(value, namespaces, repair, leaseName, leaseNamespace);
    }

    public TenantBackendConfig withLeaseNamespace(String value) {
        return new TenantBackendConfig(enabled, namespaces, repair, leaseName, value);
    }
}
