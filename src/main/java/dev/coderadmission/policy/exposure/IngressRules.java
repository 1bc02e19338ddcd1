package dev.coderadmission.policy.exposure;

import dev.coderadmission.config.ExposureConfig;
import dev.coderadmission.kube.Kube;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Ingresses: Coder's by namespace, label, host or backend; public by class. */
final class IngressRules implements KindRules<Ingress> {
    static final String LEGACY_INGRESS_CLASS_ANNOTATION = "kubernetes.io/ingress.class";

    private final ExposureConfig config;
    private final CoderOwnership ownership;
    private final ClassTrust classes;

    IngressRules(ExposureConfig config, CoderOwnership ownership, ClassTrust classes) {
        this.config = config;
        this.ownership = ownership;
        this.classes = classes;
    }

    @Override
    public Optional<String> owner(String namespace, Ingress ingress) {
        return ownership.reason(namespace, ingress);
    }

    @Override
    public Map<String, String> annotations(Ingress ingress) {
        return Kube.annotations(ingress);
    }

    @Override
    public void violations(String namespace, Ingress ingress, List<String> violations) {
        var className = ingress.getSpec() == null ? null : ingress.getSpec().getIngressClassName();
        var legacy = Kube.annotations(ingress).get(LEGACY_INGRESS_CLASS_ANNOTATION);
        var allowed = config.allowedIngressClasses();
        var fix = "set spec.ingressClassName to " + Guard.oneOf(allowed);
        if (className == null && legacy == null) {
            violations.add("[ingress-class] no ingress class is set, so the cluster's default IngressClass, "
                    + "which may be public, would serve it; " + fix);
            return;
        }
        if (className != null) {
            if (!allowed.contains(className)) {
                violations.add("[ingress-class] spec.ingressClassName \"" + className + "\" is not an allowed class "
                        + allowed + "; " + fix);
            } else {
                classes.untrustedIngressClass(className).ifPresent(why -> violations.add("[ingress-controller] " + why));
            }
        }
        if (legacy != null && !allowed.contains(legacy)) {
            violations.add("[ingress-class] annotation " + LEGACY_INGRESS_CLASS_ANNOTATION + "=\"" + legacy
                    + "\" is not an allowed class " + allowed + "; remove the annotation and " + fix);
        }
    }
}
