package dev.coderadmission.policy.tenantbackend;

import dev.coderadmission.admission.AdmissionRequest;
import dev.coderadmission.admission.Decision;
import dev.coderadmission.admission.Patches;
import dev.coderadmission.admission.Policy;
import dev.coderadmission.config.TenantBackendConfig;
import dev.coderadmission.tenant.Mirror;
import dev.coderadmission.tenant.MirrorIndex;

import java.util.List;
import java.util.stream.Collectors;

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
        return switch (BackendRewrite.resolve(request.object(), namespace, index)) {
            case BackendRewrite.Outcome.NotAnnotated ignored -> Decision.allow();
            case BackendRewrite.Outcome.Malformed malformed -> Decision.invalid(subject + ": " + malformed.message());
            case BackendRewrite.Outcome.NoMirror none -> Decision.allow(List.of("coder-admission: " + subject
                    + ": no KubeVirt CCM Service in namespace " + namespace + " mirrors tenant Service " + none.tenantService()
                    + (none.cluster() == null ? "" : " of cluster " + none.cluster())
                    + " yet; backends left as they are, and repaired when it appears"));
            case BackendRewrite.Outcome.Ambiguous ambiguous -> Decision.deny(subject + ": tenant Service "
                    + ambiguous.tenantService() + " is mirrored by several KubeVirt CCM Services in namespace " + namespace
                    + ": " + ambiguous.candidates().stream().map(Mirror::describe).collect(Collectors.joining(", "))
                    + "; set annotation " + BackendRewrite.TENANT_CLUSTER + " to one of "
                    + ambiguous.candidates().stream().map(Mirror::cluster).distinct().sorted().toList());
            case BackendRewrite.Outcome.PortMissing missing -> Decision.deny(subject + ": backend port "
                    + String.join(", ", missing.missing()) + " does not exist on " + missing.mirror().describe()
                    + "; its ports are " + missing.mirror().ports());
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
