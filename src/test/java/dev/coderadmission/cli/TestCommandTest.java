package dev.coderadmission.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Element;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static dev.coderadmission.cli.DryRunCommandTest.run;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code coder-admission test}: the shipped example suite passes, each kind of failure is reported readably. */
class TestCommandTest {
    private static final Path EXAMPLES = Path.of("src/examples").toAbsolutePath();

    @Test
    void theExampleSuiteForBothClustersPasses() {
        var run = run("test", "src/examples/tests");

        assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
        assertThat(run.out()).contains("PASS  src/examples/tests/coder-admission-test.yaml › tenant cluster coder-cluster-prod › "
                + "seed 001, the chart's Ingress on class nginx is denied", "management cluster enigma",
                "6 expectations: 6 passed, 0 failed");
    }

    private static Path suite(Path dir, String expect) throws Exception {
        var file = dir.resolve("coder-admission-test.yaml");
        Files.writeString(file, """
                apiVersion: coder-admission.dev/v1alpha1
                kind: AdmissionTest
                metadata: {name: failing}
                config: %s/config-tenant.yaml
                state: [%s/tenant-state]
                resources: [%s/tenant]
                expect:
                %s""".formatted(EXAMPLES, EXAMPLES, EXAMPLES, expect.indent(2)));
        return file;
    }

    @Test
    void eachKindOfFailureSaysWhatWasExpectedAndWhatCame(@TempDir Path dir) throws Exception {
        suite(dir, """
                - name: wrong verdict
                  object: {kind: Ingress, namespace: coder, name: coder}
                  verdict: allowed
                - name: missing message and rule
                  object: {kind: Service, namespace: coder, name: coder-debug}
                  messages: [no such text]
                  rules: [external-ip]
                - name: field differs
                  selector: {kind: Pod, labels: {app.kubernetes.io/name: coder-workspace}}
                  fields:
                    "$.spec.containers[0].env[?(@.name == 'CODER_AGENT_URL')].value": http://elsewhere
                - name: not found
                  object: {kind: Ingress, namespace: coder, name: nothing}
                - name: holds
                  object: {kind: Ingress, namespace: coder, name: coder-tailscale}
                  verdict: allowed
                """);

        var run = run("test", dir.toString());

        assertThat(run.exitCode()).as(run.out()).isEqualTo(1);
        assertThat(run.out()).contains(
                "FAIL  " + dir.resolve("coder-admission-test.yaml") + " › failing › wrong verdict",
                "verdict: expected allowed, got denied (Ingress coder/coder belongs to Coder", "[ingress-class]",
                "message: expected to contain \"no such text\"; got [\"Service coder/coder-debug belongs to Coder",
                "rule: expected [external-ip] to be broken",
                "field $.spec.containers[0].env[?(@.name == 'CODER_AGENT_URL')].value: expected \"http://elsewhere\", got \"http://coder.coder.svc.cluster.local:80\"",
                "no object Ingress coder/nothing among the 11 evaluated",
                "PASS  " + dir.resolve("coder-admission-test.yaml") + " › failing › holds",
                "5 expectations: 1 passed, 4 failed");
    }

    @Test
    void anExpectedObjectFileIsComparedWhole(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("expected.yaml"), Files.readString(EXAMPLES.resolve("tenant/coder-service-loadbalancer.yaml"))
                .replace("type: LoadBalancer", "type: ClusterIP"));
        suite(dir, """
                - object: {kind: Service, namespace: coder, name: coder}
                  objectFile: expected.yaml
                """);

        var run = run("test", dir.toString());

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.out()).contains("object differs from", "-  type: ClusterIP", "+  type: LoadBalancer");
    }

    @Test
    void junitIsParsedBack(@TempDir Path dir) throws Exception {
        suite(dir, """
                - object: {kind: Ingress, namespace: coder, name: coder}
                  verdict: denied
                - object: {kind: Ingress, namespace: coder, name: coder}
                  verdict: allowed
                """);

        var run = run("test", "-o", "junit", dir.toString());

        assertThat(run.exitCode()).isEqualTo(1);
        var document = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(run.out().getBytes(StandardCharsets.UTF_8)));
        var suite = (Element) document.getElementsByTagName("testsuite").item(0);
        assertThat(suite.getAttribute("tests")).isEqualTo("2");
        assertThat(suite.getAttribute("failures")).isEqualTo("1");
        assertThat(((Element) document.getElementsByTagName("failure").item(0)).getAttribute("message"))
                .startsWith("verdict: expected allowed, got denied");
    }

    @Test
    void anUnusableTestFileNamesTheFileTheLineAndTheKey(@TempDir Path dir) throws Exception {
        var file = suite(dir, """
                - object: {kind: Ingress, namespace: coder, name: coder}
                  verdicts: denied
                """);

        var run = run("test", file.toString());

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains(file + ":9: unknown key expect[0].verdicts", "known keys there:", "verdict");

        Files.writeString(file, Files.readString(file).replace("verdicts: denied", "verdict: maybe"));
        var badValue = run("test", file.toString());
        assertThat(badValue.exitCode()).isEqualTo(2);
        assertThat(badValue.err()).contains(file + ":9: invalid value at expect[0].verdict");

        var none = run("test", dir.resolve("nowhere").toString());
        assertThat(none.exitCode()).isEqualTo(2);
    }
}
