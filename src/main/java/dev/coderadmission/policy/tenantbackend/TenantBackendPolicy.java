package dev.coderadmission.policy.tenantbackend;

import dev.coderadmission.admission.AdmissionRequest;
import dev.coderadmission.admission.Decision;
import dev.coderadmission.admission.Patches;
import dev.coderadmission.admission.Policy;
import dev.coderadmission.config.TenantBackendConfig;
import dev.coderadmission.tenant.MirrorIndex;

import java.util.List;

/**
 * Seed 000 made declarative: an Ingress in the management cluster names the tenant Service it means
 * ({@value BackendRewrite#TENANT_SERVICE}), and its backends are pointed at the hashed Service that
 * KubeVirt CCM created for it, found in an in-memory index.
 */
public final class TenantBackendPolicy implements Policy {
    private final TenantBackendConfig config;
    private final MirrorIndex index;

    public TenantBackendPolicy(TenantBackendConfig config, MirrorIndex index) {
        this.config = config;
        this.index = index;
    }

    @Override
    public Decision admit(AdmissionRequest request) {
        if (!config.enabled() || !request.operation().writesObject() || !request.is("networking.k8s.io", "Ingress")
                || !request.object().isObject()) {
            return Decision.allow();
        }
        var namespace = request.effectiveNamespace();
        if (!config.inScope(namespace)) {
            return Decision.allow();
        }
        var subject = request.describe();
        var outcome = BackendRewrite.resolve(request.object(), namespace, index);
        return switch (outcome) {
            case BackendRewrite.Outcome.NotAnnotated ignored -> Decision.allow();
            case BackendRewrite.Outcome.Malformed malformed -> Decision.invalid(BackendRewrite.problem(outcome, subject, namespace));
            case BackendRewrite.Outcome.NoMirror none -> Decision.allow(List.of("coder-admission: "
                    + BackendRewrite.problem(outcome, subject, namespace) + "; backends left as they are, and repaired when it appears"));
            case BackendRewrite.Outcome.Ambiguous ambiguous -> Decision.deny(BackendRewrite.problem(outcome, subject, namespace));
            case BackendRewrite.Outcome.PortMissing missing -> Decision.deny(BackendRewrite.problem(outcome, subject, namespace));
            case BackendRewrite.Outcome.Resolved resolved -> patch(request, resolved);
        };
    }

    private static Decision patch(AdmissionRequest request, BackendRewrite.Outcome.Resolved resolved) {
        var warnings = resolved.changedBackends()
                ? List.of("coder-admission: " + request.describe() + " backend " + String.join(", ", resolved.previous())
                + " -> " + resolved.mirror().describe())
                : List.<String>of();
        var decision = Patches.decide(request.object(), resolved.ingress(), warnings);
        // already resolved: no patch and no warning, so Flux's drift detection sees nothing
        return decision instanceof Decision.Patch ? decision : Decision.allow();
    }
}
