package dev.coderadmission.config;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import java.util.List;

/**
 * Tenant backend rewrite and its repair loop, for the management cluster ({@code coder-admission.tenant-backend.*}).
 *
 * @param enabled        whether {@code /mutate/tenant-backend} rewrites anything and the CCM Service index runs
 * @param namespaces     namespaces whose Ingresses are rewritten and whose CCM Services are indexed (empty: all)
 * @param repair         whether {@code serve} patches existing Ingresses when their CCM Service appears or changes
 *                       (in the replica elected by {@link LeaderElectionConfig})
 */
@JsonNaming(PropertyNamingStrategies.KebabCaseStrategy.class)
public record TenantBackendConfig(Boolean enabled, List<String> namespaces, Boolean repair) {

    public TenantBackendConfig {
        enabled = Defaults.value(enabled, Boolean.FALSE);
        namespaces = Defaults.list(namespaces, List.of());
        repair = Defaults.value(repair, Boolean.TRUE);
    }

    public static TenantBackendConfig defaults() {
        return new TenantBackendConfig(null, null, null);
    }

    public boolean inScope(String namespace) {
        return namespaces.isEmpty() || namespaces.contains(namespace);
    }
}
