package dev.coderadmission.chart;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.marcnuri.helm.Helm;
import dev.coderadmission.config.AdmissionConfig;
import dev.coderadmission.config.ConfigLoader;
import dev.coderadmission.config.Enforcement;
import dev.coderadmission.config.TlsConfig;
import dev.coderadmission.kube.Kube;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhook;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhook;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The Helm chart, linted and rendered by native helm (helm-java) under every values profile. */
class ChartTest {
    static final Path CHART = Path.of("chart/coder-admission");
    static final String NAMESPACE = "coder-admission";
    private static final YAMLMapper YAML = new YAMLMapper();

    /** The values files of a profile, applied in order over the chart's values.yaml. */
    static List<Path> profile(String name) {
        var tests = Path.of("src/test/resources/chart");
        return switch (name) {
            case "default" -> List.of();
            case "tenant" -> List.of(CHART.resolve("values-tenant.yaml"));
            case "management" -> List.of(CHART.resolve("values-management.yaml"));
            case "cert-manager" -> List.of(CHART.resolve("values-tenant.yaml"), tests.resolve("cert-manager.yaml"));
            case "existing-secret" -> List.of(CHART.resolve("values-tenant.yaml"), tests.resolve("existing-secret.yaml"));
            case "url" -> List.of(CHART.resolve("values-tenant.yaml"), tests.resolve("url.yaml"));
            default -> throw new IllegalArgumentException(name);
        };
    }

    static String render(String profile, Map<String, Object> sets) {
        return render(profile, sets, null);
    }

