package dev.coderadmission.policy.exposure;

import dev.coderadmission.admission.AdmissionRequest;
import dev.coderadmission.admission.Decision;
import dev.coderadmission.admission.Operation;
import dev.coderadmission.admission.Policy;
import dev.coderadmission.config.CidrSet;
import dev.coderadmission.config.CoderConfig;
import dev.coderadmission.config.Enforcement;
import dev.coderadmission.config.ExposureConfig;
import dev.coderadmission.kube.Kube;
import dev.coderadmission.tenant.ServiceCatalog;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The exposure guard: rejects (or warns about) Coder's Ingresses and Services that would make Coder
 * reachable from outside the tailnet. Pure: config and a read-only service catalog in, decision out.
 */
public final class ExposurePolicy implements Policy {
    /** MetalLB's per-Service address requests, old and new annotation group. */
    static final List<String> METALLB_IP_ANNOTATIONS =
            List.of("metallb.universe.tf/loadBalancerIPs", "metallb.io/loadBalancerIPs");
    static final String LEGACY_INGRESS_CLASS_ANNOTATION = "kubernetes.io/ingress.class";

    private final ExposureConfig config;
    private final CoderOwnership ownership;
    private final CidrSet allowedCidrs;

    public ExposurePolicy(ExposureConfig config, CoderConfig coder, ServiceCatalog services) {
        this.config = config;
        this.ownership = new CoderOwnership(coder, services);
        this.allowedCidrs = CidrSet.parse(config.allowedCidrs());
    }

    @Override
    public Decision admit(AdmissionRequest request) {
        if (!config.enabled() || !request.operation().writesObject()) {
            return Decision.allow();
        }
        if (request.is("networking.k8s.io", "Ingress")) {
            return check(request, Ingress.class);
        }
        if (request.is("", "Service")) {
            return check(request, Service.class);
        }
        return Decision.allow();
    }

    private <T extends HasMetadata> Decision check(AdmissionRequest request, Class<T> type) {
        if (request.operation() == Operation.UPDATE && Kube.deleting(request.object())) {
            // Finalizer removal by the service controller, Flux prune or the garbage collector: denying
            // it would leave the object Terminating forever, and deleting it unpublishes it anyway.
            return Decision.allow();
        }
        T object;
        try {
            object = Kube.as(request.object(), type);
        } catch (IllegalArgumentException e) {
            return Decision.invalid(request.describe() + ": request.object is not a valid "
                    + type.getSimpleName() + ": " + firstLine(e.getMessage()));
        }
        var namespace = request.effectiveNamespace();
        var owner = ownership.reason(namespace, object);
        if (owner.isEmpty()) {
            return Decision.allow();
        }
        var violations = violations(object);
        if (violations.isEmpty()) {
            return Decision.allow();
        }
        // Ratcheting: on UPDATE only what the change adds is denied. A violation the stored object already
        // has is reported as a warning, so controllers' status and finalizer writes and step-by-step fixes
        // of an object that predates the webhook still go through (the audit lists such objects).
        var existing = request.operation() == Operation.UPDATE ? existingViolations(request, type, namespace) : List.<String>of();
        var added = violations.stream().filter(v -> !existing.contains(v)).toList();
        var kept = violations.stream().filter(existing::contains)
                .map(v -> "coder-admission " + request.describe() + " already had this before the update (allowed, "
                        + "fix it when you can): " + v).toList();
        if (added.isEmpty()) {
            return Decision.allow(kept);
        }
        var subject = request.describe() + " belongs to Coder (" + owner.get() + ")";
        if (config.enforcement() == Enforcement.WARN) {
            var warnings = new ArrayList<>(added.stream()
                    .map(v -> "coder-admission (warn-only) " + request.describe() + ": " + v).toList());
            warnings.addAll(kept);
            return Decision.allow(warnings);
        }
        return new Decision.Deny(403, subject + " and would be reachable outside the tailnet: " + String.join("; ", added), kept);
    }

    /** What the stored object already violated (nothing when it was not Coder's or does not parse). */
    private <T extends HasMetadata> List<String> existingViolations(AdmissionRequest request, Class<T> type, String namespace) {
        if (!request.oldObject().isObject()) {
            return List.of();
        }
        try {
            var old = Kube.as(request.oldObject(), type);
            return ownership.reason(namespace, old).isPresent() ? violations(old) : List.of();
        } catch (IllegalArgumentException e) {
            return List.of();
        }
    }

