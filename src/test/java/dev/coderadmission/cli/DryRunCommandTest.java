package dev.coderadmission.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.coderadmission.support.Reviews;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/** The dry-run CLI, run in-process exactly as {@code java -jar ... dry-run} parses it. */
class DryRunCommandTest {
    private static final String TENANT = "src/examples/config-tenant.yaml";
    private static final String MANAGEMENT = "src/examples/config-management.yaml";

    record Run(int exitCode, String out, String err) {
        JsonNode json() {
            return Reviews.yaml(out);
        }

        Map<String, String> verdicts() {
            var verdicts = new TreeMap<String, String>();
            json().path("results").forEach(r -> verdicts.put(r.path("source").asText(), r.path("verdict").asText()));
            return verdicts;
        }
    }

    static Run run(InputStream stdin, String... args) {
        var out = new StringWriter();
        var err = new StringWriter();
        var previous = System.in;
        System.setIn(stdin);
        try {
            var commandLine = RootCommand.commandLine(args); // as Main builds it
            commandLine.setOut(new PrintWriter(out));
            commandLine.setErr(new PrintWriter(err));
            int code = commandLine.execute(args);
            return new Run(code, out.toString(), err.toString());
        } finally {
            System.setIn(previous);
        }
    }

    static Run run(String... args) {
        return run(InputStream.nullInputStream(), args);
    }