    /** @param extraValues YAML applied after the profile (for values --set cannot express, like empty lists) */
    static String render(String profile, Map<String, Object> sets, String extraValues) {
        var template = new Helm(CHART).template().withName("coder-admission").withNamespace(NAMESPACE).withKubeVersion("v1.32.0");
        profile(profile).forEach(template::withValuesFile);
        if (extraValues != null) {
            try {
                var file = Files.createTempFile("values-", ".yaml");
                Files.writeString(file, extraValues);
                file.toFile().deleteOnExit();
                template.withValuesFile(file);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        sets.forEach(template::set);
        return template.call();
    }

    static List<HasMetadata> objects(String profile) {
        return objects(profile, Map.of());
    }

    static List<HasMetadata> objects(String profile, Map<String, Object> sets) {
        var result = new ArrayList<HasMetadata>();
        for (var document : render(profile, sets).split("(?m)^---\\s*$")) {
            if (document.lines().allMatch(line -> line.isBlank() || line.startsWith("#"))) {
                continue;
            }
            result.add(Kube.SERIALIZATION.unmarshal(document, HasMetadata.class));
        }
        return result;
    }

    static <T extends HasMetadata> List<T> all(List<HasMetadata> objects, Class<T> type) {
        return objects.stream().filter(type::isInstance).map(type::cast).toList();
    }

    static <T extends HasMetadata> T one(List<HasMetadata> objects, Class<T> type) {
        var found = all(objects, type);
        assertThat(found).as(type.getSimpleName()).hasSize(1);
        return found.getFirst();
    }

    @ParameterizedTest
    @ValueSource(strings = {"default", "tenant", "management", "cert-manager", "existing-secret", "url"})
    void lintsStrictlyUnderEveryProfile(String profile, @TempDir Path dir) throws IOException {
        var chart = dir.resolve("coder-admission");
        copy(CHART, chart);
        var values = (ObjectNode) YAML.readTree(CHART.resolve("values.yaml").toFile());
        for (var file : profile(profile)) {
            merge(values, YAML.readTree(file.toFile()));
        }
        YAML.writeValue(chart.resolve("values.yaml").toFile(), values);

        var result = new Helm(chart).lint().strict().call();

        assertThat(result.isFailed()).as(String.join("\n", result.getMessages())).isFalse();
        assertThat(result.getMessages()).noneMatch(m -> m.contains("[ERROR]") || m.contains("[WARNING]"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"default", "tenant", "management", "cert-manager", "existing-secret", "url"})
    void rendersObjectsThatParseIntoTheKubernetesModel(String profile) {
        var objects = objects(profile);

        assertThat(objects).isNotEmpty();
        assertThat(objects).noneMatch(o -> o instanceof GenericKubernetesResource g
                && !Set.of("cert-manager.io/v1", "monitoring.coreos.com/v1").contains(g.getApiVersion()));
        one(objects, Deployment.class);
        one(objects, Service.class);
        one(objects, ConfigMap.class);
        one(objects, PodDisruptionBudget.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"default", "tenant", "management", "cert-manager", "existing-secret", "url"})
    void theRenderedConfigIsExactlyWhatTheAppReads(String profile) throws IOException {
        var objects = objects(profile);
        var configMap = one(objects, ConfigMap.class);

        AdmissionConfig config = ConfigLoader.parse(configMap.getData().get("config.yaml"), "rendered ConfigMap");

        var values = (ObjectNode) YAML.readTree(CHART.resolve("values.yaml").toFile());
        for (var file : profile(profile)) {
            merge(values, YAML.readTree(file.toFile()));
        }
        var expected = values.path("config");
        assertThat(config.coder().namespaces()).isEqualTo(strings(expected.path("coder").path("namespaces")));
        assertThat(config.coder().hosts()).isEqualTo(strings(expected.path("coder").path("hosts")));
        assertThat(config.exposure().enforcement()).isEqualTo(Enforcement.DENY);
        assertThat(config.exposure().internalLoadBalancer()).isEqualTo(expected.path("exposure").path("internal-load-balancer").asBoolean());
        assertThat(config.exposure().allowedIngressClasses()).isEqualTo(strings(expected.path("exposure").path("allowed-ingress-classes")));
        assertThat(config.agentUrl().enabled()).isEqualTo(expected.path("agent-url").path("enabled").asBoolean());
        assertThat(config.tenantBackend().enabled()).isEqualTo(expected.path("tenant-backend").path("enabled").asBoolean());
        assertThat(config.tenantBackend().namespaces()).isEqualTo(strings(expected.path("tenant-backend").path("namespaces")));
        assertThat(config.server().port()).isEqualTo(8443);
        assertThat(config.server().managementPort()).isEqualTo(8080);
        assertThat(config.kubernetes().enabled()).isEqualTo("true");
        assertThat(config.leaderElection().leaseName()).isEqualTo("coder-admission");
        assertThat(config.leaderElection().leaseNamespace(Map.of())).isEqualTo(NAMESPACE);
        var tlsMode = values.path("tls").path("mode").asText();
        if (tlsMode.equals("self-managed")) {
            assertThat(config.tls().mode()).isEqualTo(TlsConfig.Mode.SELF_MANAGED);
            assertThat(config.tls().secretName()).isEqualTo("coder-admission-tls");
            assertThat(config.tls().dnsNames(config.tls().serviceNamespace(Map.of())))
                    .contains("coder-admission.coder-admission.svc");
        } else {
            assertThat(config.tls().mode()).isEqualTo(TlsConfig.Mode.FILES);
            assertThat(config.tls().certFile()).isEqualTo("/etc/coder-admission/tls/tls.crt");
        }
        // the pod reads the file that ConfigMap becomes
        var deployment = one(objects, Deployment.class);
        assertThat(deployment.getSpec().getTemplate().getSpec().getContainers().getFirst().getArgs())
                .containsExactly("serve", "--config", "/etc/coder-admission/config/config.yaml");
    }

    private static List<String> strings(JsonNode array) {
        var result = new ArrayList<String>();
        array.forEach(n -> result.add(n.asText().toLowerCase(java.util.Locale.ROOT)));
        return result;
    }

    @Test
    void tenantProfileWebhooks() {
        var objects = objects("tenant");
        var mutating = one(objects, MutatingWebhookConfiguration.class);
        var validating = one(objects, ValidatingWebhookConfiguration.class);

        assertThat(mutating.getWebhooks()).extracting(MutatingWebhook::getName).containsExactly("agent-url.coder-admission.dev");
        var agentUrl = mutating.getWebhooks().getFirst();
        assertThat(agentUrl.getRules()).singleElement().satisfies(rule -> {
            assertThat(rule.getResources()).containsExactly("pods");
            assertThat(rule.getOperations()).containsExactly("CREATE");
        });
        assertThat(agentUrl.getFailurePolicy()).isEqualTo("Ignore");
        assertThat(agentUrl.getReinvocationPolicy()).isEqualTo("IfNeeded");
        assertThat(agentUrl.getClientConfig().getService().getPath()).isEqualTo("/mutate/agent-url");
        assertThat(agentUrl.getClientConfig().getService().getPort()).isEqualTo(443);
        assertThat(agentUrl.getMatchConditions()).extracting(c -> c.getExpression())
                .anySatisfy(e -> assertThat(e).isEqualTo("request.namespace in ['coder-workspace']"))
                .anySatisfy(e -> assertThat(e).contains("'com.coder.resource' in object.metadata.labels").contains("CODER_AGENT_TOKEN")
                        // an agent run as a native sidecar (an init container that keeps running) is a workspace pod too
                        .contains("object.spec.initContainers.exists(c,", "c.restartPolicy == 'Always'"));

        var exposure = validating.getWebhooks().getFirst();
        assertThat(validating.getWebhooks()).extracting(ValidatingWebhook::getName)
                .containsExactly("exposure.coder-admission.dev", "exposure-endpoints.coder-admission.dev", "exposure-pods.coder-admission.dev");
        assertThat(exposure.getFailurePolicy()).isEqualTo("Fail");
        assertThat(exposure.getRules()).extracting(r -> String.join(",", r.getApiGroups()) + " " + String.join(",", r.getResources())
                + " " + r.getScope()).containsExactly("networking.k8s.io ingresses Namespaced", " services Namespaced",
                "gateway.networking.k8s.io gateways,httproutes,grpcroutes,tlsroutes,tcproutes,udproutes Namespaced",
                "networking.k8s.io ingressclasses Cluster", "gateway.networking.k8s.io gatewayclasses Cluster");
        assertThat(exposure.getRules()).allSatisfy(r -> assertThat(r.getOperations()).containsExactly("CREATE", "UPDATE"));
        assertThat(exposure.getMatchConditions()).isEmpty();
        assertThat(exposure.getClientConfig().getService().getPath()).isEqualTo("/validate/exposure");
        // Pods reach the same path through a webhook of their own, and only those on the node's addresses
        var endpoints = validating.getWebhooks().get(1);
        assertThat(endpoints.getRules()).singleElement().satisfies(rule -> assertThat(rule.getResources()).containsExactly("endpointslices"));
        assertThat(endpoints.getMatchConditions()).singleElement().satisfies(c -> assertThat(c.getExpression())
                .contains("!(", "'endpointslice.kubernetes.io/managed-by'", "'endpointslice-controller.k8s.io'"));
        var pods = validating.getWebhooks().get(2);
        assertThat(pods.getClientConfig().getService().getPath()).isEqualTo("/validate/exposure");
        assertThat(pods.getRules()).singleElement().satisfies(rule -> {
            assertThat(rule.getResources()).containsExactly("pods");
            assertThat(rule.getOperations()).containsExactly("CREATE");
        });
        assertThat(pods.getMatchConditions()).singleElement().satisfies(c -> assertThat(c.getExpression())
                .contains("object.spec.hostNetwork", "p.hostPort > 0", "object.spec.initContainers"));
        assertThat(pods.getFailurePolicy()).isEqualTo("Fail");

        for (var common : List.of(commonOf(agentUrl), commonOf(exposure), commonOf(endpoints), commonOf(pods))) {
            assertThat(common.sideEffects()).isEqualTo("None");
            assertThat(common.reviewVersions()).containsExactly("v1");
            assertThat(common.timeout()).isEqualTo(5);
            assertThat(common.matchPolicy()).isEqualTo("Equivalent");
            assertThat(common.namespaceSelector().getMatchExpressions()).singleElement().satisfies(e -> {
                assertThat(e.getKey()).isEqualTo("kubernetes.io/metadata.name");
                assertThat(e.getOperator()).isEqualTo("NotIn");
                assertThat(e.getValues()).containsExactlyInAnyOrder("kube-system", NAMESPACE);
            });
        }
    }

    record Common(String sideEffects, List<String> reviewVersions, Integer timeout, String matchPolicy,
                  io.fabric8.kubernetes.api.model.LabelSelector namespaceSelector) {
    }

    static Common commonOf(MutatingWebhook w) {
        return new Common(w.getSideEffects(), w.getAdmissionReviewVersions(), w.getTimeoutSeconds(), w.getMatchPolicy(),
                w.getNamespaceSelector());
    }

    static Common commonOf(ValidatingWebhook w) {
        return new Common(w.getSideEffects(), w.getAdmissionReviewVersions(), w.getTimeoutSeconds(), w.getMatchPolicy(),
                w.getNamespaceSelector());
    }

    @Test
    void managementProfileWebhooks() {
        var objects = objects("management");
        var mutating = one(objects, MutatingWebhookConfiguration.class);

        assertThat(mutating.getWebhooks()).extracting(MutatingWebhook::getName).containsExactly("tenant-backend.coder-admission.dev");
        var tenantBackend = mutating.getWebhooks().getFirst();
        assertThat(tenantBackend.getRules()).singleElement().satisfies(rule -> {
            assertThat(rule.getApiGroups()).containsExactly("networking.k8s.io");
            assertThat(rule.getResources()).containsExactly("ingresses");
            assertThat(rule.getOperations()).containsExactly("CREATE", "UPDATE");
        });
        assertThat(tenantBackend.getMatchConditions()).singleElement().satisfies(c -> assertThat(c.getExpression())
                .isEqualTo("has(object.metadata.annotations) && 'coder-admission.dev/tenant-service' in object.metadata.annotations"));
        assertThat(tenantBackend.getFailurePolicy()).isEqualTo("Ignore");
        assertThat(one(objects, ValidatingWebhookConfiguration.class).getWebhooks()).hasSize(3);
    }

    @Test
    void aDisabledFeatureHasNoWebhook() {
        var rendered = render("default", Map.of("config.exposure.enabled", false, "config.agent-url.enabled", false));

        assertThat(rendered).doesNotContain("ValidatingWebhookConfiguration").doesNotContain("MutatingWebhookConfiguration");
    }

    /** The exposure guard's informers: Coder's Services by label, Gateways and ReferenceGrants (read-only). */
    private static final String EXPOSURE_SERVICES = " services,pods [] list,watch";
    private static final String EXPOSURE_GATEWAYS = "gateway.networking.k8s.io gateways,referencegrants [] list,watch";

    @Test
    void rbacGrantsOnlyWhatEachProfileUses() {
        // tenant, self-managed: lease + own Secret, its two webhook configurations, the agent URL ConfigMap
        var tenant = objects("tenant");
        var tenantRoles = all(tenant, Role.class);
        assertThat(tenantRoles).extracting(r -> r.getMetadata().getNamespace() + "/" + r.getMetadata().getName())
                .containsExactly("coder-admission/coder-admission");
        var own = tenantRoles.stream().filter(r -> r.getMetadata().getName().equals("coder-admission")).findFirst().orElseThrow();
        assertThat(rules(own.getRules())).containsExactlyInAnyOrder(
                "coordination.k8s.io leases [] create", "coordination.k8s.io leases [coder-admission] get,patch",
                " secrets [] create", " secrets [coder-admission-tls] get,list,watch,update");
        // the ConfigMap's namespace (coder) does not exist yet when the chart is installed: no Role there,
        // a ClusterRole limited to the one ConfigMap name instead
        var agentUrlRole = all(tenant, ClusterRole.class).stream().filter(r -> r.getMetadata().getName().endsWith("agent-url"))
                .findFirst().orElseThrow();
        assertThat(rules(agentUrlRole.getRules())).containsExactly(" configmaps [coder-workspace-config] list,watch");
        assertThat(all(tenant, io.fabric8.kubernetes.api.model.rbac.RoleBinding.class))
                .allSatisfy(b -> assertThat(b.getMetadata().getNamespace()).isEqualTo("coder-admission"));
        assertThat(rules(all(tenant, ClusterRole.class).stream().filter(r -> !r.getMetadata().getName().endsWith("agent-url"))
                .findFirst().orElseThrow().getRules())).containsExactlyInAnyOrder(
                "admissionregistration.k8s.io mutatingwebhookconfigurations [coder-admission] get,patch",
                "admissionregistration.k8s.io validatingwebhookconfigurations [coder-admission] get,patch",
                EXPOSURE_SERVICES, EXPOSURE_GATEWAYS);
        // the classes only where a controller allow-list makes them matter
        var trusting = objects("tenant", Map.of("config.exposure.allowed-ingress-controllers[0]", "tailscale.com/ts-ingress",
                "config.exposure.allowed-gateway-controllers[0]", "tailscale.com/gateway-controller"));
        assertThat(rules(all(trusting, ClusterRole.class).stream().filter(r -> !r.getMetadata().getName().endsWith("agent-url"))
                .findFirst().orElseThrow().getRules())).contains(EXPOSURE_SERVICES,
                "gateway.networking.k8s.io gateways,referencegrants,gatewayclasses [] list,watch",
                "networking.k8s.io ingressclasses [] list,watch");

        // management: tenant-root only, so namespaced Roles; no ConfigMap (agent-url off)
        var management = objects("management");
        assertThat(all(management, Role.class)).extracting(r -> r.getMetadata().getNamespace() + "/" + r.getMetadata().getName())
                .containsExactlyInAnyOrder("coder-admission/coder-admission", "tenant-root/coder-admission-tenant-backend");
        var tenantBackend = all(management, Role.class).stream().filter(r -> r.getMetadata().getName().endsWith("tenant-backend"))
                .findFirst().orElseThrow();
        assertThat(rules(tenantBackend.getRules())).containsExactlyInAnyOrder(" services [] list,watch",
                "networking.k8s.io ingresses [] get,list,patch", " events [] create");
        assertThat(rules(one(management, ClusterRole.class).getRules())).containsExactlyInAnyOrder(
                "admissionregistration.k8s.io mutatingwebhookconfigurations [coder-admission] get,patch",
                "admissionregistration.k8s.io validatingwebhookconfigurations [coder-admission] get,patch",
                EXPOSURE_SERVICES, EXPOSURE_GATEWAYS);

        // cert-manager writes nothing itself: no Lease, Secret or webhook configuration rights at all
        var certManager = objects("cert-manager");
        assertThat(all(certManager, Role.class)).isEmpty();
        assertThat(all(certManager, ClusterRole.class)).extracting(r -> r.getMetadata().getName())
                .containsExactlyInAnyOrder("coder-admission", "coder-admission-agent-url");
        assertThat(rules(all(certManager, ClusterRole.class).stream().filter(r -> r.getMetadata().getName().equals("coder-admission"))
                .findFirst().orElseThrow().getRules())).containsExactlyInAnyOrder(EXPOSURE_SERVICES, EXPOSURE_GATEWAYS);

        // tenant-backend for every namespace needs a ClusterRole
        var everywhere = Kube.SERIALIZATION.unmarshal(Stream.of(render("management", Map.of(), "config: {tenant-backend: {namespaces: []}}")
                .split("(?m)^---\\s*$")).filter(d -> d.contains("kind: ClusterRole\n")).findFirst().orElseThrow(), ClusterRole.class);
        assertThat(rules(everywhere.getRules())).contains(" services [] list,watch", "networking.k8s.io ingresses [] get,list,patch");

        for (var profile : List.of("default", "tenant", "management", "cert-manager", "existing-secret", "url")) {
            var objects = objects(profile);
            var allRules = new ArrayList<PolicyRule>();
            all(objects, Role.class).forEach(r -> allRules.addAll(r.getRules()));
            all(objects, ClusterRole.class).forEach(r -> allRules.addAll(r.getRules()));
            assertThat(allRules).as(profile).allSatisfy(rule -> {
                assertThat(rule.getVerbs()).doesNotContain("*");
                assertThat(rule.getResources()).doesNotContain("*");
                assertThat(rule.getApiGroups()).doesNotContain("*");
            });
        }
    }

    private static List<String> rules(List<PolicyRule> rules) {
        return rules.stream().map(r -> String.join(",", r.getApiGroups()) + " " + String.join(",", r.getResources()) + " "
                + (r.getResourceNames() == null ? List.of() : r.getResourceNames()) + " " + String.join(",", r.getVerbs())).toList();
    }

    @Test
    void thePodIsHardened() {
        var deployment = one(objects("default"), Deployment.class);
        PodSpec pod = deployment.getSpec().getTemplate().getSpec();
        var container = pod.getContainers().getFirst();

        assertThat(deployment.getSpec().getReplicas()).isEqualTo(2);
        assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
        assertThat(container.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(container.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
        assertThat(container.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(container.getResources().getRequests()).containsKeys("cpu", "memory");
        assertThat(container.getResources().getLimits()).containsKey("memory");
        assertThat(container.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/health/liveness");
        assertThat(container.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/health/readiness");
        assertThat(container.getReadinessProbe().getHttpGet().getPort().getStrVal()).isEqualTo("http-mgmt");
        assertThat(container.getLifecycle().getPreStop().getSleep().getSeconds()).isEqualTo(5L);
        assertThat(pod.getTerminationGracePeriodSeconds()).isEqualTo(30L);
        assertThat(pod.getAffinity().getPodAntiAffinity().getPreferredDuringSchedulingIgnoredDuringExecution()).hasSize(1);
        assertThat(pod.getTopologySpreadConstraints()).hasSize(1);
        assertThat(container.getEnv()).extracting(e -> e.getName()).contains("POD_NAME", "POD_NAMESPACE");
        assertThat(container.getImage()).isEqualTo("ghcr.io/coder-admission/coder-admission:0.1.0");
        var service = one(objects("default"), Service.class);
        assertThat(service.getSpec().getPorts()).anySatisfy(p -> {
            assertThat(p.getPort()).isEqualTo(443);
            assertThat(p.getTargetPort().getStrVal()).isEqualTo("https");
        });
    }

    @Test
    void theJvmRunsWithTheFlagsItsAotCacheWasTrainedWith() throws IOException {
        var container = one(objects("default"), Deployment.class).getSpec().getTemplate().getSpec().getContainers().getFirst();
        var env = container.getEnv().stream().collect(Collectors.toMap(e -> e.getName(), e -> String.valueOf(e.getValue())));
        var javaOptions = List.of(env.get("JAVA_TOOL_OPTIONS").split(" "));
        assertThat(javaOptions).contains("-XX:+UseSerialGC", "-Xmx96m", "-Xmn8m", "-XX:TrimNativeHeapInterval=10000");
        assertThat(env).containsEntry("MALLOC_ARENA_MAX", "2");

        // the image's training run (Dockerfile) uses the same flags, so that the cache is used whole
        var dockerfile = Files.readString(Path.of("src/main/docker/Dockerfile")).replace("\\\n", " ");
        var training = dockerfile.lines().filter(l -> l.contains("-XX:AOTCacheOutput=")).findFirst().orElseThrow();
        var trainingFlags = Stream.of(training.trim().split("\\s+"))
                .filter(f -> f.startsWith("-X") && !f.matches("-XX:[+-]?AOT.*") && !f.startsWith("-Xlog")
                        && !f.equals("-XX:+UnlockDiagnosticVMOptions"))
                .toList();
        assertThat(trainingFlags).containsExactlyInAnyOrderElementsOf(javaOptions.stream()
                .filter(f -> !f.equals("-XX:TrimNativeHeapInterval=10000") && !f.equals("-XX:+ExitOnOutOfMemoryError")).toList());

        var withoutArenaLimit = one(objects("default", Map.of("mallocArenaMax", "")), Deployment.class);
        assertThat(withoutArenaLimit.getSpec().getTemplate().getSpec().getContainers().getFirst().getEnv())
                .extracting(e -> e.getName()).doesNotContain("MALLOC_ARENA_MAX");
        // --set mallocArenaMax=4 arrives as a number
        var fourArenas = one(objects("default", Map.of("mallocArenaMax", 4)), Deployment.class);
        assertThat(fourArenas.getSpec().getTemplate().getSpec().getContainers().getFirst().getEnv())
                .anySatisfy(e -> {
                    assertThat(e.getName()).isEqualTo("MALLOC_ARENA_MAX");
                    assertThat(e.getValue()).isEqualTo("4");
                });
        assertThatThrownBy(() -> render("default", Map.of("mallocArenaMax", "two"))).hasMessageContaining("mallocArenaMax");
    }

    @Test
    void imageDigestAndPullSecrets() {
        var deployment = Kube.SERIALIZATION.unmarshal(Stream.of(render("default", Map.of(
                        "image.digest", "sha256:" + "a".repeat(64), "imagePullSecrets[0].name", "ghcr")).split("(?m)^---\\s*$"))
                .filter(d -> d.contains("kind: Deployment")).findFirst().orElseThrow(), Deployment.class);

        var pod = deployment.getSpec().getTemplate().getSpec();
        assertThat(pod.getContainers().getFirst().getImage()).isEqualTo("ghcr.io/coder-admission/coder-admission@sha256:" + "a".repeat(64));
        assertThat(pod.getImagePullSecrets()).extracting(s -> s.getName()).containsExactly("ghcr");
    }

    @Test
    void certManagerAndExistingSecretMountTheCertificateAndInjectOrCarryTheCa() {
        var certManager = objects("cert-manager");
        var certificates = all(certManager, GenericKubernetesResource.class).stream().filter(g -> g.getKind().equals("Certificate")).toList();
        assertThat(certificates).extracting(c -> c.getMetadata().getName()).containsExactlyInAnyOrder("coder-admission-ca", "coder-admission");
        assertThat(one(certManager, ValidatingWebhookConfiguration.class).getMetadata().getAnnotations())
                .containsEntry("cert-manager.io/inject-ca-from", "coder-admission/coder-admission");
        assertThat(one(certManager, Deployment.class).getSpec().getTemplate().getSpec().getVolumes())
                .anySatisfy(v -> assertThat(v.getSecret() == null ? null : v.getSecret().getSecretName()).isEqualTo("coder-admission-tls"));

        var existing = objects("existing-secret");
        assertThat(one(existing, Deployment.class).getSpec().getTemplate().getSpec().getVolumes())
                .anySatisfy(v -> assertThat(v.getSecret() == null ? null : v.getSecret().getSecretName()).isEqualTo("coder-admission-serving"));
        assertThat(one(existing, ValidatingWebhookConfiguration.class).getWebhooks().getFirst().getClientConfig().getCaBundle())
                .startsWith("LS0tLS1CRUdJTi");
        assertThatThrownBy(() -> render("existing-secret", Map.of("webhook.caBundle", "")))
                .hasMessageContaining("webhook.caBundle is required with tls.mode existing-secret");
    }

    @Test
    void urlModePointsTheApiServerAtTheUrlAndCertifiesItsHost() throws IOException {
        var objects = objects("url");
        var exposure = one(objects, ValidatingWebhookConfiguration.class).getWebhooks().getFirst();

        assertThat(exposure.getClientConfig().getService()).isNull();
        assertThat(exposure.getClientConfig().getUrl())
                .isEqualTo("https://coder-admission.coder-cluster-prod.example.internal:8443/validate/exposure");
        var config = ConfigLoader.parse(one(objects, ConfigMap.class).getData().get("config.yaml"), "rendered");
        assertThat(config.tls().extraDnsNames()).containsExactly("192.168.50.140", "coder-admission.coder-cluster-prod.example.internal");
        assertThat(all(objects, GenericKubernetesResource.class)).anySatisfy(g -> assertThat(g.getKind()).isEqualTo("ServiceMonitor"));
    }

    @Test
    void theSchemaRejectsTyposAndWrongTypes() {
        assertThatThrownBy(() -> render("tenant", Map.of("config.exposure.enforcment", "warn")))
                .hasMessageContaining("enforcment");
        assertThatThrownBy(() -> render("tenant", Map.of("config.exposure.enforcement", "audit")))
                .hasMessageContaining("enforcement");
        assertThatThrownBy(() -> render("default", Map.of("replicaCount", "two")))
                .hasMessageContaining("replicaCount");
        assertThatThrownBy(() -> render("default", Map.of("tls.mode", "letsencrypt")))
                .hasMessageContaining("/tls/mode");
        assertThatThrownBy(() -> render("default", Map.of("webhok.timeoutSeconds", 3)))
                .hasMessageContaining("webhok");
    }

    static void merge(ObjectNode into, JsonNode from) {
        from.properties().forEach(entry -> {
            var existing = into.get(entry.getKey());
            if (existing instanceof ObjectNode target && entry.getValue().isObject()) {
                merge(target, entry.getValue());
            } else {
                into.set(entry.getKey(), entry.getValue());
            }
        });
    }

    private static void copy(Path from, Path to) throws IOException {
        try (var walk = Files.walk(from)) {
            for (var path : walk.sorted(Comparator.naturalOrder()).toList()) {
                var target = to.resolve(from.relativize(path).toString());
                if (Files.isDirectory(path)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(path, target);
                }
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
