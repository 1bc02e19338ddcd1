package dev.coderadmission.gitops;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The built-in kustomize builder on the fixture repository (src/test/resources/gitops/repo). */
class KustomizeTest {
    private static final Path REPO = Path.of("src/test/resources/gitops/repo");

    private static Rendered find(List<Rendered> objects, String kind, String name) {
        return objects.stream().filter(r -> r.object().path("kind").asText().equals(kind)
                && r.object().path("metadata").path("name").asText().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void resourcesNamespaceLabelsImagesAndBothKindsOfPatch() {
        var objects = Kustomize.build(REPO.resolve("apps/coder-prod"));

        assertThat(objects).extracting(r -> r.object().path("kind").asText() + " " + r.object().path("metadata").path("name").asText())
                .containsExactly("Namespace coder", "Service coder", "Deployment coder", "Ingress coder");
        var service = find(objects, "Service", "coder");
        assertThat(service.origin()).isEqualTo("src/test/resources/gitops/repo/apps/coder-prod/kustomization.yaml › "
                + "src/test/resources/gitops/repo/base/coder/kustomization.yaml › src/test/resources/gitops/repo/base/coder/service.yaml#1");
        JsonNode body = service.object();
        assertThat(body.path("metadata").path("namespace").asText()).isEqualTo("coder");
        assertThat(body.path("spec").path("type").asText()).as("strategic merge patch").isEqualTo("LoadBalancer");
        assertThat(body.path("spec").path("ports").get(0).path("name").asText()).as("kept by the merge").isEqualTo("http");
        assertThat(body.path("metadata").path("labels").path("environment").asText()).isEqualTo("prod");
        assertThat(body.path("spec").path("selector").path("environment").asText()).as("commonLabels reach selectors").isEqualTo("prod");

        var namespace = find(objects, "Namespace", "coder").object();
        assertThat(namespace.path("metadata").has("namespace")).as("cluster-scoped: no namespace").isFalse();

        var deployment = find(objects, "Deployment", "coder").object();
        assertThat(deployment.path("spec").path("template").path("spec").path("containers").get(0).path("image").asText())
                .isEqualTo("ghcr.io/coder/coder:v2.29.1");
        assertThat(deployment.path("spec").path("selector").path("matchLabels").path("environment").asText()).isEqualTo("prod");

        var ingress = find(objects, "Ingress", "coder").object();
        assertThat(ingress.path("metadata").path("annotations").path("tailscale.com/funnel").asText()).as("JSON 6902 patch")
                .isEqualTo("true");
    }

    @Test
    void aNamePrefixRenamesTheServiceAndTheIngressBackendFollows() {
        var objects = Kustomize.build(REPO.resolve("apps/coder-staging"));

        var ingress = find(objects, "Ingress", "staging-coder").object();
        assertThat(ingress.path("spec").path("defaultBackend").path("service").path("name").asText()).isEqualTo("staging-coder");
        assertThat(find(objects, "Service", "staging-coder").object().path("metadata").path("namespace").asText())
                .isEqualTo("coder-staging");
    }

    @Test
    void anUnsupportedFeatureIsAnErrorNamingTheFileAndTheField() {
        assertThatThrownBy(() -> Kustomize.build(REPO.resolve("apps/broken")))
                .isInstanceOf(RenderException.class)
                .hasMessageContaining("apps/broken/kustomization.yaml")
                .hasMessageContaining("`configMapGenerator` is not supported by the built-in kustomize builder");
    }

    @Test
    void remoteResourcesMissingFilesUnmatchedPatchesAndNonObjectsAreErrors(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("kustomization.yaml"), "resources: [https://github.com/example/repo//deploy]\n");
        assertThatThrownBy(() -> Kustomize.build(dir)).hasMessageContaining("is remote");

        Files.writeString(dir.resolve("kustomization.yaml"), "resources: [missing.yaml]\n");
        assertThatThrownBy(() -> Kustomize.build(dir)).hasMessageContaining("resource missing.yaml does not exist");

        Files.writeString(dir.resolve("cm.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n");
        Files.writeString(dir.resolve("kustomization.yaml"), """
                resources: [cm.yaml]
                patches:
                  - patch: |
                      apiVersion: v1
                      kind: Service
                      metadata: {name: nothing}
                """);
        assertThatThrownBy(() -> Kustomize.build(dir)).hasMessageContaining("a patch matches no resource");

        Files.writeString(dir.resolve("notes.yaml"), "title: not a manifest\n");
        Files.writeString(dir.resolve("kustomization.yaml"), "resources: [notes.yaml]\n");
        assertThatThrownBy(() -> Kustomize.build(dir)).hasMessageContaining("notes.yaml#1: not a Kubernetes object");
    }

    @Test
    void strategicMergeMergesKeyedListsAndDeletes() {
        var target = (com.fasterxml.jackson.databind.node.ObjectNode) dev.coderadmission.support.Reviews.yaml("""
                spec:
                  containers:
                    - {name: a, image: a:1, env: [{name: X, value: "1"}, {name: Y, value: "2"}]}
                    - {name: b, image: b:1}
                  ports: [{port: 80, name: http}]
                """);
        StrategicMerge.apply(target, dev.coderadmission.support.Reviews.yaml("""
                spec:
                  containers:
                    - {name: a, env: [{name: Y, value: "3"}, {name: Z, value: "4"}]}
                    - {name: b, $patch: delete}
                  ports: [{port: 80, nodePort: 30080}]
                """));
        var containers = target.path("spec").path("containers");
        assertThat(containers).hasSize(1);
        assertThat(containers.get(0).path("image").asText()).isEqualTo("a:1");
        assertThat(containers.get(0).path("env").toString()).isEqualTo(
                "[{\"name\":\"X\",\"value\":\"1\"},{\"name\":\"Y\",\"value\":\"3\"},{\"name\":\"Z\",\"value\":\"4\"}]");
        assertThat(target.path("spec").path("ports").get(0).path("name").asText()).as("Service ports merge by port").isEqualTo("http");
        assertThat(target.path("spec").path("ports").get(0).path("nodePort").asInt()).isEqualTo(30080);
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"apps/coder-prod", "apps/coder-staging", "base/coder"})
    void theBuiltinBuilderRendersWhatKubectlKustomizeRenders(String app) {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/kubectl")), "kubectl is not installed");
        var builtin = Kustomize.build(REPO.resolve(app)).stream().map(Rendered::object).toList();
        var real = new Kustomizer.External(List.of("kubectl", "kustomize")).build(REPO.resolve(app)).stream()
                .map(Rendered::object).toList();

        // field order aside (JSON object equality ignores it), the same objects in the same order
        assertThat(builtin).isEqualTo(real);
    }
}