    private List<String> violations(HasMetadata object) {
        var violations = new ArrayList<String>();
        exposingAnnotations(object, violations);
        switch (object) {
            case Ingress ingress -> ingressClass(ingress, violations);
            case Service service -> service(service, violations);
            default -> { }
        }
        return violations;
    }

    private void exposingAnnotations(HasMetadata object, List<String> violations) {
        var annotations = Kube.annotations(object);
        for (Map.Entry<String, String> rule : config.exposingAnnotations().entrySet()) {
            var value = annotations.get(rule.getKey());
            if (value != null && ("*".equals(rule.getValue())
                    || value.trim().equalsIgnoreCase(rule.getValue().trim()))) {
                violations.add("[exposing-annotation] annotation " + rule.getKey() + "=\"" + value
                        + "\" publishes it beyond the tailnet"
                        + ("tailscale.com/funnel".equals(rule.getKey()) ? " (Tailscale Funnel is public internet access)" : "")
                        + "; remove the annotation (listed in exposure.exposing-annotations)");
            }
        }
    }

    private void ingressClass(Ingress ingress, List<String> violations) {
        var className = ingress.getSpec() == null ? null : ingress.getSpec().getIngressClassName();
        var legacy = Kube.annotations(ingress).get(LEGACY_INGRESS_CLASS_ANNOTATION);
        var allowed = config.allowedIngressClasses();
        var fix = "set spec.ingressClassName to " + oneOf(allowed);
        if (className == null && legacy == null) {
            violations.add("[ingress-class] no ingress class is set, so the cluster's default IngressClass, "
                    + "which may be public, would serve it; " + fix);
            return;
        }
        if (className != null && !allowed.contains(className)) {
            violations.add("[ingress-class] spec.ingressClassName \"" + className + "\" is not an allowed class "
                    + allowed + "; " + fix);
        }
        if (legacy != null && !allowed.contains(legacy)) {
            violations.add("[ingress-class] annotation " + LEGACY_INGRESS_CLASS_ANNOTATION + "=\"" + legacy
                    + "\" is not an allowed class " + allowed + "; remove the annotation and " + fix);
        }
    }

    private void service(Service service, List<String> violations) {
        var spec = service.getSpec();
        if (spec == null) {
            return;
        }
        var type = spec.getType() == null ? "ClusterIP" : spec.getType();
        if ("NodePort".equals(type)) {
            violations.add("[service-type] type NodePort opens the port on every node's address; use type ClusterIP "
                    + "behind an Ingress of class " + oneOf(config.allowedIngressClasses())
                    + ", or type LoadBalancer with spec.loadBalancerClass " + oneOf(config.allowedLoadBalancerClasses()));
        }
        if ("LoadBalancer".equals(type)) {
            loadBalancer(spec.getLoadBalancerClass(), violations);
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
        for (var key : METALLB_IP_ANNOTATIONS) {
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
                        + "\" is not an allowed class " + allowed + "; set spec.loadBalancerClass to " + oneOf(allowed));
            }
            return;
        }
        if (!config.internalLoadBalancer()) {
            violations.add("[load-balancer] type LoadBalancer without spec.loadBalancerClass gets the cluster's default "
                    + "load balancer, which is not declared internal; set spec.loadBalancerClass to " + oneOf(allowed)
                    + ", or set exposure.internal-load-balancer: true where the default load balancer is internal "
                    + "(KubeVirt CCM in a tenant cluster, a LAN-only MetalLB pool)");
        }
    }

    private void outsideCidrs(String what, String ip, List<String> violations) {
        if (!allowedCidrs.contains(ip)) {
            var problem = CidrSet.isAddress(ip) ? "is outside the allowed CIDRs" : "is not an IP address inside the allowed CIDRs";
            violations.add(what + " " + ip + " " + problem + " [" + allowedCidrs
                    + "]; remove it or use an address inside exposure.allowed-cidrs");
        }
    }

    private static String oneOf(List<String> values) {
        if (values.isEmpty()) {
            return "an allowed value (none is configured)";
        }
        return values.size() == 1 ? values.getFirst() : "one of " + values;
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "unreadable";
        }
        var cut = message.indexOf('\n');
        return cut < 0 ? message : message.substring(0, cut);
    }

}
