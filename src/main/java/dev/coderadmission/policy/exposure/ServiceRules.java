package dev.coderadmission.policy.exposure;

import dev.coderadmission.config.CidrSet;
import dev.coderadmission.config.ExposureConfig;
import dev.coderadmission.kube.Kube;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Services: node ports, load balancers and their addresses, external IPs, ExternalName aliases of Coder. */
final class ServiceRules implements KindRules<Service> {
    private final ExposureConfig config;
    private final CoderOwnership ownership;
    private final CidrSet allowedCidrs;

    ServiceRules(ExposureConfig config, CoderOwnership ownership, CidrSet allowedCidrs) {
        this.config = config;
        this.ownership = ownership;
        this.allowedCidrs = allowedCidrs;
    }

    @Override
    public Optional<String> owner(String namespace, Service service) {
        return ownership.reason(namespace, service);
    }

    @Override
    public Map<String, String> annotations(Service service) {
        return Kube.annotations(service);
    }

    @Override
    public void violations(String namespace, Service service, List<String> violations) {
        var spec = service.getSpec();
        if (spec == null) {
            return;
        }
        var type = spec.getType() == null ? "ClusterIP" : spec.getType();
        if ("NodePort".equals(type)) {
            violations.add("[service-type] type NodePort opens the port on every node's address; use type ClusterIP "
                    + "behind an Ingress of class " + Guard.oneOf(config.allowedIngressClasses())
                    + ", or type LoadBalancer with spec.loadBalancerClass " + Guard.oneOf(config.allowedLoadBalancerClasses()));
        }
        if ("LoadBalancer".equals(type)) {
            loadBalancer(spec.getLoadBalancerClass(), violations);
            nodePorts(spec.getLoadBalancerClass(), spec.getAllocateLoadBalancerNodePorts(), spec.getPorts(), violations);
        }
        if ("ExternalName".equals(type) && ownership.declared(namespace, Kube.labels(service)).isEmpty()) {
            CoderOwnership.aliasTarget(service).ifPresent(target -> violations.add("[external-name] spec.externalName \""
                    + spec.getExternalName() + "\" makes this Service an alias of Coder's Service " + target[0] + "/"
                    + target[1] + ", so whatever routes to it reaches Coder unseen; route to " + target[0] + "/"
                    + target[1] + " directly, or label this Service " + Kube.PART_OF_LABEL
                    + "=coder so what routes to it is judged as Coder's"));
        }
        if (spec.getExternalIPs() != null) {
            for (var ip : spec.getExternalIPs()) {
                outsideCidrs("[external-ip] spec.externalIPs entry", ip, violations);
            }
        }
        if (spec.getLoadBalancerIP() != null && !spec.getLoadBalancerIP().isBlank()) {
            outsideCidrs("[load-balancer-ip] spec.loadBalancerIP", spec.getLoadBalancerIP(), violations);
        }
        var annotations = Kube.annotations(service);
        for (var key : config.loadBalancerIpAnnotations()) {
            var value = annotations.get(key);
            if (value != null) {
                for (var ip : value.split(",")) {
                    if (!ip.isBlank()) {
                        outsideCidrs("[load-balancer-ip] annotation " + key + " address", ip.trim(), violations);
                    }
                }
            }
        }
    }

    private void loadBalancer(String loadBalancerClass, List<String> violations) {
        var allowed = config.allowedLoadBalancerClasses();
        if (loadBalancerClass != null) {
            if (!allowed.contains(loadBalancerClass)) {
                violations.add("[load-balancer] spec.loadBalancerClass \"" + loadBalancerClass
                        + "\" is not an allowed class " + allowed + "; set spec.loadBalancerClass to " + Guard.oneOf(allowed));
            }
            return;
        }
        if (!config.internalLoadBalancer()) {
            violations.add("[load-balancer] type LoadBalancer without spec.loadBalancerClass gets the cluster's default "
                    + "load balancer, which is not declared internal; set spec.loadBalancerClass to " + Guard.oneOf(allowed)
                    + ", or set exposure.internal-load-balancer: true where the default load balancer is internal "
                    + "(KubeVirt CCM in a tenant cluster, a LAN-only MetalLB pool)");
        }
    }

    /**
     * A LoadBalancer also opens a node port on every node unless {@code allocateLoadBalancerNodePorts: false};
     * only the load balancers that forward through them (KubeVirt CCM) need them.
     */
    private void nodePorts(String loadBalancerClass, Boolean allocate, List<ServicePort> ports, List<String> violations) {
        var classKey = loadBalancerClass == null ? ExposureConfig.DEFAULT_CLASS : loadBalancerClass;
        if (config.nodePortLoadBalancerClasses().contains(classKey)) {
            return;
        }
        var what = loadBalancerClass == null ? "the default load balancer" : "load balancer class \"" + loadBalancerClass + "\"";
        if (!Boolean.FALSE.equals(allocate)) {
            violations.add("[load-balancer-node-ports] a LoadBalancer opens a node port on every node unless "
                    + "spec.allocateLoadBalancerNodePorts is false, and " + what + " does not need them; set "
                    + "spec.allocateLoadBalancerNodePorts: false (or list the class in exposure.node-port-load-balancer-classes)");
        }
        if (ports != null) {
            for (var port : ports) {
                if (port.getNodePort() != null && port.getNodePort() != 0) {
                    violations.add("[load-balancer-node-ports] spec.ports " + (port.getName() == null ? port.getPort() : port.getName())
                            + " asks for nodePort " + port.getNodePort() + ", open on every node; remove nodePort");
                }
            }
        }
    }

    private void outsideCidrs(String what, String ip, List<String> violations) {
        if (!allowedCidrs.contains(ip)) {
            var problem = CidrSet.isAddress(ip) ? "is outside the allowed CIDRs" : "is not an IP address inside the allowed CIDRs";
            violations.add(what + " " + ip + " " + problem + " [" + allowedCidrs
                    + "]; remove it or use an address inside exposure.allowed-cidrs");
        }
    }
}
