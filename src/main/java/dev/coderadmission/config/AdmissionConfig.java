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
                              TlsConfig tls, LeaderElectionConfig leaderElection, AuditConfig audit,
                              LoggingConfig logging) {

    public AdmissionConfig {
        server = Defaults.value(server, ServerConfig.defaults());
        kubernetes = Defaults.value(kubernetes, KubernetesConfig.defaults());
        coder = Defaults.value(coder, CoderConfig.defaults());
        exposure = Defaults.value(exposure, ExposureConfig.defaults());
        agentUrl = Defaults.value(agentUrl, AgentUrlConfig.defaults());
        tenantBackend = Defaults.value(tenantBackend, TenantBackendConfig.defaults());
        tls = Defaults.value(tls, TlsConfig.defaults());
        leaderElection = Defaults.value(leaderElection, LeaderElectionConfig.defaults());
        audit = Defaults.value(audit, AuditConfig.defaults());
        logging = Defaults.value(logging, LoggingConfig.defaults());
    }

    /** The embedded default config: what {@code serve} and {@code dry-run} use without {@code --config}. */
    public static AdmissionConfig defaults() {
        return new AdmissionConfig(null, null, null, null, null, null, null, null, null, null);
    }

    public AdmissionConfig withExposure(ExposureConfig value) {
        return new AdmissionConfig(server, kubernetes, coder, value, agentUrl, tenantBackend, tls, leaderElection, audit, logging);
    }

    public AdmissionConfig withCoder(CoderConfig value) {
        return new AdmissionConfig(server, kubernetes, value, exposure, agentUrl, tenantBackend, tls, leaderElection, audit, logging);
    }

    public AdmissionConfig withAgentUrl(AgentUrlConfig value) {
        return new AdmissionConfig(server, kubernetes, coder, exposure, value, tenantBackend, tls, leaderElection, audit, logging);
    }

    public AdmissionConfig withTls(TlsConfig value) {
        return new AdmissionConfig(server, kubernetes, coder, exposure, agentUrl, tenantBackend, value, leaderElection, audit, logging);
    }

    public AdmissionConfig withLeaderElection(LeaderElectionConfig value) {
        return new AdmissionConfig(server, kubernetes, coder, exposure, agentUrl, tenantBackend, tls, value, audit, logging);
    }

    public AdmissionConfig withKubernetes(KubernetesConfig value) {
        return new AdmissionConfig(server, value, coder, exposure, agentUrl, tenantBackend, tls, leaderElection, audit, logging);
    }

    public AdmissionConfig withServer(ServerConfig value) {
        return new AdmissionConfig(value, kubernetes, coder, exposure, agentUrl, tenantBackend, tls, leaderElection, audit, logging);
    }

    public AdmissionConfig withAudit(AuditConfig value) {
        return new AdmissionConfig(server, kubernetes, coder, exposure, agentUrl, tenantBackend, tls, leaderElection, value, logging);
    }

    public AdmissionConfig withLogging(LoggingConfig value) {
        return new AdmissionConfig(server, kubernetes, coder, exposure, agentUrl, tenantBackend, tls, leaderElection, audit, value);
    }

    /**
     * This config judging as {@code enforcement: deny}: what the audits report, so a cluster still on
     * {@code warn} sees what switching would reject.
     */
    public AdmissionConfig enforcing() {
        return withExposure(exposure.withEnforcement(Enforcement.DENY));
    }
}
