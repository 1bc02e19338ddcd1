package dev.coderadmission.policy.exposure;

import dev.coderadmission.admission.AdmissionRequest;
import dev.coderadmission.admission.Decision;
import dev.coderadmission.admission.Validator;
import dev.coderadmission.config.Enforcement;
import dev.coderadmission.config.ExposureConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The exposure guard's decision for any kind: a Coder object with violations is denied (or, with
 * {@code enforcement: warn}, admitted with a warning per violation), naming the object, why it is
 * Coder's and each rule with its fix.
 *
 * <p>Ratcheting: on UPDATE only what the change adds is denied. A violation the stored object already
 * has is reported as a warning, so controllers' status and finalizer writes and step-by-step fixes of
 * an object that predates the webhook still go through (the audit lists such objects).
 */
final class Guard<T> implements Validator<T> {
    private final ExposureConfig config;
    private final KindRules<T> rules;

    Guard(ExposureConfig config, KindRules<T> rules) {
        this.config = config;
        this.rules = rules;
    }

    @Override
    public Decision create(AdmissionRequest request, T object) {
        return update(request, null, object);
    }

    @Override
    public Decision update(AdmissionRequest request, T oldObject, T object) {
        var namespace = request.effectiveNamespace();
        var owner = rules.owner(namespace, object);
        if (owner.isEmpty()) {
            return Decision.allow();
        }
        var doubts = new ArrayList<String>();
        rules.warnings(namespace, object, doubts);
        var violations = violations(namespace, object);
        if (violations.isEmpty()) {
            return Decision.allow(doubts.stream().map(w -> "coder-admission " + request.describe() + ": " + w).toList());
        }
        var existing = oldObject != null && rules.owner(namespace, oldObject).isPresent()
                ? violations(namespace, oldObject) : List.<String>of();
        var added = violations.stream().filter(v -> !existing.contains(v)).toList();
        var kept = violations.stream().filter(existing::contains)
                .map(v -> "coder-admission " + request.describe() + " already had this before the update (allowed, "
                        + "fix it when you can): " + v).toList();
        if (added.isEmpty()) {
            return Decision.allow(kept);
        }
        if (config.enforcement() == Enforcement.WARN) {
            var warnings = new ArrayList<>(added.stream()
                    .map(v -> "coder-admission (warn-only) " + request.describe() + ": " + v).toList());
            warnings.addAll(kept);
            return Decision.allow(warnings);
        }
        return new Decision.Deny(403, request.describe() + " belongs to Coder (" + owner.get()
                + ") and would be reachable outside the tailnet: " + String.join("; ", added), kept);
    }

    private List<String> violations(String namespace, T object) {
        var violations = new ArrayList<String>();
        exposingAnnotations(rules.annotations(object), violations);
        rules.violations(namespace, object, violations);
        return violations;
    }

    private void exposingAnnotations(Map<String, String> annotations, List<String> violations) {
        for (var rule : config.exposingAnnotations().entrySet()) {
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

    static String oneOf(List<String> values) {
        if (values.isEmpty()) {
            return "an allowed value (none is configured)";
        }
        return values.size() == 1 ? values.getFirst() : "one of " + values;
    }
}
