package dev.coderadmission.config;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import java.util.List;
import java.util.Locale;

/**
 * What makes an object "Coder's" ({@code coder-admission.coder.*}).
 *
 * @param namespaces               namespaces whose every object belongs to Coder
 * @param hosts                    Coder's host names; {@code *.x} matches exactly one label, as in Ingress rules
 * @param tenantServiceNamespaces  tenant namespaces whose Services, mirrored by KubeVirt CCM into the
 *                                 management cluster, are Coder's
 * @param hostMatching             how a wildcard in {@code hosts} or in an object matches: {@code suffix} (any depth,
 *                                 as ingress-nginx reads {@code *.example.com}; fail closed) or {@code kubernetes}
 *                                 (exactly one label, as the Ingress API defines it)
 * @param accessUrl                Coder's external access URL ({@code CODER_ACCESS_URL}), as baked into
 *                                 agent init scripts; absent: init scripts are not rewritten
 */
@JsonNaming(PropertyNamingStrategies.KebabCaseStrategy.class)
public record CoderConfig(List<String> namespaces, List<String> hosts, List<String> tenantServiceNamespaces,
                          String accessUrl, HostMatching hostMatching) {

    public enum HostMatching {
        @com.fasterxml.jackson.annotation.JsonProperty("suffix") SUFFIX,
        @com.fasterxml.jackson.annotation.JsonProperty("kubernetes") KUBERNETES
    }


    public static final List<String> DEFAULT_NAMESPACES = List.of("coder", "coder-workspace");
    public static final List<String> DEFAULT_TENANT_SERVICE_NAMESPACES = List.of("coder");

    public CoderConfig {
        namespaces = Defaults.list(namespaces, DEFAULT_NAMESPACES);
        // DNS names are case-insensitive; normalise once here, not per request.
        hosts = Defaults.list(hosts, List.of()).stream().map(h -> h.trim().toLowerCase(Locale.ROOT)).toList();
        tenantServiceNamespaces = Defaults.list(tenantServiceNamespaces, DEFAULT_TENANT_SERVICE_NAMESPACES);
        hostMatching = Defaults.value(hostMatching, HostMatching.SUFFIX);
        accessUrl = accessUrl == null || accessUrl.isBlank() ? null : HttpUrls.require(accessUrl, "coder.access-url");
        for (var host : hosts) {
            if (host.isEmpty() || host.lastIndexOf('*') > 0 || (host.startsWith("*") && !host.startsWith("*."))) {
                throw new IllegalArgumentException("host \"" + host
                        + "\" is not a DNS name or a wildcard of the form *.example.com");
            }
        }
    }

    public static CoderConfig defaults() {
        return new CoderConfig(null, null, null, null, null);
    }
}
