package dev.coderadmission.policy;

import dev.coderadmission.admission.Webhook;
import dev.coderadmission.config.AdmissionConfig;
import dev.coderadmission.policy.agenturl.AgentUrlPolicy;
import dev.coderadmission.policy.exposure.ExposurePolicy;
import dev.coderadmission.policy.tenantbackend.TenantBackendPolicy;

import java.util.List;
import java.util.Optional;

/**
 * The table of webhooks, built once from config. The server routes by it and the dry-run CLI runs
 * it in kube-apiserver's order (mutating first, then validating), so both evaluate identically.
 */
public final class Webhooks {
    private final List<Webhook> all;

    private Webhooks(List<Webhook> all) {
        this.all = List.copyOf(all);
    }

    public static Webhooks create(AdmissionConfig config, Lookups lookups) {
        return new Webhooks(List.of(
                new Webhook("agent-url", Webhook.Phase.MUTATING,
                        new AgentUrlPolicy(config.agentUrl(), config.coder(), lookups.agentUrl())),
                new Webhook("tenant-backend", Webhook.Phase.MUTATING,
                        new TenantBackendPolicy(config.tenantBackend(), lookups.mirrors())),
                new Webhook("exposure", Webhook.Phase.VALIDATING,
                        new ExposurePolicy(config.exposure(), config.coder(), lookups.services(), lookups.classes(),
                                lookups.gateways(), lookups.pods()))));
    }

    public Optional<Webhook> byPath(String path) {
        return all.stream().filter(w -> w.path().equals(path)).findFirst();
    }

    public List<Webhook> inPhase(Webhook.Phase phase) {
        return all.stream().filter(w -> w.phase() == phase).toList();
    }

    public List<Webhook> all() {
        return all;
    }
}
