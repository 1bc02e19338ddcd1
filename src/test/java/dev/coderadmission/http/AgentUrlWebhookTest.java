package dev.coderadmission.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.coderadmission.config.AgentUrlConfig;
import dev.coderadmission.support.Profiles;
import dev.coderadmission.support.Reviews;
import dev.coderadmission.support.TestServer;
import io.fabric8.zjsonpatch.JsonPatch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code /mutate/agent-url} over HTTPS: the returned JSON Patch is applied with a JSON Patch library
 * and the resulting pod is checked, then sent again to prove the mutation is idempotent.
 */
class AgentUrlWebhookTest {
    static final String INTERNAL = "http://coder.coder.svc.cluster.local:80";
    static final String EXTERNAL = "https://coder.enigma.vgijssel.nl";
    private static TestServer server;

    /** What the webhook answered, and the pod after applying its patch. */
    record Mutation(JsonNode response, JsonNode patch, JsonNode pod, List<String> warnings) {
        boolean patched() {
            return patch != null;
        }
    }

    @BeforeAll
    static void start() {
        var tenant = Profiles.named("tenant");
        server = TestServer.start(tenant.withAgentUrl(tenant.agentUrl().withUrl(INTERNAL)));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static Mutation mutate(TestServer server, JsonNode pod) {
        var review = Reviews.review("CREATE", pod, null, false);
        var http = server.post("/mutate/agent-url", review.toString());
        assertThat(http.statusCode()).as(http.body()).isEqualTo(200);
        var response = Reviews.yaml(http.body()).path("response");
        assertThat(response.path("uid").asText()).isEqualTo(review.path("request").path("uid").asText());
        assertThat(response.path("allowed").asBoolean()).isTrue();
        var warnings = new ArrayList<String>();
        response.path("warnings").forEach(w -> warnings.add(w.asText()));
        if (!response.has("patch")) {
            assertThat(response.has("patchType")).isFalse();
            return new Mutation(response, null, pod, warnings);
        }
        assertThat(response.path("patchType").asText()).isEqualTo("JSONPatch");
        var patch = Reviews.yaml(new String(Base64.getDecoder().decode(response.path("patch").asText())));
        assertThat(patch.isArray()).isTrue();
        patch.forEach(op -> assertThat(op.path("op").asText()).isIn("add", "replace"));
        return new Mutation(response, patch, JsonPatch.apply(patch, pod), warnings);
    }

    private static JsonNode example(String name) {
        return Reviews.file(Path.of("src/examples/tenant", name));
    }

    static JsonNode container(JsonNode pod, String name) {
        for (var container : pod.path("spec").path("containers")) {
            if (container.path("name").asText().equals(name)) {
                return container;
            }
        }
        throw new AssertionError("no container " + name);
    }

    static List<String> env(JsonNode container, String name) {
        var values = new ArrayList<String>();
        container.path("env").forEach(e -> {
            if (e.path("name").asText().equals(name)) {
                values.add(e.has("value") ? e.path("value").asText() : "valueFrom");
            }
        });
        return values;
    }

    @Test
    void theUsersEnvbuilderPodGetsItsInitScriptRewritten() {
        var pod = example("workspace-envbuilder-pod.yaml");

        var result = mutate(server, pod);

        var dev = container(result.pod(), "dev");
        var script = env(dev, "ENVBUILDER_INIT_SCRIPT").getFirst();
        assertThat(script).doesNotContain(EXTERNAL)
                .contains("BINARY_URL=" + INTERNAL + "/bin/coder-linux-amd64")
                .contains("export CODER_AGENT_URL=\"" + INTERNAL + "/\"")
                // the rest of the script is untouched
                .isEqualTo(env(container(pod, "dev"), "ENVBUILDER_INIT_SCRIPT").getFirst().replace(EXTERNAL, INTERNAL));
        assertThat(env(dev, "CODER_AGENT_URL")).containsExactly(INTERNAL);
        assertThat(result.pod().path("metadata").path("annotations").path("coder-admission.dev/agent-url").asText())
                .isEqualTo(INTERNAL);
        // only the script and the annotation changed: CODER_AGENT_URL was already right
        assertThat(result.patch()).hasSize(2);
        assertThat(result.patch().toString()).contains("\"path\":\"/spec/containers/0/env/5/value\"");
        // everything else survived, including fields no model was asked about
        var unchanged = result.pod().deepCopy();
        ((ObjectNode) unchanged.path("metadata")).remove("annotations");
        ((ObjectNode) container(unchanged, "dev").path("env").get(5)).put("value",
                env(container(pod, "dev"), "ENVBUILDER_INIT_SCRIPT").getFirst());
        assertThat(unchanged).isEqualTo(pod);
    }

    @Test
    void theOfficialTemplatePodGetsTheEnvVarAndItsShCommandRewritten() {
        var pod = example("workspace-official-template-pod.yaml");

        var result = mutate(server, pod);

        var dev = container(result.pod(), "dev");
        assertThat(env(dev, "CODER_AGENT_URL")).containsExactly(INTERNAL);
        assertThat(env(dev, "CODER_AGENT_TOKEN")).hasSize(1);
        assertThat(dev.path("command").get(0).asText()).isEqualTo("sh");
        assertThat(dev.path("command").get(1).asText()).isEqualTo("-c");
        assertThat(dev.path("command").get(2).asText()).doesNotContain(EXTERNAL)
                .contains("BINARY_URL=" + INTERNAL + "/bin/coder-linux-amd64");
        // the env var is appended with "add" on the array, not by replacing the array
        assertThat(result.patch().toString()).contains("{\"op\":\"add\",\"path\":\"/spec/containers/0/env/1\"");
        assertThat(result.patch().toString()).contains("/metadata/annotations");
    }

    @Test
    void aMutatedPodProducesNoPatch() {
        var once = mutate(server, example("workspace-official-template-pod.yaml"));

        var twice = mutate(server, once.pod());

        assertThat(twice.patched()).isFalse();
        assertThat(twice.warnings()).isEmpty();
    }

    @Test
    void anExistingAnnotationKeyIsEscapedInThePatchPath() {
        var pod = (ObjectNode) example("workspace-official-template-pod.yaml");
        ((ObjectNode) pod.path("metadata")).putObject("annotations").put("kubectl.kubernetes.io/default-container", "dev");

        var result = mutate(server, pod);

        assertThat(result.patch().toString()).contains("\"path\":\"/metadata/annotations/coder-admission.dev~1agent-url\"");
        assertThat(result.pod().path("metadata").path("annotations").path("kubectl.kubernetes.io/default-container").asText())
                .isEqualTo("dev");
    }

    @Test
    void onlyTheAgentContainerOfSeveralIsChanged() {
        var pod = (ObjectNode) example("workspace-official-template-pod.yaml");
        var containers = (ArrayNode) pod.path("spec").path("containers");
        containers.insertObject(0).put("name", "proxy").put("image", "nginx")
                .putArray("args").add("--upstream=" + EXTERNAL);
        containers.addObject().put("name", "docker").put("image", "docker:dind");

        var result = mutate(server, pod);

        assertThat(container(result.pod(), "proxy")).isEqualTo(container(pod, "proxy"));
        assertThat(container(result.pod(), "docker")).isEqualTo(container(pod, "docker"));
        assertThat(env(container(result.pod(), "dev"), "CODER_AGENT_URL")).containsExactly(INTERNAL);
    }

    @Test
    void withoutATokenEveryContainerOfALabelledWorkspacePodIsAnAgentContainer() {
        var pod = Reviews.yaml("""
                apiVersion: v1
                kind: Pod
                metadata:
                  generateName: ws-
                  namespace: coder-workspace
                  labels: {com.coder.resource: "true"}
                spec:
                  containers:
                    - {name: a, image: busybox, args: ["agent", "--url=https://coder.enigma.vgijssel.nl/"]}
                    - {name: b, image: busybox, env: [{name: CODER_AGENT_URL, value: "https://coder.enigma.vgijssel.nl"}]}
                """);

        var result = mutate(server, pod);

        assertThat(env(container(result.pod(), "a"), "CODER_AGENT_URL")).containsExactly(INTERNAL);
        assertThat(container(result.pod(), "a").path("args").get(1).asText()).isEqualTo("--url=" + INTERNAL + "/");
        assertThat(env(container(result.pod(), "b"), "CODER_AGENT_URL")).containsExactly(INTERNAL);
        assertThat(result.patch().toString()).contains("\"op\":\"replace\",\"path\":\"/spec/containers/1/env/0/value\"");
    }

    @Test
    void everyAgentUrlEntryIsSetIncludingOneWithoutAValue() {
        var pod = Reviews.yaml("""
                apiVersion: v1
                kind: Pod
                metadata: {generateName: ws-, namespace: coder-workspace, labels: {com.coder.resource: "true"}}
                spec:
                  containers:
                    - name: a
                      image: busybox
                      env: [{name: CODER_AGENT_URL}, {name: OTHER, value: "1"}, {name: CODER_AGENT_URL, value: "https://elsewhere"}]
                """);

        var result = mutate(server, pod);

        assertThat(env(container(result.pod(), "a"), "CODER_AGENT_URL")).containsExactly(INTERNAL, INTERNAL);
        assertThat(result.patch().toString()).contains("{\"op\":\"add\",\"path\":\"/spec/containers/0/env/0/value\"")
                .contains("{\"op\":\"replace\",\"path\":\"/spec/containers/0/env/2/value\"");
        assertThat(container(result.pod(), "a").path("env").get(1)).isEqualTo(container(pod, "a").path("env").get(1));
        assertThat(mutate(server, result.pod()).patched()).isFalse();
    }

    @Test
    void aLookalikeHostIsNotRewritten() {
        var pod = (ObjectNode) example("workspace-official-template-pod.yaml");
        var command = (ArrayNode) container(pod, "dev").path("command");
        command.set(2, command.get(2).asText() + "\ncurl https://coder.enigma.vgijssel.nl.evil.example/x https://coder.enigma.vgijssel.nl:8443/\n");

        var result = mutate(server, pod);

        assertThat(container(result.pod(), "dev").path("command").get(2).asText())
                .contains("https://coder.enigma.vgijssel.nl.evil.example/x")
                .contains("https://coder.enigma.vgijssel.nl:8443/")
                .contains("BINARY_URL=" + INTERNAL + "/bin");
    }

    @Test
    void anAgentUrlFromValueFromIsLeftAloneWithAWarning() {
        var pod = (ObjectNode) example("workspace-official-template-pod.yaml");
        ((ArrayNode) container(pod, "dev").path("env")).addObject().put("name", "CODER_AGENT_URL")
                .putObject("valueFrom").putObject("configMapKeyRef").put("name", "agent").put("key", "url");

        var result = mutate(server, pod);

        assertThat(container(result.pod(), "dev").path("env").get(1).path("valueFrom").path("configMapKeyRef").path("key").asText())
                .isEqualTo("url");
        assertThat(env(container(result.pod(), "dev"), "CODER_AGENT_URL")).containsExactly("valueFrom");
        assertThat(result.warnings()).singleElement().asString()
                .contains("container dev takes CODER_AGENT_URL from valueFrom, which is left alone")
                .contains(INTERNAL);
        // the init script is still rewritten
        assertThat(container(result.pod(), "dev").path("command").get(2).asText()).doesNotContain(EXTERNAL);
    }

    @Test
    void podsOutsideTheWorkspaceNamespacesAreUntouched() {
        var pod = (ObjectNode) example("workspace-official-template-pod.yaml");
        ((ObjectNode) pod.path("metadata")).put("namespace", "coder");

        assertThat(mutate(server, pod).patched()).isFalse();
    }

    @Test
    void podsThatAreNotWorkspacesAreUntouched() {
        var pod = Reviews.yaml("""
                apiVersion: v1
                kind: Pod
                metadata: {name: registry-gc, namespace: coder-workspace}
                spec:
                  containers:
                    - {name: gc, image: registry:2, args: ["--url=https://coder.enigma.vgijssel.nl"]}
                """);

        assertThat(mutate(server, pod).patched()).isFalse();
    }

    @Test
    void aTokenAloneMakesAWorkspacePod() {
        var pod = Reviews.yaml("""
                apiVersion: v1
                kind: Pod
                metadata: {name: custom, namespace: coder-workspace}
                spec:
                  containers:
                    - name: agent
                      image: custom
                      env: [{name: CODER_AGENT_TOKEN_FILE, value: /var/run/coder/token}]
                """);

        var result = mutate(server, pod);

        assertThat(env(container(result.pod(), "agent"), "CODER_AGENT_URL")).containsExactly(INTERNAL);
    }

    @Test
    void anAgentRunAsANativeSidecarIsRewrittenAndAnOrdinaryInitContainerIsNot() {
        var pod = Reviews.yaml("""
                apiVersion: v1
                kind: Pod
                metadata: {name: sidecar, namespace: coder-workspace}
                spec:
                  initContainers:
                    - name: setup
                      image: busybox
                      command: [sh, -c, "echo https://coder.enigma.vgijssel.nl"]
                    - name: coder-agent
                      image: ghcr.io/coder/coder
                      restartPolicy: Always
                      command: [sh, -c, "export CODER_AGENT_URL=https://coder.enigma.vgijssel.nl && exec coder agent"]
                      env: [{name: CODER_AGENT_TOKEN, value: t}]
                  containers:
                    - name: dev
                      image: ubuntu
                """);

        var result = mutate(server, pod);

        var sidecar = result.pod().path("spec").path("initContainers").get(1);
        assertThat(env(sidecar, "CODER_AGENT_URL")).containsExactly(INTERNAL);
        assertThat(sidecar.path("command").get(2).asText()).isEqualTo("export CODER_AGENT_URL=" + INTERNAL + " && exec coder agent");
        assertThat(result.pod().path("spec").path("initContainers").get(0))
                .isEqualTo(pod.path("spec").path("initContainers").get(0));
        assertThat(env(container(result.pod(), "dev"), "CODER_AGENT_URL")).isEmpty();
        assertThat(mutate(server, result.pod()).patch()).as("a second pass changes nothing").isNull();
    }

    @Test
    void updatesAndOtherKindsAreUntouched() {
        var pod = example("workspace-official-template-pod.yaml");
        var update = server.post("/mutate/agent-url", Reviews.update(pod, pod));
        var service = server.post("/mutate/agent-url", Reviews.create(Reviews.file(Path.of("src/examples/tenant/coder-service-loadbalancer.yaml"))));

        for (var http : List.of(update, service)) {
            var response = Reviews.yaml(http.body()).path("response");
            assertThat(response.path("allowed").asBoolean()).isTrue();
            assertThat(response.has("patch")).isFalse();
        }
    }

    @Test
    void withoutAnyUrlPodsPassUnchangedWithAWarning() {
        var tenant = Profiles.named("tenant");
        try (var noUrl = TestServer.start(tenant)) {
            var result = mutate(noUrl, example("workspace-official-template-pod.yaml"));

            assertThat(result.patched()).isFalse();
            assertThat(result.warnings()).singleElement().asString()
                    .contains("no internal Coder URL is known")
                    .contains("ConfigMap coder/coder-workspace-config is not available");
        }
    }

    @Test
    void aDisabledFeatureMutatesNothing() {
        var tenant = Profiles.named("tenant");
        var disabled = new AgentUrlConfig(false, null, INTERNAL, null, null, null);
        try (var off = TestServer.start(tenant.withAgentUrl(disabled))) {
            assertThat(mutate(off, example("workspace-official-template-pod.yaml")).patched()).isFalse();
        }
    }

    @Test
    void withoutAnAccessUrlOnlyTheEnvVarIsSet() {
        var tenant = Profiles.named("tenant");
        var config = tenant.withCoder(new dev.coderadmission.config.CoderConfig(null, null, null, null, null))
                .withAgentUrl(tenant.agentUrl().withUrl(INTERNAL));
        try (var plain = TestServer.start(config)) {
            var result = mutate(plain, example("workspace-official-template-pod.yaml"));

            assertThat(env(container(result.pod(), "dev"), "CODER_AGENT_URL")).containsExactly(INTERNAL);
            assertThat(container(result.pod(), "dev").path("command").get(2).asText()).contains(EXTERNAL);
        }
    }
}
