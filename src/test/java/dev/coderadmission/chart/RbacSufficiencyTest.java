package dev.coderadmission.chart;

import dev.coderadmission.config.ConfigLoader;
import dev.coderadmission.support.Eventually;
import dev.coderadmission.support.GatewayApiCrds;
import dev.coderadmission.support.Mirrors;
import dev.coderadmission.support.TestServer;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfigurationBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfigurationBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import org.junit.jupiter.api.Test;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The chart's RBAC against what the app really asks the API server for: the app runs with the config
 * the chart renders, against fabric8's mock API server; every request it makes must be allowed by the
 * rendered Roles and ClusterRoles, and every granted rule must be used (least privilege, not less).
 */
@EnableKubernetesMockClient(crud = true)
class RbacSufficiencyTest {
    static KubernetesClient client;
    static KubernetesMockServer server;
    private static final String AGENT = "coder-admission-under-test";

    /** One API request as RBAC sees it. */
    record Access(String group, String resource, String namespace, String name, String verb) {
        boolean allowedBy(PolicyRule rule) {
            return rule.getApiGroups().contains(group) && rule.getResources().contains(resource)
                    && rule.getVerbs().contains(verb)
                    && (rule.getResourceNames() == null || rule.getResourceNames().isEmpty()
                    || (name != null && rule.getResourceNames().contains(name)));
        }
    }

    @org.junit.jupiter.api.AfterEach
    void startOver() {
        // each profile starts from an empty cluster, so the creates it needs really happen
        client.leases().inNamespace(ChartTest.NAMESPACE).delete();
        client.secrets().inNamespace(ChartTest.NAMESPACE).delete();
        client.network().v1().ingresses().inNamespace("tenant-root").delete();
        client.v1().events().inNamespace("tenant-root").delete();
    }

    private static KubernetesClient appClient() {
        return new KubernetesClientBuilder().withConfig(new ConfigBuilder(client.getConfiguration()).withUserAgent(AGENT).build()).build();
    }

    private static void webhookConfigurationsExist() {
        // the exposure guard watches Gateways and ReferenceGrants where the cluster serves them
        GatewayApiCrds.install(client);
        var admission = client.admissionRegistration().v1();
        admission.mutatingWebhookConfigurations().resource(new MutatingWebhookConfigurationBuilder()
                .withNewMetadata().withName("coder-admission").endMetadata()
                .addNewWebhook().withName("m.coder-admission.dev").withNewClientConfig().withNewService().withName("coder-admission")
                .withNamespace(ChartTest.NAMESPACE).endService().endClientConfig().endWebhook().build()).createOr(c -> c.update());
        admission.validatingWebhookConfigurations().resource(new ValidatingWebhookConfigurationBuilder()
                .withNewMetadata().withName("coder-admission").endMetadata()
                .addNewWebhook().withName("v.coder-admission.dev").withNewClientConfig().withNewService().withName("coder-admission")
                .withNamespace(ChartTest.NAMESPACE).endService().endClientConfig().endWebhook().build()).createOr(c -> c.update());
    }

    @Test
    void managementProfile() throws Exception {
        accesses(); // forget what an earlier test's app asked for
        var objects = ChartTest.objects("management");
        webhookConfigurationsExist();
        client.network().v1().ingresses().inNamespace("tenant-root").resource(Mirrors.seedIngress()).create();
        var config = ConfigLoader.parse(ChartTest.one(objects, ConfigMap.class).getData().get("config.yaml"), "chart");
        try (var app = appClient(); var ignored = TestServer.start(config, app)) {
            Mirrors.create(client, Mirrors.coderMirror(Mirrors.CODER_MIRROR));
            Eventually.await(() -> client.network().v1().ingresses().inNamespace("tenant-root").withName("coder").get()
                    .getSpec().getRules().getFirst().getHttp().getPaths().getFirst().getBackend().getService().getName(),
                    Mirrors.CODER_MIRROR::equals, Duration.ofSeconds(15));
            Eventually.await(() -> client.admissionRegistration().v1().validatingWebhookConfigurations().withName("coder-admission")
                    .get().getWebhooks().getFirst().getClientConfig().getCaBundle(), b -> b != null, Duration.ofSeconds(15));
            client.services().inNamespace("tenant-root").withName(Mirrors.CODER_MIRROR).delete();
            Eventually.await(() -> client.v1().events().inNamespace("tenant-root").list().getItems().stream()
                    .anyMatch(e -> "TenantServiceGone".equals(e.getReason())), Boolean::booleanValue, Duration.ofSeconds(15));
        }
        check(objects, accesses(), Set.of(
                // only a rotation updates the Secret; RotationTest and SelfManagedTlsTest cover it
                "/secrets/update"));
    }