    @Test
    void tenantExamplesGetTheirVerdictsAndExitCode1() {
        var run = run("dry-run", "--config", TENANT, "--state", "src/examples/tenant-state", "-o", "json", "src/examples/tenant");

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.verdicts()).containsExactlyInAnyOrderEntriesOf(Map.ofEntries(
                Map.entry("src/examples/tenant/coder-backend-elsewhere.yaml#1", "allowed"),
                Map.entry("src/examples/tenant/coder-backend-elsewhere.yaml#2", "denied"),
                Map.entry("src/examples/tenant/coder-chart-nginx-ingress.yaml#1", "denied"),
                Map.entry("src/examples/tenant/coder-funnel.yaml#1", "denied"),
                Map.entry("src/examples/tenant/coder-nodeport.yaml#1", "denied"),
                Map.entry("src/examples/tenant/coder-nodeport.yaml#2", "denied"),
                Map.entry("src/examples/tenant/coder-service-loadbalancer.yaml#1", "allowed"),
                Map.entry("src/examples/tenant/coder-tailscale-ingress.yaml#1", "allowed"),
                Map.entry("src/examples/tenant/other-app-nginx-ingress.yaml#1", "allowed"),
                Map.entry("src/examples/tenant/workspace-envbuilder-pod.yaml#1", "mutated"),
                Map.entry("src/examples/tenant/workspace-official-template-pod.yaml#1", "mutated")));
        var summary = run.json().path("summary");
        assertThat(summary.path("allowed").asInt()).isEqualTo(4);
        assertThat(summary.path("mutated").asInt()).isEqualTo(2);
        assertThat(summary.path("denied").asInt()).isEqualTo(5);
        assertThat(summary.path("errors").asInt()).isZero();
    }

    @Test
    void theStateConfigMapSuppliesTheAgentUrlAndThePatchApplies() {
        var file = "src/examples/tenant/workspace-official-template-pod.yaml";
        var run = run("dry-run", "-c", TENANT, "--state", "src/examples/tenant-state/configmap-coder-workspace-config.yaml",
                "-o", "json", file);

        assertThat(run.exitCode()).isZero();
        var result = run.json().path("results").get(0);
        assertThat(result.path("verdict").asText()).isEqualTo("mutated");
        var pod = io.fabric8.zjsonpatch.JsonPatch.apply(result.path("patch"), Reviews.file(Path.of(file)));
        var dev = pod.path("spec").path("containers").get(0);
        assertThat(dev.path("env").toString()).contains("{\"name\":\"CODER_AGENT_URL\",\"value\":\"http://coder.coder.svc.cluster.local:80\"}");
        assertThat(dev.path("command").get(2).asText()).doesNotContain("https://coder.enigma.vgijssel.nl");
    }

    @Test
    void withoutStateWorkspacePodsPassWithAWarning() {
        var run = run("dry-run", "-c", TENANT, "-o", "json", "src/examples/tenant/workspace-envbuilder-pod.yaml");

        assertThat(run.exitCode()).isZero();
        var result = run.json().path("results").get(0);
        assertThat(result.path("verdict").asText()).isEqualTo("allowed");
        assertThat(result.path("name").asText()).isEqualTo("coder-alice-dev-");
        assertThat(result.path("warnings").get(0).asText()).contains("no internal Coder URL is known")
                .contains("not in --state");
    }

    @Test
    void anInvalidUrlInTheStateConfigMapIsAnInputError(@TempDir Path dir) throws Exception {
        var state = dir.resolve("state.yaml");
        Files.writeString(state, """
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: coder-workspace-config, namespace: coder}
                data: {coder_url: "coder.coder.svc.cluster.local:80"}
                """);

        var run = run("dry-run", "-c", TENANT, "--state", state.toString(), "-o", "json",
                "src/examples/tenant/workspace-official-template-pod.yaml");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.json().path("errors").get(0).path("message").asText())
                .contains("holds \"coder.coder.svc.cluster.local:80\", which is not an absolute http:// or https:// URL");
        assertThat(run.verdicts().values()).containsExactly("allowed");
    }

    @Test
    void jsonResultsHaveTheDocumentedShape() {
        var run = run("dry-run", "-c", TENANT, "-o", "json", "src/examples/tenant/coder-funnel.yaml");

        var result = run.json().path("results").get(0);
        var fields = new ArrayList<String>();
        result.fieldNames().forEachRemaining(fields::add);
        assertThat(fields).containsExactly("source", "origin", "apiVersion", "kind", "namespace", "name", "verdict",
                "messages", "warnings", "patch");
        assertThat(result.path("apiVersion").asText()).isEqualTo("networking.k8s.io/v1");
        assertThat(result.path("kind").asText()).isEqualTo("Ingress");
        assertThat(result.path("namespace").asText()).isEqualTo("coder");
        assertThat(result.path("name").asText()).isEqualTo("coder-funnel");
        assertThat(result.path("messages").get(0).asText()).contains("[exposing-annotation] annotation tailscale.com/funnel=\"true\"");
        assertThat(result.path("warnings").isArray()).isTrue();
        assertThat(result.path("patch").isArray()).isTrue();
        assertThat(result.path("patch")).isEmpty();
    }

    @Test
    void managementExamplesUnderTheManagementConfig() {
        var run = run("dry-run", "-c", MANAGEMENT, "--state", "src/examples/management-state", "-o", "json",
                "src/examples/management");

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.verdicts()).containsExactlyInAnyOrderEntriesOf(Map.of(
                "src/examples/management/coder-ccm-mirror.yaml#1", "allowed",
                "src/examples/management/coder-ccm-mirror.yaml#2", "denied",
                "src/examples/management/coder-ingress.yaml#1", "mutated",
                "src/examples/management/public-gateway-mirror.yaml#1", "denied"));
    }

    @Test
    void seed000IngressIsRewrittenOfflineFromTheStateMirror() {
        var file = "src/examples/management/coder-ingress.yaml";
        var run = run("dry-run", "-c", MANAGEMENT, "--state", "src/examples/management-state",
                "--state", "src/examples/management/coder-ccm-mirror.yaml", "-o", "json", file);

        assertThat(run.exitCode()).isZero();
        var result = run.json().path("results").get(0);
        assertThat(result.path("verdict").asText()).isEqualTo("mutated");
        assertThat(result.path("warnings").get(0).asText())
                .contains("backend adfc788849eea4e4981f8e354b3491a3 -> a18c2be1873b84bcd8630e79298a07cf");
        var ingress = io.fabric8.zjsonpatch.JsonPatch.apply(result.path("patch"), Reviews.file(Path.of(file)));
        assertThat(ingress.path("spec").path("rules").get(0).path("http").path("paths").get(0).path("backend")
                .path("service").path("name").asText()).isEqualTo("a18c2be1873b84bcd8630e79298a07cf");
    }

    @Test
    void anIngressIsCodersWhenItsBackendIsACoderServiceInTheInput() {
        var alone = run("dry-run", "-o", "json", "src/examples/tenant/coder-backend-elsewhere.yaml");
        var message = alone.json().path("results").get(1).path("messages").get(0).asText();

        assertThat(message).contains("Ingress platform/staging belongs to Coder (backend Service coder-staging is Coder's "
                + "(label app.kubernetes.io/name=coder))").contains("[ingress-class]");
    }

    @Test
    void nothingDeniedExitsZero() {
        var run = run("dry-run", "-c", TENANT, "src/examples/tenant/coder-tailscale-ingress.yaml",
                "src/examples/tenant/coder-service-loadbalancer.yaml");

        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("ALLOWED  Ingress coder/coder-tailscale")
                .contains("ALLOWED  Service coder/coder")
                .contains("2 allowed, 0 mutated, 0 denied, 0 errors");
    }

    @Test
    void theTableNamesTheObjectVerdictAndMessage() {
        var run = run("dry-run", "-c", TENANT, "src/examples/tenant/coder-nodeport.yaml");

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.out()).contains("DENIED   Service coder/coder-debug  (src/examples/tenant/coder-nodeport.yaml#1)")
                .contains("[service-type] type NodePort")
                .contains("0 allowed, 0 mutated, 2 denied, 0 errors");
    }

    @Test
    void theDefaultConfigDeniesATenantLoadBalancer() {
        var run = run("dry-run", "-o", "json", "src/examples/tenant/coder-service-loadbalancer.yaml");

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.json().path("results").get(0).path("messages").get(0).asText()).contains("[load-balancer]");
    }

    @Test
    void aBrokenDocumentIsReportedAndHidesNothingElse(@TempDir Path dir) throws Exception {
        var file = dir.resolve("mixed.yaml");
        Files.writeString(file, """
                apiVersion: v1
                kind: Service
                metadata: {name: coder-debug, namespace: coder}
                spec: {type: NodePort, ports: [{port: 80}]}
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: broken, namespace: coder
                spec: [unclosed
                ---
                - just
                - a list
                ---
                metadata: {name: kindless}
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: coder, namespace: coder}
                spec: {ports: [{port: 80}]}
                ---
                """);

        var run = run("dry-run", "-o", "json", file.toString());

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.verdicts()).containsExactlyInAnyOrderEntriesOf(Map.of(
                file + "#1", "denied",
                file + "#5", "allowed"));
        var errors = new TreeMap<String, String>();
        run.json().path("errors").forEach(e -> errors.put(e.path("source").asText(), e.path("message").asText()));
        assertThat(errors).hasSize(3);
        assertThat(errors.get(file + "#2")).startsWith("not valid YAML");
        assertThat(errors.get(file + "#3")).isEqualTo("a Kubernetes object must be a mapping");
        assertThat(errors.get(file + "#4")).isEqualTo("apiVersion and kind are required");
        assertThat(run.json().path("summary").path("errors").asInt()).isEqualTo(3);
    }

    @Test
    void listsAreExpandedAndStdinIsRead() {
        var list = """
                {"apiVersion": "v1", "kind": "List", "items": [
                  {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "a", "namespace": "coder"},
                   "spec": {"type": "NodePort", "ports": [{"port": 80}]}},
                  {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "b"},
                   "spec": {"type": "NodePort", "ports": [{"port": 80}]}}
                ]}
                """;

        var run = run(new ByteArrayInputStream(list.getBytes(StandardCharsets.UTF_8)),
                "dry-run", "-o", "json", "--namespace", "coder-workspace", "-");

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.verdicts()).containsExactlyInAnyOrderEntriesOf(Map.of(
                "stdin#1/items/0", "denied",
                "stdin#1/items/1", "denied"));
        // an object without a namespace lands in --namespace, which here is a Coder namespace
        assertThat(run.json().path("results").get(1).path("namespace").asText()).isEqualTo("coder-workspace");
    }

    @Test
    void aMissingPathIsAnInputErrorButTheOthersAreStillEvaluated() {
        var run = run("dry-run", "-o", "json", "does/not/exist.yaml", "src/examples/tenant/coder-funnel.yaml");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.json().path("errors").get(0).path("source").asText()).isEqualTo("does/not/exist.yaml");
        assertThat(run.json().path("errors").get(0).path("message").asText()).isEqualTo("no such file or directory");
        assertThat(run.json().path("results")).hasSize(1);
    }

    @Test
    void usageErrorsExit2() {
        assertThat(run("dry-run").exitCode()).isEqualTo(2);
        assertThat(run("dry-run", "-o", "xml", "x.yaml").exitCode()).isEqualTo(2);
        assertThat(run("no-such-verb").exitCode()).isEqualTo(2);
        assertThat(run().exitCode()).isEqualTo(2);
    }

    @Test
    void aBadConfigExits2WithTheKeyNamed(@TempDir Path dir) throws Exception {
        var config = dir.resolve("config.yaml");
        Files.writeString(config, "coder-admission:\n  exposure:\n    enforcment: warn\n");

        var run = run("dry-run", "-c", config.toString(), "src/examples/tenant");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("unknown key coder-admission.exposure.enforcment");
        assertThat(run.out()).isEmpty();
    }

    @Test
    void warnModeAllowsWithWarnings(@TempDir Path dir) throws Exception {
        var config = dir.resolve("config.yaml");
        Files.writeString(config, "coder-admission:\n  exposure:\n    enforcement: warn\n");

        var run = run("dry-run", "-c", config.toString(), "-o", "json", "src/examples/tenant/coder-nodeport.yaml");

        assertThat(run.exitCode()).isZero();
        List<String> warnings = new ArrayList<>();
        run.json().path("results").forEach(r -> r.path("warnings").forEach(w -> warnings.add(w.asText())));
        assertThat(warnings).anySatisfy(w -> assertThat(w).contains("[service-type]"))
                .anySatisfy(w -> assertThat(w).contains("[external-ip]"));
        assertThat(run.verdicts().values()).containsOnly("allowed");
    }

    @Test
    void helpListsTheVerbs() {
        var run = run("--help");

        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("serve").contains("dry-run");
    }

    // ------------------------------------------------------------ a repository laid out as the seeds' (step 7)
    private static final String REPO = "src/test/resources/gitops/repo";

    @Test
    void aKustomizationIsBuiltAndItsDenialPointsAtTheFileToEdit() {
        var run = run("dry-run", "-c", "src/examples/config-tenant.yaml", "-o", "json", "--kustomize", "builtin",
                REPO + "/apps/coder-prod");

        assertThat(run.exitCode()).as(run.out() + run.err()).isEqualTo(1);
        var results = run.json().path("results");
        assertThat(results).hasSize(4);
        JsonNode ingress = null;
        for (var result : results) {
            if (result.path("kind").asText().equals("Ingress")) {
                ingress = result;
            }
            if (result.path("kind").asText().equals("Namespace")) {
                assertThat(result.path("namespace").asText()).as("cluster-scoped").isEmpty();
            }
        }
        assertThat(ingress).isNotNull();
        assertThat(ingress.path("verdict").asText()).isEqualTo("denied");
        assertThat(ingress.path("namespace").asText()).isEqualTo("coder");
        assertThat(ingress.path("source").asText()).isEqualTo(REPO + "/apps/coder-prod/kustomization.yaml › "
                + REPO + "/apps/coder-prod/ingress.yaml#1");
        assertThat(ingress.path("origin").asText()).isEqualTo(ingress.path("source").asText());
        assertThat(ingress.path("messages").get(0).asText()).contains("[ingress-class]", "[exposing-annotation]",
                "tailscale.com/funnel");
    }

    @Test
    void aWholeRepositorySkipsNonManifestsAndReportsWhatItCannotBuild() {
        var run = run("dry-run", "-c", "src/examples/config-tenant.yaml", "--kustomize", "builtin", REPO);

        assertThat(run.exitCode()).as(run.out()).isEqualTo(2);
        assertThat(run.out()).contains("SKIPPED  " + REPO + "/package.json: not a Kubernetes manifest",
                "SKIPPED  " + REPO + "/moon.yml: not a Kubernetes manifest",
                "ERROR    " + REPO + "/apps/broken: " + REPO + "/apps/broken/kustomization.yaml: `configMapGenerator` is not supported",
                "ALLOWED  Namespace coder  (", "DENIED   Ingress coder/coder  (",
                "ALLOWED  Ingress coder-staging/staging-coder  (", ", 4 skipped, 5 not evaluated",
                "SKIPPED  " + REPO + "/third_party/vendir/charts/coder: a Helm chart");
        // every top-most kustomization is built: both apps, and base/coder on its own (in namespace default)
        assertThat(run.out()).contains("ALLOWED  Service coder-staging/staging-coder", "ALLOWED  Service default/coder  (");
        assertThat(run.out().lines().filter(l -> l.contains("Deployment")).count()).isEqualTo(3);
    }

    @Test
    void withKubectlOnPathTheRealKustomizeBuildsWhatTheBuiltinBuilderCannot() {
        org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.isExecutable(java.nio.file.Path.of("/usr/bin/kubectl"))
                || System.getenv("PATH").contains("kubectl"), "kubectl is not installed");
        var run = run("dry-run", "-c", "src/examples/config-tenant.yaml", "--kustomize", "kubectl", REPO + "/apps/broken");

        assertThat(run.exitCode()).as(run.out()).isZero();
        // configMapGenerator: a ConfigMap with kustomize's content hash in its name
        assertThat(run.out()).containsPattern("ALLOWED  ConfigMap default/coder-env-[a-z0-9]{10}  \\(" + REPO
                + "/apps/broken/kustomization.yaml › ConfigMap coder-env-");
        // what the built-in builder can follow keeps its provenance down to the file
        assertThat(run.out()).contains("ALLOWED  Service default/coder  (" + REPO + "/apps/broken/kustomization.yaml › ");
    }

    @Test
    void aFluxKustomizationIsFollowedWithItsTargetNamespaceAndSubstitutions() {
        var run = run("dry-run", "-c", "src/examples/config-tenant.yaml", "--repo-root", REPO, "--source", "flux-system/setup",
                "-o", "json", REPO + "/clusters/tenant");

        assertThat(run.exitCode()).as(run.out()).isEqualTo(1);
        var json = run.json();
        JsonNode ingress = null;
        JsonNode service = null;
        for (var result : json.path("results")) {
            if (result.path("kind").asText().equals("Ingress")) {
                ingress = result;
            }
            if (result.path("kind").asText().equals("Service")) {
                service = result;
            }
        }
        assertThat(ingress).as(run.out()).isNotNull();
        assertThat(ingress.path("namespace").asText()).as("spec.targetNamespace").isEqualTo("coder");
        assertThat(ingress.path("verdict").asText()).isEqualTo("denied");
        // postBuild.substitute (nginx) wins over the ConfigMap's value (tailscale)
        assertThat(ingress.path("messages").get(0).asText()).contains("spec.ingressClassName \"nginx\"");
        assertThat(run.out()).as("every variable substituted").doesNotContain("${");
        assertThat(ingress.path("source").asText()).isEqualTo(REPO + "/clusters/tenant/kustomization-coder.yaml#1 › "
                + "Kustomization flux-system/coder › " + REPO + "/apps/coder-flux/ingress.yaml#1");
        // substituteFrom: SERVICE_TYPE comes from the Secret cluster-secrets (base64), over the ${SERVICE_TYPE:=ClusterIP} default
        assertThat(service.path("verdict").asText()).isEqualTo("denied");
        assertThat(service.path("messages").get(0).asText()).contains("[service-type] type NodePort");
        assertThat(json.path("skipped")).as("listed once, though read by the walk and by the Kustomization").hasSize(1);
        assertThat(json.path("skipped").toString()).contains("apps/coder-flux/renovate.json");
        assertThat(json.path("notEvaluated")).hasSize(1);
        assertThat(json.path("notEvaluated").get(0).asText()).contains("Kustomization flux-system/monitoring",
                "GitRepository flux-system/monitoring (https://github.com/example/monitoring) is not this repository");
        assertThat(json.path("summary").path("notEvaluated").asInt()).isEqualTo(1);

        var strict = run("dry-run", "-c", "src/examples/config-tenant.yaml", "--repo-root", REPO, "--source",
                "flux-system/setup", "--strict", REPO + "/clusters/tenant");
        assertThat(strict.exitCode()).isEqualTo(2);
        assertThat(strict.out()).contains("NOT EVALUATED Kustomization flux-system/monitoring", ", 1 not evaluated");
    }

    @Test
    void aSourceThatIsNotThisRepositoryIsNotEvaluated() {
        var run = run("dry-run", "-c", "src/examples/config-tenant.yaml", "--repo-root", REPO, REPO + "/clusters/tenant");

        assertThat(run.exitCode()).as(run.out()).isZero();
        assertThat(run.out()).contains("NOT EVALUATED Kustomization flux-system/coder",
                "GitRepository flux-system/setup (https://github.com/mvgijssel/setup) is not this repository",
                "name it with --source flux-system/setup").doesNotContain("Ingress");
    }

    @Test
    void envsubstFollowsFluxRules() {
        var variables = java.util.Map.of("SET", "value", "EMPTY", "");
        assertThat(FluxKustomizations.substitute("${SET} ${UNSET} ${UNSET:-d1} ${EMPTY:-d2} ${EMPTY-d3} ${UNSET=d4} $SET",
                variables)).isEqualTo("value  d1 d2  d4 $SET");
    }

    @Test
    void seed001HelmReleaseIsRenderedAndItsIngressDeniedWithProvenanceToTheHelmRelease() {
        // the class is nginx only if valuesFrom applies in order (targetPath after values.yaml) under spec.values
        var run = run("dry-run", "-c", "src/examples/config-tenant.yaml", "--repo-root", REPO, "--source",
                "flux-system/setup", REPO + "/apps/coder-helm");

        assertThat(run.exitCode()).as(run.out()).isEqualTo(1);
        assertThat(run.out()).contains("DENIED   Ingress coder/coder  (" + REPO + "/apps/coder-helm/helmrelease-coder.yaml#1 › "
                        + "HelmRelease flux-system/coder › coder/templates/ingress.yaml)",
                "spec.ingressClassName \"nginx\"",
                "ALLOWED  Service coder/coder  (" + REPO + "/apps/coder-helm/helmrelease-coder.yaml#1 › HelmRelease "
                        + "flux-system/coder › coder/templates/service.yaml)",
                "NOT EVALUATED HelmRelease flux-system/tailscale-operator", "its chart comes from the HelmRepository "
                        + "flux-system/tailscale (https://pkgs.tailscale.com/helmcharts); charts are fetched only with --allow-network");
    }

    @Test
    void seed000HelmReleaseIsAllowedOnlyWhereTheDefaultLoadBalancerIsInternal() {
        var tenant = run("dry-run", "-c", "src/examples/config-tenant.yaml", "--repo-root", REPO, "--source",
                "flux-system/setup", REPO + "/apps/coder-helm-000");
        assertThat(tenant.exitCode()).as(tenant.out()).isZero();
        assertThat(tenant.out()).contains("ALLOWED  Service coder/coder  (").doesNotContain("Ingress");

        var defaults = run("dry-run", "--repo-root", REPO, "--source", "flux-system/setup", REPO + "/apps/coder-helm-000");
        assertThat(defaults.exitCode()).as(defaults.out()).isEqualTo(1);
        assertThat(defaults.out()).contains("DENIED   Service coder/coder", "[load-balancer] type LoadBalancer without spec.loadBalancerClass");
    }

    @Test
    void aChartThatFailsToRenderIsAnErrorWithHelmsMessage(@org.junit.jupiter.api.io.TempDir java.nio.file.Path repo) throws Exception {
        var chart = java.nio.file.Files.createDirectories(repo.resolve("charts/broken/templates"));
        java.nio.file.Files.writeString(chart.getParent().resolve("Chart.yaml"), "apiVersion: v2\nname: broken\nversion: 0.1.0\n");
        java.nio.file.Files.writeString(chart.resolve("service.yaml"), "apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Values.name \n");
        java.nio.file.Files.writeString(repo.resolve("helmrelease.yaml"), """
                apiVersion: helm.toolkit.fluxcd.io/v2
                kind: HelmRelease
                metadata: {name: broken, namespace: flux-system}
                spec:
                  chart:
                    spec:
                      chart: ./charts/broken
                      sourceRef: {kind: GitRepository, name: setup}
                """);

        var run = run("dry-run", "--repo-root", repo.toString(), "--source", "flux-system/setup", repo.resolve("helmrelease.yaml").toString());

        assertThat(run.exitCode()).as(run.out()).isEqualTo(2);
        assertThat(run.out()).contains("ERROR", "HelmRelease flux-system/broken: helm cannot render", "service.yaml");
    }

    @Test
    void theManagementClustersIngressIsRewrittenToCodersMirror() {
        var run = run("dry-run", "-c", "src/examples/config-management.yaml", "-o", "json", "--state", "src/examples/management-state",
                "--state", "src/examples/management/coder-ccm-mirror.yaml", REPO + "/apps/enigma");

        assertThat(run.exitCode()).as(run.out()).isZero();
        var result = run.json().path("results").get(0);
        assertThat(result.path("verdict").asText()).isEqualTo("mutated");
        assertThat(result.path("namespace").asText()).isEqualTo("tenant-root");
        assertThat(result.path("source").asText()).isEqualTo(REPO + "/apps/enigma/kustomization.yaml › " + REPO
                + "/apps/enigma/ingress-coder.yaml#1");
        assertThat(result.path("patch").toString()).contains("a18c2be1873b84bcd8630e79298a07cf");
    }

    @Test
    void withAllowNetworkAHelmRepositoryChartIsFetchedOnceAndRendered(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        // a Helm repository on loopback: index.yaml and the packaged fixture chart, two versions
        var charts = java.nio.file.Files.createDirectories(dir.resolve("served"));
        new com.marcnuri.helm.Helm(java.nio.file.Path.of(REPO, "third_party/vendir/charts/coder")).packageIt()
                .withDestination(charts).call();
        java.nio.file.Files.writeString(charts.resolve("index.yaml"), """
                apiVersion: v1
                entries:
                  coder:
                    - {name: coder, version: 2.29.1, urls: [coder-2.29.1.tgz]}
                    - {name: coder, version: 2.30.0-rc.1, urls: [missing.tgz]}
                    - {name: coder, version: 2.28.0, urls: [missing.tgz]}
                """);
        var requests = new java.util.concurrent.atomic.AtomicInteger();
        var server = com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            requests.incrementAndGet();
            var file = charts.resolve(exchange.getRequestURI().getPath().substring(1));
            try (exchange) {
                if (java.nio.file.Files.isRegularFile(file)) {
                    var bytes = java.nio.file.Files.readAllBytes(file);
                    exchange.sendResponseHeaders(200, bytes.length);
                    exchange.getResponseBody().write(bytes);
                } else {
                    exchange.sendResponseHeaders(404, -1);
                }
            }
        });
        server.start();
        var releases = dir.resolve("release.yaml");
        java.nio.file.Files.writeString(releases, """
                apiVersion: source.toolkit.fluxcd.io/v1
                kind: HelmRepository
                metadata: {name: coder, namespace: flux-system}
                spec: {url: "http://127.0.0.1:%d/"}
                ---
                apiVersion: helm.toolkit.fluxcd.io/v2
                kind: HelmRelease
                metadata: {name: coder, namespace: flux-system}
                spec:
                  targetNamespace: coder
                  chart: {spec: {chart: coder, version: ">=2.28 <2.30", sourceRef: {kind: HelmRepository, name: coder}}}
                  values: {coder: {ingress: {enable: true, className: nginx, host: coder.enigma.vgijssel.nl}}}
                """.formatted(server.getAddress().getPort()));
        var cache = dir.resolve("cache");
        try {
            var run = run("dry-run", "-c", "src/examples/config-tenant.yaml", "--allow-network", "--chart-cache", cache.toString(),
                    releases.toString());
            assertThat(run.exitCode()).as(run.out()).isEqualTo(1);
            assertThat(run.out()).contains("DENIED   Ingress coder/coder  (" + releases + "#2 › HelmRelease flux-system/coder › "
                    + "coder/templates/ingress.yaml)");
            assertThat(requests.get()).isEqualTo(2); // the index and the one chart version chosen
        } finally {
            server.stop(0);
        }
        // the repository is gone, the cache still holds 2.29.1 (the index is fetched again, so: an error)
        var offline = run("dry-run", "-c", "src/examples/config-tenant.yaml", "--allow-network", "--chart-cache", cache.toString(),
                releases.toString());
        assertThat(offline.exitCode()).isEqualTo(2);
        assertThat(offline.out()).contains("HelmRelease flux-system/coder: GET http://127.0.0.1:");
        assertThat(java.nio.file.Files.exists(cache.resolve("127.0.0.1/coder-2.29.1.tgz"))).isTrue();
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "{0} matches {1}: {2}")
    @org.junit.jupiter.params.provider.CsvSource({
            "1.80.x, 1.80.3, true", "1.80.x, 1.81.0, false", "*, 2.0.0, true", "*, 2.0.0-rc.1, false",
            "'>=2.28 <2.30', 2.29.9, true", "'>=2.28 <2.30', 2.30.0, false", "'~1.2', 1.2.9, true", "'~1.2', 1.3.0, false",
            "'^1.2.3', 1.9.0, true", "'^1.2.3', 2.0.0, false", "'^0.2.3', 0.2.9, true", "'^0.2.3', 0.3.0, false",
            "2.29.1, 2.29.1, true", "2.29.1, 2.29.2, false", "'1.0.0 || 2.x', 2.4.0, true", "'!=1.2.3', 1.2.3, false",
            "'>1.2', 1.2.9, false", "'>1.2', 1.3.0, true", "'<=1.2', 1.2.9, true", "'>=1.0.0-0', 1.1.0-beta, true"})
    void helmVersionConstraints(String constraint, String version, boolean matches) {
        assertThat(ChartFetcher.Version.matches(constraint, ChartFetcher.Version.parse(version).orElseThrow())).isEqualTo(matches);
    }

    /**
     * An OCI registry on loopback (Debian's docker-registry, which .ci/run installs): a chart pushed
     * there by helm is rendered through a HelmRepository of type oci and through an OCIRepository.
     */
    @Test
    void withAllowNetworkChartsInAnOciRegistryAreRendered(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        var registryBinary = java.nio.file.Path.of("/usr/bin/docker-registry");
        org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.isExecutable(registryBinary),
                "docker-registry is not installed (.ci/run installs it)");
        int port;
        try (var socket = new java.net.ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        var config = dir.resolve("registry.yml");
        java.nio.file.Files.writeString(config, """
                version: 0.1
                log: {level: error}
                storage: {filesystem: {rootdirectory: %s}}
                http: {addr: "127.0.0.1:%d"}
                """.formatted(dir.resolve("storage"), port));
        var registry = new ProcessBuilder(registryBinary.toString(), "serve", config.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("registry.log").toFile()).start();
        try {
            var client = java.net.http.HttpClient.newHttpClient();
            dev.coderadmission.support.Eventually.await(() -> {
                try {
                    return client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + "/v2/"))
                            .build(), java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode();
                } catch (java.io.IOException | InterruptedException e) {
                    return 0;
                }
            }, code -> code == 200, java.time.Duration.ofSeconds(20));
            var packaged = java.nio.file.Files.createDirectories(dir.resolve("packaged"));
            new com.marcnuri.helm.Helm(java.nio.file.Path.of(REPO, "third_party/vendir/charts/coder")).packageIt()
                    .withDestination(packaged).call();
            com.marcnuri.helm.Helm.push().withChart(packaged.resolve("coder-2.29.1.tgz"))
                    .withRemote(java.net.URI.create("oci://127.0.0.1:" + port + "/charts")).plainHttp().call();

            var releases = dir.resolve("releases.yaml");
            java.nio.file.Files.writeString(releases, """
                    apiVersion: source.toolkit.fluxcd.io/v1
                    kind: HelmRepository
                    metadata: {name: charts, namespace: flux-system}
                    spec: {type: oci, url: "oci://127.0.0.1:%1$d/charts", insecure: true}
                    ---
                    apiVersion: helm.toolkit.fluxcd.io/v2
                    kind: HelmRelease
                    metadata: {name: coder, namespace: flux-system}
                    spec:
                      targetNamespace: coder
                      chart: {spec: {chart: coder, version: 2.29.x, sourceRef: {kind: HelmRepository, name: charts}}}
                      values: {coder: {ingress: {enable: true, className: nginx, host: coder.enigma.vgijssel.nl}}}
                    ---
                    apiVersion: source.toolkit.fluxcd.io/v1beta2
                    kind: OCIRepository
                    metadata: {name: coder-chart, namespace: flux-system}
                    spec:
                      url: "oci://127.0.0.1:%1$d/charts/coder"
                      ref: {semver: ">=2.29.0"}
                      insecure: true
                    ---
                    apiVersion: helm.toolkit.fluxcd.io/v2
                    kind: HelmRelease
                    metadata: {name: coder-staging, namespace: flux-system}
                    spec:
                      targetNamespace: coder-staging
                      chartRef: {kind: OCIRepository, name: coder-chart}
                      values: {coder: {service: {type: NodePort}}}
                    """.formatted(port));

            var offline = run("dry-run", "-c", "src/examples/config-tenant.yaml", releases.toString());
            assertThat(offline.out()).contains("NOT EVALUATED HelmRelease flux-system/coder ", "NOT EVALUATED HelmRelease "
                    + "flux-system/coder-staging", "charts are fetched only with --allow-network");

            var run = run("dry-run", "-c", "src/examples/config-tenant.yaml", "--allow-network", releases.toString());
            assertThat(run.exitCode()).as(run.out()).isEqualTo(1);
            assertThat(run.out()).contains(
                    "DENIED   Ingress coder/coder  (" + releases + "#2 › HelmRelease flux-system/coder › coder/templates/ingress.yaml)",
                    "DENIED   Service coder-staging/coder  (" + releases + "#4 › HelmRelease flux-system/coder-staging › "
                            + "coder/templates/service.yaml)", "[service-type] type NodePort");
        } finally {
            registry.destroy();
            registry.waitFor();
        }
    }

    @Test
    void gatewayApiRoutesAreJudgedByTheirParentGatewaysClassAndReferenceGrants(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        var config = dir.resolve("gateway.yaml");
        java.nio.file.Files.writeString(config, java.nio.file.Files.readString(java.nio.file.Path.of("src/examples/config-tenant.yaml"))
                .replace("  agent-url:", "    allowed-gateway-classes: [tailscale]\n  agent-url:"));

        var run = run("dry-run", "-c", config.toString(), "-o", "json", "--state", "src/test/resources/gateway/gateways.yaml",
                "src/test/resources/gateway/routes.yaml");

        assertThat(run.exitCode()).as(run.out() + run.err()).isEqualTo(1);
        var results = new java.util.HashMap<String, JsonNode>();
        run.json().path("results").forEach(r -> results.put(r.path("kind").asText() + " " + r.path("namespace").asText() + "/"
                + r.path("name").asText(), r));
        assertThat(results.get("HTTPRoute coder/coder-tailnet").path("verdict").asText()).isEqualTo("allowed");
        assertThat(results.get("HTTPRoute coder/coder-public").path("verdict").asText()).isEqualTo("denied");
        assertThat(results.get("HTTPRoute coder/coder-public").path("messages").toString())
                .contains("[gateway-class] parentRef Gateway gateways/public has gatewayClassName \\\"cilium\\\"");
        assertThat(results.get("HTTPRoute web/ide").path("verdict").asText()).isEqualTo("denied");
        assertThat(results.get("HTTPRoute web/ide").path("messages").toString())
                .contains("backendRef Service coder/coder", "allowed by a ReferenceGrant in coder");
        assertThat(results.get("HTTPRoute other/ide").path("verdict").asText()).as("no ReferenceGrant").isEqualTo("allowed");
        assertThat(results.get("TCPRoute coder/coder-ssh").path("messages").toString())
                .contains("[gateway-unknown] parentRef Gateway gateways/somewhere is not known");
        assertThat(results.get("Gateway infra/wildcard").path("messages").toString())
                .contains("listener hostname *.vgijssel.nl matches coder.hosts entry", "[gateway-class]");
    }
}
