package dev.coderadmission.config;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * Everything under {@code coder-admission:} in the config file. One type for the server and the
 * dry-run CLI, so both evaluate with the same settings.
 */
@JsonNaming(PropertyNamingStrategies.KebabCaseStrategy.class)
public record AdmissionConfig(ServerConfig server, KubernetesConfig kubernetes, CoderConfig coder,
                              ExposureConfig exposure, AgentUrlConfig agentUrl, TenantBackendConfig tenantBackend,
                              TlsConfig tls, LeaderElectionConfig leaderElection) {

    public AdmissionConfig {
        server = Defaults.value(server, ServerConfig.defaults());
        kubernetes = Defaults.value(kubernetes, KubernetesConfig.defaults());
        coder = Defaults.value(coder, CoderConfig.defaults());
        exposure = Defaults.value(exposure, ExposureConfig.defaults());
        agentUrl = Defaults.value(agentUrl, AgentUrlConfig.defaults());
        tenantBackend = Defaults.value(tenantBackend, TenantBackendConfig.defaults());
        tls = Defaults.value(tls, TlsConfig.defaults());
        leaderElection = Defaults.value(leaderElection, LeaderElectionConfig.defaults());
    }

    /** The embedded default config: what {@code serve} and {@code dry-run} use without {@code --config}. */
    public static AdmissionConfig defaults() {
        return new AdmissionConfig(null, null, null, null, null, null, null, null);
    }

    public AdmissionConfig withExposure(ExposureConfig value) {
        return new AdmissionConfig(server, kubernetes, coder, value, agentUrl, tenantBackend, tls, leaderElection);
    }

    public AdmissionConfig withCoder(CoderConfig value) {
        return new AdmissionConfig(server, kubernetes, value, exposure, agentUrl, tenantBackend, tls, leaderElection);
    }

    public AdmissionConfig withAgentUrl(AgentUrlConfig value) {
        return new AdmissionConfig(server, kubernetes, coder, exposure, value, tenantBackend, tls, leaderElection);
    }

    public AdmissionConfig withTls(TlsConfig value) {
        return new AdmissionConfig(server, kubernetes, coder, exposure, agentUrl, tenantBackend, value, leaderElection);
    }

    public AdmissionConfig withLeaderElection(LeaderElectionConfig value) {
        return new AdmissionConfig(server, kubernetes, coder, exposure, agentUrl, tenantBackend, tls, value);
    }

    public AdmissionConfig withKubernetes(KubernetesConfig value) {
        return new AdmissionConfig(server, value, coder, exposure, agentUrl, tenantBackend, tls, leaderElection);
    }

    public AdmissionConfig withServer(ServerConfig value) {
        return new AdmissionConfig(value, kubernetes, coder, exposure, agentUrl, tenantBackend, tls, leaderElection);
    }
}