    @Test
    void tenantProfile() throws Exception {
        accesses(); // forget what an earlier test's app asked for
        var objects = ChartTest.objects("tenant");
        webhookConfigurationsExist();
        client.configMaps().inNamespace("coder").resource(new ConfigMapBuilder().withNewMetadata().withName("coder-workspace-config")
                .withNamespace("coder").endMetadata().addToData("coder_url", "http://coder.coder.svc.cluster.local:80").build())
                .createOr(c -> c.update());
        var config = ConfigLoader.parse(ChartTest.one(objects, ConfigMap.class).getData().get("config.yaml"), "chart");
        try (var app = appClient(); var running = TestServer.start(config, app)) {
            Eventually.await(() -> client.admissionRegistration().v1().mutatingWebhookConfigurations().withName("coder-admission")
                    .get().getWebhooks().getFirst().getClientConfig().getCaBundle(), b -> b != null, Duration.ofSeconds(15));
            // the validating configuration is patched right after the mutating one: wait for both
            Eventually.await(() -> client.admissionRegistration().v1().validatingWebhookConfigurations().withName("coder-admission")
                    .get().getWebhooks().getFirst().getClientConfig().getCaBundle(), b -> b != null, Duration.ofSeconds(15));
            Eventually.await(() -> running.context().getBean(dev.coderadmission.runtime.Background.class).unsynced(),
                    List::isEmpty, Duration.ofSeconds(15));
        }
        check(objects, accesses(), Set.of("/secrets/update"));
    }

    @Test
    void tenantProfileWithTheBackgroundAudit() throws Exception {
        accesses(); // forget what an earlier test's app asked for
        var objects = ChartTest.objects("tenant", Map.of("config.audit.enabled", "true"));
        webhookConfigurationsExist();
        client.services().inNamespace("coder").resource(new io.fabric8.kubernetes.api.model.ServiceBuilder()
                .withNewMetadata().withName("coder-nodeport").endMetadata()
                .withNewSpec().withType("NodePort").addNewPort().withPort(80).endPort().endSpec().build()).createOr(c -> c.update());
        var config = ConfigLoader.parse(ChartTest.one(objects, ConfigMap.class).getData().get("config.yaml"), "chart");
        assertThat(config.audit().enabled()).isTrue();
        try (var app = appClient(); var running = TestServer.start(config, app)) {
            Eventually.await(() -> client.v1().events().inNamespace("coder").list().getItems().stream()
                    .anyMatch(e -> "PolicyViolation".equals(e.getReason())), Boolean::booleanValue, Duration.ofSeconds(20));
            Eventually.await(() -> client.admissionRegistration().v1().validatingWebhookConfigurations().withName("coder-admission")
                    .get().getWebhooks().getFirst().getClientConfig().getCaBundle(), b -> b != null, Duration.ofSeconds(15));
            Eventually.await(() -> client.admissionRegistration().v1().mutatingWebhookConfigurations().withName("coder-admission")
                    .get().getWebhooks().getFirst().getClientConfig().getCaBundle(), b -> b != null, Duration.ofSeconds(15));
        } finally {
            client.services().inNamespace("coder").withName("coder-nodeport").delete();
            client.v1().events().inNamespace("coder").delete();
        }
        check(objects, accesses(), Set.of("/secrets/update"));
    }

