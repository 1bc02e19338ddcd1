package dev.coderadmission.policy;

import dev.coderadmission.config.AdmissionConfig;
import dev.coderadmission.policy.agenturl.AgentUrl;
import dev.coderadmission.policy.exposure.ClassIndex;
import dev.coderadmission.policy.exposure.GatewayIndex;
import dev.coderadmission.policy.exposure.PodAddresses;
import dev.coderadmission.tenant.MirrorIndex;
import dev.coderadmission.tenant.ServiceCatalog;

/**
 * The read-only cluster knowledge policies may consult: filled by informers in {@code serve}, by
 * state files in {@code dry-run}.
 *
 * @param services which Services are Coder's (CCM mirrors)
 * @param agentUrl the internal Coder URL for workspace agents
 * @param mirrors  KubeVirt CCM mirror Services, for the tenant backend rewrite
 * @param classes  IngressClasses and GatewayClasses (their controllers)
 * @param gateways Gateways and ReferenceGrants, for Gateway API routes
 * @param pods     the addresses of Coder's Pods, for hand-written EndpointSlices
 */
public record Lookups(ServiceCatalog services, AgentUrl agentUrl, MirrorIndex mirrors, ClassIndex classes,
                      GatewayIndex gateways, PodAddresses pods) {

    /** Only what the config itself says: no cluster state. */
    public static Lookups fromConfig(AdmissionConfig config) {
        var agentUrl = config.agentUrl();
        var source = agentUrl.staticUrl().isPresent() ? "agent-url.url"
                : "agent-url.url is not set" + (agentUrl.watchesConfigMap()
                ? " and ConfigMap " + agentUrl.configMap() + " is not available (no Kubernetes API server, or not in --state)"
                : " and agent-url.config-map is empty");
        return new Lookups(ServiceCatalog.EMPTY, AgentUrl.fixed(agentUrl.staticUrl(), source), MirrorIndex.EMPTY,
                ClassIndex.EMPTY, GatewayIndex.EMPTY, PodAddresses.EMPTY);
    }

    public Lookups withServices(ServiceCatalog value) {
        return new Lookups(value, agentUrl, mirrors, classes, gateways, pods);
    }

    public Lookups withAgentUrl(AgentUrl value) {
        return new Lookups(services, value, mirrors, classes, gateways, pods);
    }

    public Lookups withMirrors(MirrorIndex value) {
        return new Lookups(services, agentUrl, value, classes, gateways, pods);
    }

    public Lookups withClasses(ClassIndex value) {
        return new Lookups(services, agentUrl, mirrors, value, gateways, pods);
    }

    public Lookups withPods(PodAddresses value) {
        return new Lookups(services, agentUrl, mirrors, classes, gateways, value);
    }

    public Lookups withGateways(GatewayIndex value) {
        return new Lookups(services, agentUrl, mirrors, classes, value, pods);
    }
}
