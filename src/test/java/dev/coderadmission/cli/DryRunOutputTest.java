package dev.coderadmission.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;

import static dev.coderadmission.cli.DryRunCommandTest.run;
import static org.assertj.core.api.Assertions.assertThat;

/** dry-run's output formats, each parsed back: -o yaml, -o junit, --diff, mutatedObject in -o json, colour. */
class DryRunOutputTest {
    private static final String TENANT = "src/examples/config-tenant.yaml";
    private static final String STATE = "src/examples/tenant-state";
    private static final String POD = "src/examples/tenant/workspace-envbuilder-pod.yaml";

    private static JsonNode env(JsonNode pod, String name) {
        for (var variable : pod.path("spec").path("containers").get(0).path("env")) {
            if (variable.path("name").asText().equals(name)) {
                return variable.path("value");
            }
        }
        return null;
    }

    @Test
    void jsonCarriesTheMutatedObject() {
        var run = run("dry-run", "-c", TENANT, "--state", STATE, "-o", "json", POD);

        var result = run.json().path("results").get(0);
        assertThat(result.path("verdict").asText()).isEqualTo("mutated");
        assertThat(env(result.path("mutatedObject"), "CODER_AGENT_URL").asText()).isEqualTo("http://coder.coder.svc.cluster.local:80");
    }

    @Test
    void yamlIsTheObjectsAfterMutationAndTheReportGoesToStderr() throws Exception {
        var run = run("dry-run", "-c", TENANT, "--state", STATE, "-o", "yaml", POD, "src/examples/tenant/coder-nodeport.yaml");

        assertThat(run.exitCode()).isEqualTo(1);
        var documents = new ArrayList<JsonNode>();
        try (var parser = new YAMLMapper().createParser(run.out())) {
            new YAMLMapper().readValues(parser, JsonNode.class).forEachRemaining(documents::add);
        }
        assertThat(documents).hasSize(3); // the pod and coder-nodeport.yaml's two Services
        assertThat(env(documents.get(0), "CODER_AGENT_URL").asText()).isEqualTo("http://coder.coder.svc.cluster.local:80");
        assertThat(documents.get(1).path("kind").asText()).isEqualTo("Service");
        assertThat(run.out()).startsWith("# mutated: " + POD + "#1\n").doesNotContain("allowed, ");
        assertThat(run.err()).contains("denied: Service coder/coder-debug: ", "0 allowed, 1 mutated, 2 denied, 0 errors")
                .doesNotContain("# mutated");
    }

    @Test
    void diffShowsEachMutatedObjectAsKubectlDiffDoes() {
        var run = run("dry-run", "-c", TENANT, "--state", STATE, "--diff", POD);

        assertThat(run.exitCode()).isZero();
        var name = "v1.Pod.coder-workspace.";
        assertThat(run.out()).contains("diff -u -N MANIFEST/" + name, "--- MANIFEST/" + name, "+++ MUTATED/" + name, "@@ -")
                .doesNotContain("patch: [");
        assertThat(run.out().lines().filter(l -> l.startsWith("+") && l.contains("http://coder.coder.svc.cluster.local:80")))
                .isNotEmpty();
        assertThat(run.out().lines().filter(l -> l.startsWith("-") && l.contains("https://coder.enigma.vgijssel.nl")))
                .isNotEmpty();
        assertThat(run.out()).as("no colour off a terminal").doesNotContain("\u001b[");

        var wrong = run("dry-run", "--diff", "-o", "json", POD);
        assertThat(wrong.exitCode()).isEqualTo(2);
        assertThat(wrong.err()).contains("--diff goes with -o table");
    }

    @Test
    void junitIsAReportCiSystemsRead() throws Exception {
        var run = run("dry-run", "-c", TENANT, "--state", STATE, "-o", "junit", "src/examples/tenant");

        assertThat(run.exitCode()).isEqualTo(1);
        var document = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(run.out().getBytes(StandardCharsets.UTF_8)));
        var suite = (Element) document.getElementsByTagName("testsuite").item(0);
        var cases = document.getElementsByTagName("testcase");
        assertThat(Integer.parseInt(suite.getAttribute("tests"))).isEqualTo(cases.getLength()).isGreaterThan(5);
        var failures = document.getElementsByTagName("failure");
        assertThat(Integer.parseInt(suite.getAttribute("failures"))).isEqualTo(failures.getLength()).isPositive();
        var denied = (Element) failures.item(0).getParentNode();
        assertThat(denied.getAttribute("name")).contains("(src/examples/tenant/");
        assertThat(((Element) failures.item(0)).getAttribute("message")).contains("belongs to Coder", "[");
    }

    @Test
    void colourOnlyWhenAskedAndOnlyTheVerdict() {
        var report = new DryRunReport(java.util.List.of(new dev.coderadmission.policy.Evaluation("a.yaml#1", "v1", "Service", "coder", "coder",
                dev.coderadmission.policy.Evaluation.Verdict.DENIED, java.util.List.of("no"), java.util.List.of(),
                com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode(), null, null, java.util.List.of(), java.util.List.of("exposure"))),
                java.util.List.of(), java.util.List.of(), java.util.List.of());
        var coloured = new java.io.StringWriter();
        report.table(new java.io.PrintWriter(coloured), true, false);
        assertThat(coloured.toString()).startsWith("\u001b[31;1mDENIED  \u001b[0m Service coder/coder");
        var plain = new java.io.StringWriter();
        report.table(new java.io.PrintWriter(plain), false, false);
        assertThat(plain.toString()).startsWith("DENIED   Service coder/coder").doesNotContain("\u001b[");
    }
}