    private static void check(List<HasMetadata> objects, List<Access> accesses, Set<String> exercisedOnlyByRotation) {
        var used = new HashSet<String>();
        assertThat(accesses).as("the app made API requests").isNotEmpty();
        for (var access : accesses) {
            var rules = new ArrayList<Map.Entry<String, PolicyRule>>();
            for (var role : ChartTest.all(objects, Role.class)) {
                if (role.getMetadata().getNamespace().equals(access.namespace())) {
                    role.getRules().forEach(r -> rules.add(Map.entry(role.getMetadata().getNamespace() + "/" + role.getMetadata().getName(), r)));
                }
            }
            ChartTest.all(objects, ClusterRole.class).forEach(role -> role.getRules()
                    .forEach(r -> rules.add(Map.entry("cluster/" + role.getMetadata().getName(), r))));
            var allowing = rules.stream().filter(e -> access.allowedBy(e.getValue())).toList();
            assertThat(allowing).as("RBAC allows %s", access).isNotEmpty();
            allowing.forEach(e -> used.add(e.getKey() + " " + e.getValue().getResources() + " " + access.verb()));
        }
        var granted = new ArrayList<String>();
        ChartTest.all(objects, Role.class).forEach(role -> role.getRules().forEach(rule -> rule.getVerbs().forEach(verb ->
                granted.add(role.getMetadata().getNamespace() + "/" + role.getMetadata().getName() + " " + rule.getResources() + " " + verb))));
        ChartTest.all(objects, ClusterRole.class).forEach(role -> role.getRules().forEach(rule -> rule.getVerbs().forEach(verb ->
                granted.add("cluster/" + role.getMetadata().getName() + " " + rule.getResources() + " " + verb))));
        var unused = granted.stream().filter(g -> !used.contains(g))
                .filter(g -> exercisedOnlyByRotation.stream().noneMatch(x -> g.replace(" [", "/").replace("] ", "/").endsWith(x)))
                .toList();
        assertThat(unused).as("granted but never used").isEmpty();
    }

    /** The app's requests (by its User-Agent), as RBAC attributes. */
    private static List<Access> accesses() throws InterruptedException {
        var result = new ArrayList<Access>();
        int count = server.getRequestCount();
        for (int i = 0; i < count; i++) {
            var request = server.takeRequest(1, TimeUnit.SECONDS);
            if (request == null) {
                break;
            }
            var agent = request.getHeader("User-Agent");
            if (agent == null || !agent.startsWith(AGENT)) {
                continue;
            }
            var access = access(request.getMethod(), request.getPath());
            if (access != null) {
                result.add(access);
            }
        }
        return result;
    }

    /** The request as RBAC attributes; null for discovery ({@code /apis/<group>/<version>}), which every identity may read. */
    static Access access(String method, String pathAndQuery) {
        var queryAt = pathAndQuery.indexOf('?');
        var path = queryAt < 0 ? pathAndQuery : pathAndQuery.substring(0, queryAt);
        var query = queryAt < 0 ? "" : URLDecoder.decode(pathAndQuery.substring(queryAt + 1), StandardCharsets.UTF_8);
        var parts = new ArrayList<>(List.of(path.substring(1).split("/")));
        String group;
        if (parts.getFirst().equals("api")) {
            group = "";
            parts.subList(0, 2).clear();
        } else {
            group = parts.get(1);
            parts.subList(0, 3).clear();
        }
        if (parts.isEmpty()) {
            return null;
        }
        String namespace = null;
        if (parts.size() >= 2 && parts.getFirst().equals("namespaces")) {
            namespace = parts.get(1);
            parts.subList(0, 2).clear();
        }
        var resource = parts.getFirst();
        String name = parts.size() > 1 ? parts.get(1) : null;
        var collection = name == null;
        if (collection) {
            for (var parameter : query.split("&")) {
                if (parameter.startsWith("fieldSelector=metadata.name=")) {
                    name = parameter.substring("fieldSelector=metadata.name=".length());
                }
            }
        }
        var verb = switch (method) {
            case "GET" -> collection ? (query.contains("watch=true") ? "watch" : "list") : "get";
            case "POST" -> "create";
            case "PUT" -> "update";
            case "PATCH" -> "patch";
            case "DELETE" -> collection ? "deletecollection" : "delete";
            default -> method.toLowerCase(java.util.Locale.ROOT);
        };
        return new Access(group, resource, namespace, name, verb);
    }
}
