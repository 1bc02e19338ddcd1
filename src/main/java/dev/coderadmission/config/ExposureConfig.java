package dev.coderadmission.config;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import java.util.List;
import java.util.Map;

/**
 * The exposure guard ({@code coder-admission.exposure.*}).
 *
 * @param enabled                      whether {@code /validate/exposure} enforces anything (disabled: allows all)
 * @param enforcement                  {@code deny} rejects, {@code warn} admits with warnings
 * @param allowedIngressClasses        Ingress classes that keep Coder on the tailnet
 * @param allowedLoadBalancerClasses   {@code spec.loadBalancerClass} values that keep Coder on the tailnet
 * @param internalLoadBalancer         true where the cluster's default LoadBalancer (no class) is internal,
 *                                     e.g. KubeVirt CCM in a tenant cluster or a LAN-only MetalLB pool
 * @param allowedCidrs                 where external IPs and requested load balancer IPs may lie
 * @param exposingAnnotations          annotations that publish an object beyond the tailnet, with the value
 *                                     that does so ({@code "*"}: any value)
 */
@JsonNaming(PropertyNamingStrategies.KebabCaseStrategy.class)
public record ExposureConfig(
        Boolean enabled,
        Enforcement enforcement,
        List<String> allowedIngressClasses,
        List<String> allowedLoadBalancerClasses,
        Boolean internalLoadBalancer,
        List<String> allowedCidrs,
        Map<String, String> exposingAnnotations) {

    public static final List<String> DEFAULT_ALLOWED_CIDRS = List.of(
            "100.64.0.0/10",        // Tailscale IPv4 (CGNAT range)
            "fd7a:115c:a1e0::/48",  // Tailscale IPv6
            "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", // RFC 1918
            "fc00::/7");            // RFC 4193 unique local

    public static final Map<String, String> DEFAULT_EXPOSING_ANNOTATIONS = Map.of(
            "tailscale.com/funnel", "true",
            "internal-networking/expose", "true");

    public ExposureConfig {
        enabled = Defaults.value(enabled, Boolean.TRUE);
        enforcement = Defaults.value(enforcement, Enforcement.DENY);
        allowedIngressClasses = Defaults.list(allowedIngressClasses, List.of("tailscale"));
        allowedLoadBalancerClasses = Defaults.list(allowedLoadBalancerClasses, List.of("tailscale"));
        internalLoadBalancer = Defaults.value(internalLoadBalancer, Boolean.FALSE);
        allowedCidrs = Defaults.list(allowedCidrs, DEFAULT_ALLOWED_CIDRS);
        exposingAnnotations = Defaults.map(exposingAnnotations, DEFAULT_EXPOSING_ANNOTATIONS);
        CidrSet.parse(allowedCidrs); // fail at load time, naming the bad entry, not on the first request
    }

    public static ExposureConfig defaults() {
        return new ExposureConfig(null, null, null, null, null, null, null);
    }

    public ExposureConfig withEnforcement(Enforcement value) {
        return new ExposureConfig(enabled, value, allowedIngressClasses, allowedLoadBalancerClasses,
                internalLoadBalancer, allowedCidrs, exposingAnnotations);
    }
}
