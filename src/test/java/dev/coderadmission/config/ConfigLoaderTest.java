package dev.coderadmission.config;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConfigLoaderTest {

    @Test
    void theDefaultsAreTheDocumentedOnes() {
        var config = ConfigLoader.parse("", "empty");

        assertThat(config).isEqualTo(AdmissionConfig.defaults());
        assertThat(config.server().port()).isEqualTo(8443);
        assertThat(config.server().managementPort()).isEqualTo(8080);
        assertThat(config.server().maxRequestBytes()).isEqualTo(3L * 1024 * 1024);
        assertThat(config.coder().namespaces()).containsExactly("coder", "coder-workspace");
        assertThat(config.coder().hosts()).isEmpty();
        assertThat(config.coder().tenantServiceNamespaces()).containsExactly("coder");
        assertThat(config.exposure().enabled()).isTrue();
        assertThat(config.exposure().enforcement()).isEqualTo(Enforcement.DENY);
        assertThat(config.exposure().allowedIngressClasses()).containsExactly("tailscale");
        assertThat(config.exposure().allowedLoadBalancerClasses()).containsExactly("tailscale");
        assertThat(config.exposure().internalLoadBalancer()).isFalse();
        assertThat(config.exposure().allowedCidrs()).contains("100.64.0.0/10", "fd7a:115c:a1e0::/48", "192.168.0.0/16");
        assertThat(config.exposure().exposingAnnotations())
                .containsEntry("tailscale.com/funnel", "true").containsEntry("internal-networking/expose", "true");
    }

    @Test
    void everyYamlKeyTakesEffect() {
        var config = ConfigLoader.parse("""
                micronaut:
                  ignored: here
                coder-admission:
                  server: {port: 9443, management-port: 9080, host: 127.0.0.1, max-request-bytes: 1024,
                           shutdown-drain: 1s, shutdown-grace-period: 7s, max-connections: 50,
                           request-timeout: 4s, idle-timeout: 60s, max-in-flight-bytes: 4096}
                  kubernetes: {enabled: "false", informer-restart-after: 2m}
                  leader-election: {lease-name: x, lease-namespace: y, lease-duration: 20s, renew-deadline: 12s, retry-period: 3s}
                  coder:
                    namespaces: [dev]
                    hosts: [Coder.Example.COM, "*.coder.example.com"]
                    tenant-service-namespaces: [coder-prod]
                  exposure:
                    enabled: false
                    enforcement: warn
                    allowed-ingress-classes: [tailscale, tenant-root]
                    allowed-load-balancer-classes: [tailscale, internal]
                    internal-load-balancer: true
                    allowed-cidrs: [100.64.0.0/10]
                    exposing-annotations: {example.com/public: "*"}
                """, "test");

        assertThat(config.server()).isEqualTo(new ServerConfig(9443, 9080, "127.0.0.1", 1024L,
                java.time.Duration.ofSeconds(1), java.time.Duration.ofSeconds(7), 50, java.time.Duration.ofSeconds(4),
                java.time.Duration.ofSeconds(60), 4096L));
        assertThat(config.kubernetes()).isEqualTo(new KubernetesConfig("false", java.time.Duration.ofMinutes(2)));
        assertThat(config.leaderElection()).isEqualTo(new LeaderElectionConfig("x", "y", java.time.Duration.ofSeconds(20),
                java.time.Duration.ofSeconds(12), java.time.Duration.ofSeconds(3)));
        assertThat(config.coder().namespaces()).containsExactly("dev");
        assertThat(config.coder().hosts()).containsExactly("coder.example.com", "*.coder.example.com");
        assertThat(config.coder().tenantServiceNamespaces()).containsExactly("coder-prod");
        var exposure = config.exposure();
        assertThat(exposure.enabled()).isFalse();
        assertThat(exposure.enforcement()).isEqualTo(Enforcement.WARN);
        assertThat(exposure.allowedIngressClasses()).containsExactly("tailscale", "tenant-root");
        assertThat(exposure.allowedLoadBalancerClasses()).containsExactly("tailscale", "internal");
        assertThat(exposure.internalLoadBalancer()).isTrue();
        assertThat(exposure.allowedCidrs()).containsExactly("100.64.0.0/10");
        assertThat(exposure.exposingAnnotations()).isEqualTo(Map.of("example.com/public", "*"));
    }

    @Test
    void agentUrlAndKubernetesKeysTakeEffect() {
        var config = ConfigLoader.parse("""
                coder-admission:
                  kubernetes: {enabled: "false"}
                  coder: {access-url: "https://coder.example.com/"}
                  agent-url:
                    enabled: false
                    namespaces: [ws]
                    url: http://coder.coder.svc.cluster.local:80/
                    config-map: other/urls
                    config-map-key: agent
                    rewrite-init-script: false
                """, "test");

        assertThat(config.kubernetes().enabled()).isEqualTo("false");
        // an unquoted YAML boolean means the same
        assertThat(ConfigLoader.parse("coder-admission: {kubernetes: {enabled: false}}", "t").kubernetes().enabled()).isEqualTo("false");
        assertThat(ConfigLoader.parse("coder-admission: {kubernetes: {enabled: true}}", "t").kubernetes().enabled()).isEqualTo("true");
        assertThat(config.coder().accessUrl()).isEqualTo("https://coder.example.com");
        var agentUrl = config.agentUrl();
        assertThat(agentUrl.enabled()).isFalse();
        assertThat(agentUrl.namespaces()).containsExactly("ws");
        assertThat(agentUrl.staticUrl()).hasValue("http://coder.coder.svc.cluster.local:80");
        assertThat(agentUrl.configMapNamespace()).isEqualTo("other");
        assertThat(agentUrl.configMapName()).isEqualTo("urls");
        assertThat(agentUrl.configMapKey()).isEqualTo("agent");
        assertThat(agentUrl.rewriteInitScript()).isFalse();
    }

    @Test
    void tenantBackendKeysTakeEffect() {
        var config = ConfigLoader.parse("""
                coder-admission:
                  tenant-backend:
                    enabled: true
                    namespaces: [tenant-root]
                    repair: false
                  leader-election:
                    lease-name: coder-admission-mgmt
                    lease-namespace: cozy-coder
                """, "test");

        var tenantBackend = config.tenantBackend();
        assertThat(tenantBackend.enabled()).isTrue();
        assertThat(tenantBackend.namespaces()).containsExactly("tenant-root");
        assertThat(tenantBackend.inScope("tenant-root")).isTrue();
        assertThat(tenantBackend.inScope("tenant-other")).isFalse();
        assertThat(tenantBackend.repair()).isFalse();
        assertThat(config.leaderElection().leaseName()).isEqualTo("coder-admission-mgmt");
        assertThat(config.leaderElection().leaseNamespace(Map.of("POD_NAMESPACE", "ignored"))).isEqualTo("cozy-coder");

        var defaults = AdmissionConfig.defaults().tenantBackend();
        assertThat(defaults.enabled()).isFalse();
        assertThat(defaults.namespaces()).isEmpty();
        assertThat(defaults.inScope("anything")).isTrue();
        assertThat(defaults.repair()).isTrue();
        var election = AdmissionConfig.defaults().leaderElection();
        assertThat(election.leaseName()).isEqualTo("coder-admission");
        assertThat(election.leaseNamespace(Map.of("POD_NAMESPACE", "coder-admission"))).isEqualTo("coder-admission");
        assertThat(election.leaseNamespace(Map.of())).isEqualTo("default");
    }

    @Test
    void auditKeysTakeEffectAndBadValuesAreErrors() {
        var audit = ConfigLoader.parse("coder-admission: {audit: {enabled: true, interval: 30m, events: false, page-size: 500}}",
                "t").audit();
        assertThat(audit.enabled()).isTrue();
        assertThat(audit.interval()).isEqualTo(java.time.Duration.ofMinutes(30));
        assertThat(audit.events()).isFalse();
        assertThat(audit.pageSize()).isEqualTo(500);
        var defaults = AdmissionConfig.defaults().audit();
        assertThat(defaults.enabled()).isFalse();
        assertThat(defaults.interval()).isEqualTo(java.time.Duration.ofMinutes(10));
        assertThat(defaults.events()).isTrue();
        assertThat(defaults.pageSize()).isEqualTo(250);
        assertThatThrownBy(() -> ConfigLoader.parse("coder-admission: {audit: {interval: 0s}}", "f.yaml"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("audit.interval must be at least 1s");
        assertThatThrownBy(() -> ConfigLoader.parse("coder-admission: {audit: {page-size: 0}}", "f.yaml"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("audit.page-size");
    }

    @Test
    void tlsKeysTakeEffect() {
        var config = ConfigLoader.parse("""
                coder-admission:
                  tls:
                    mode: self-managed
                    key-type: rsa-3072
                    service-name: webhook
                    service-namespace: cozy-coder
                    extra-dns-names: [webhook.example.internal]
                    secret-name: webhook-tls
                    serving-validity: 30d
                    renew-before: 10d
                    ca-validity: 1000d
                    ca-renew-before: 100d
                    ca-overlap: 10m
                    check-interval: 30s
                    webhook-configurations: {mutating: [m1], validating: [v1, v2]}
                    reload-interval: 500ms
                    client-ca-file: /etc/coder-admission/client-ca.crt
                """, "test");

        var tls = config.tls();
        assertThat(tls.mode()).isEqualTo(TlsConfig.Mode.SELF_MANAGED);
        assertThat(tls.keyType()).isEqualTo(TlsConfig.KeyType.RSA_3072);
        assertThat(tls.dnsNames(tls.serviceNamespace(Map.of()))).containsExactly("webhook", "webhook.cozy-coder",
                "webhook.cozy-coder.svc", "webhook.cozy-coder.svc.cluster.local", "webhook.example.internal");
        assertThat(tls.secretName()).isEqualTo("webhook-tls");
        assertThat(tls.servingValidity()).isEqualTo(java.time.Duration.ofDays(30));
        assertThat(tls.renewBefore()).isEqualTo(java.time.Duration.ofDays(10));
        assertThat(tls.caValidity()).isEqualTo(java.time.Duration.ofDays(1000));
        assertThat(tls.caRenewBefore()).isEqualTo(java.time.Duration.ofDays(100));
        assertThat(tls.caOverlap()).isEqualTo(java.time.Duration.ofMinutes(10));
        assertThat(tls.checkInterval()).isEqualTo(java.time.Duration.ofSeconds(30));
        assertThat(tls.webhookConfigurations().mutating()).containsExactly("m1");
        assertThat(tls.webhookConfigurations().validating()).containsExactly("v1", "v2");
        assertThat(tls.reloadInterval()).isEqualTo(java.time.Duration.ofMillis(500));
        assertThat(tls.clientCaFile()).isEqualTo("/etc/coder-admission/client-ca.crt");

        var defaults = AdmissionConfig.defaults().tls();
        assertThat(defaults.mode()).isEqualTo(TlsConfig.Mode.EPHEMERAL);
        assertThat(defaults.keyType()).isEqualTo(TlsConfig.KeyType.ECDSA);
        assertThat(defaults.serviceNamespace(Map.of("POD_NAMESPACE", "coder-admission"))).isEqualTo("coder-admission");
        assertThat(defaults.servingValidity()).isEqualTo(java.time.Duration.ofDays(90));
        assertThat(defaults.renewBefore()).isEqualTo(java.time.Duration.ofDays(30));
        assertThat(defaults.caValidity()).isEqualTo(java.time.Duration.ofDays(3650));
        assertThat(defaults.caRenewBefore()).isEqualTo(java.time.Duration.ofDays(365));
    }

    @Test
    void inconsistentTlsSettingsAreErrors() {
        assertThatThrownBy(() -> ConfigLoader.parse("coder-admission: {tls: {serving-validity: 10d, renew-before: 10d}}", "f"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("tls.renew-before must be shorter");
        assertThatThrownBy(() -> ConfigLoader.parse("coder-admission: {tls: {mode: files}}", "f"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("tls.mode files needs tls.cert-file and tls.key-file");
        assertThatThrownBy(() -> ConfigLoader.parse("coder-admission: {tls: {check-interval: soon}}", "f"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("coder-admission.tls.check-interval")
                .hasMessageContaining("is not a duration like 90d");
        assertThatThrownBy(() -> ConfigLoader.parse("coder-admission: {tls: {key-type: dsa}}", "f"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("coder-admission.tls.key-type");
    }

    @Test
    void agentUrlDefaults() {
        var agentUrl = AdmissionConfig.defaults().agentUrl();

        assertThat(agentUrl.enabled()).isTrue();
        assertThat(agentUrl.namespaces()).containsExactly("coder-workspace");
        assertThat(agentUrl.staticUrl()).isEmpty();
        assertThat(agentUrl.configMap()).isEqualTo("coder/coder-workspace-config");
        assertThat(agentUrl.configMapKey()).isEqualTo("coder_url");
        assertThat(agentUrl.rewriteInitScript()).isTrue();
        assertThat(AdmissionConfig.defaults().kubernetes().enabled()).isEqualTo("auto");
        assertThat(ConfigLoader.parse("coder-admission: {agent-url: {config-map: \"\"}}", "t").agentUrl().watchesConfigMap()).isFalse();
    }

    @Test
    void badAgentUrlValuesAreErrors() {
        assertThatThrownBy(() -> ConfigLoader.parse("coder-admission: {agent-url: {url: coder.coder.svc:80}}", "f.yaml"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("agent-url.url \"coder.coder.svc:80\" is not an absolute");
        assertThatThrownBy(() -> ConfigLoader.parse("coder-admission: {agent-url: {config-map: just-a-name}}", "f.yaml"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("must be namespace/name");
        assertThatThrownBy(() -> ConfigLoader.parse("coder-admission: {coder: {access-url: \"ftp://x\"}}", "f.yaml"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("coder.access-url");
        assertThatThrownBy(() -> ConfigLoader.parse("coder-admission: {kubernetes: {enabled: maybe}}", "f.yaml"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("must be auto, true or false");
    }

    @Test
    void kubernetesAutoFollowsFabric8sDiscovery(@org.junit.jupiter.api.io.TempDir Path home) throws Exception {
        var auto = KubernetesConfig.defaults();

        assertThat(auto.active(Map.of(), home)).isFalse();
        assertThat(auto.active(Map.of("KUBERNETES_SERVICE_HOST", "10.96.0.1"), home)).isTrue();
        assertThat(auto.active(Map.of("KUBECONFIG", "/tmp/kubeconfig"), home)).isTrue();
        java.nio.file.Files.createDirectories(home.resolve(".kube"));
        java.nio.file.Files.writeString(home.resolve(".kube/config"), "apiVersion: v1\n");
        assertThat(auto.active(Map.of(), home)).isTrue();
        assertThat(new KubernetesConfig("false", null).active(Map.of("KUBERNETES_SERVICE_HOST", "x"), home)).isFalse();
        assertThat(new KubernetesConfig("true", null).active(Map.of(), Path.of("/nonexistent"))).isTrue();
    }

    @Test
    void anEmptyListIsKeptEmptyNotDefaulted() {
        var config = ConfigLoader.parse("coder-admission:\n  coder:\n    namespaces: []\n", "test");

        assertThat(config.coder().namespaces()).isEqualTo(List.of());
    }

    @Test
    void theExampleConfigsLoad() {
        var tenant = ConfigLoader.load(Path.of("src/examples/config-tenant.yaml"));
        var management = ConfigLoader.load(Path.of("src/examples/config-management.yaml"));

        assertThat(tenant.exposure().internalLoadBalancer()).isTrue();
        assertThat(management.exposure().allowedIngressClasses()).containsExactly("tailscale", "tenant-root");
        assertThat(management.coder().namespaces()).isEmpty();
    }

    @Test
    void anUnknownKeyIsAnErrorNamingItsPath() {
        assertThatThrownBy(() -> ConfigLoader.parse("coder-admission:\n  exposure:\n    alowed-cidrs: []\n", "f.yaml"))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("config f.yaml: unknown key coder-admission.exposure.alowed-cidrs")
                .hasMessageContaining("allowed-cidrs");
    }

    @Test
    void aBadEnforcementIsAnError() {
        assertThatThrownBy(() -> ConfigLoader.parse("coder-admission:\n  exposure:\n    enforcement: audit\n", "f.yaml"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("coder-admission.exposure.enforcement");
    }

    @Test
    void aBadCidrIsAnErrorNamingIt() {
        assertThatThrownBy(() -> ConfigLoader.parse("coder-admission:\n  exposure:\n    allowed-cidrs: [10.0.0.0/8, 300.1.0.0/16]\n", "f.yaml"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("\"300.1.0.0/16\" is not an IP address or CIDR");
    }

    @Test
    void aBadHostPatternIsAnError() {
        assertThatThrownBy(() -> ConfigLoader.parse("coder-admission:\n  coder:\n    hosts: [\"coder.*.example.com\"]\n", "f.yaml"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("host \"coder.*.example.com\" is not a DNS name or a wildcard");
    }

    @Test
    void malformedYamlIsAnError() {
        assertThatThrownBy(() -> ConfigLoader.parse("coder-admission: [unclosed\n", "f.yaml"))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("config f.yaml: not valid YAML");
    }

    @Test
    void aMissingFileIsAnError() {
        assertThatThrownBy(() -> ConfigLoader.load(Path.of("no/such/config.yaml")))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("config no/such/config.yaml: cannot read");
    }
}
