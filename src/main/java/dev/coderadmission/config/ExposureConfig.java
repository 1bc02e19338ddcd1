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
 * @param loadBalancerIpAnnotations    annotations that request load balancer addresses (comma-separated IPs),
 *                                     checked against {@code allowedCidrs}: MetalLB, Cilium LB-IPAM, kube-vip
 * @param nodePortLoadBalancerClasses  load balancer classes that need node ports ({@code default}: no class);
 *                                     other LoadBalancers must set {@code allocateLoadBalancerNodePorts: false}
 * @param allowedIngressControllers    when not empty, an allowed Ingress class is trusted only if its IngressClass's
 *                                     {@code spec.controller} is one of these (a class named tailscale served by nginx is not)
 * @param allowedGatewayClasses        Gateway API classes whose Gateways keep Coder on the tailnet (default: none)
 * @param allowedGatewayControllers    when not empty, an allowed GatewayClass must have one of these controllerNames
 * @param unknownGateway               what a route attached to a Gateway nobody knows gets: deny (fail closed) or warn
 */
@JsonNaming(PropertyNamingStrategies.KebabCaseStrategy.class)
public record ExposureConfig(
        Boolean enabled,
        Enforcement enforcement,
        List<String> allowedIngressClasses,
        List<String> allowedLoadBalancerClasses,
        Boolean internalLoadBalancer,
        List<String> allowedCidrs,
        Map<String, String> exposingAnnotations,
        List<String> loadBalancerIpAnnotations,
        List<String> nodePortLoadBalancerClasses,
        List<String> allowedIngressControllers,
        List<String> allowedGatewayClasses,
        List<String> allowedGatewayControllers,
        Enforcement unknownGateway) {

    public static final List<String> DEFAULT_ALLOWED_CIDRS = List.of(
            "100.64.0.0/10",        // Tailscale IPv4 (CGNAT range)
            "fd7a:115c:a1e0::/48",  // Tailscale IPv6
            "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", // RFC 1918
            "fc00::/7");            // RFC 4193 unique local

    public static final Map<String, String> DEFAULT_EXPOSING_ANNOTATIONS = Map.of(
            "tailscale.com/funnel", "true",
            "internal-networking/expose", "true");

    public static final List<String> DEFAULT_LOAD_BALANCER_IP_ANNOTATIONS = List.of(
            "metallb.universe.tf/loadBalancerIPs", "metallb.io/loadBalancerIPs", // MetalLB, old and new group
            "io.cilium/lb-ipam-ips",                                             // Cilium LB-IPAM
            "kube-vip.io/loadbalancerIPs");                                      // kube-vip

    /** The entry of {@code node-port-load-balancer-classes} that stands for a LoadBalancer without a class. */
    public static final String DEFAULT_CLASS = "default";

    public ExposureConfig {
        enabled = Defaults.value(enabled, Boolean.TRUE);
        enforcement = Defaults.value(enforcement, Enforcement.DENY);
        allowedIngressClasses = Defaults.list(allowedIngressClasses, List.of("tailscale"));
        allowedLoadBalancerClasses = Defaults.list(allowedLoadBalancerClasses, List.of("tailscale"));
        internalLoadBalancer = Defaults.value(internalLoadBalancer, Boolean.FALSE);
        allowedCidrs = Defaults.list(allowedCidrs, DEFAULT_ALLOWED_CIDRS);
        exposingAnnotations = Defaults.map(exposingAnnotations, DEFAULT_EXPOSING_ANNOTATIONS);
        loadBalancerIpAnnotations = Defaults.list(loadBalancerIpAnnotations, DEFAULT_LOAD_BALANCER_IP_ANNOTATIONS);
        // KubeVirt CCM (the tenant cluster's default load balancer) forwards through node ports; Tailscale does not
        nodePortLoadBalancerClasses = Defaults.list(nodePortLoadBalancerClasses, List.of(DEFAULT_CLASS));
        allowedIngressControllers = Defaults.list(allowedIngressControllers, List.of());
        allowedGatewayClasses = Defaults.list(allowedGatewayClasses, List.of());
        allowedGatewayControllers = Defaults.list(allowedGatewayControllers, List.of());
        unknownGateway = Defaults.value(unknownGateway, Enforcement.DENY);
        CidrSet.parse(allowedCidrs); // fail at load time, naming the bad entry, not on the first request
    }

    public static ExposureConfig defaults() {
        return new ExposureConfig(null, null, null, null, null, null, null, null, null, null, null, null, null);
    }

    public ExposureConfig withEnforcement(Enforcement value) {
        return new ExposureConfig(enabled, value, allowedIngressClasses, allowedLoadBalancerClasses,
                internalLoadBalancer, allowedCidrs, exposingAnnotations, loadBalancerIpAnnotations,
                nodePortLoadBalancerClasses, allowedIngressControllers, allowedGatewayClasses, allowedGatewayControllers,
                unknownGateway);
    }
}
