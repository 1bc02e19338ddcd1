package dev.coderadmission.cli;

import dev.coderadmission.gitops.Kustomizer;
import dev.coderadmission.policy.Evaluation;
import dev.coderadmission.config.ConfigException;
import dev.coderadmission.policy.Webhooks;
import dev.coderadmission.config.AdmissionConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Set;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "dry-run",
        description = {"Evaluate manifests offline, as CREATE admission requests, with the policy code the server runs.",
                "Exit code: 0 nothing denied, 1 something denied, 2 usage or input error."},
        footer = {"", "Examples:",
                "  java -jar target/coder-admission.jar dry-run apps/coder-prod/      (a kustomization: built first)",
                "  java -jar target/coder-admission.jar dry-run -c tenant.yaml .      (every kustomization of a repository)",
                "  kustomize build apps/coder-prod | java -jar target/coder-admission.jar dry-run -o json -"})
final class DryRunCommand implements Callable<Integer> {

    enum Format { TABLE, JSON, YAML, JUNIT }

    @Mixin
    ConfigOption config;

    @Option(names = {"-o", "--output"}, paramLabel = "table|json|yaml|junit", defaultValue = "table",
            description = {"Output format (default: ${DEFAULT-VALUE}). yaml: the objects after mutation, ready to diff or "
                    + "apply (the report goes to stderr); junit: a JUnit XML report for CI."})
    Format format;

    @Option(names = "--diff", description = "With -o table: a unified diff of each mutated object, as kubectl diff shows it.")
    boolean diff;

    @Option(names = {"-n", "--namespace"}, paramLabel = "NS", defaultValue = "default",
            description = "Namespace of objects that name none, as kubectl's current namespace (default: ${DEFAULT-VALUE}).")
    String namespace;

    @Option(names = "--kustomize", paramLabel = "auto|builtin|kubectl|kustomize", defaultValue = "auto",
            description = {"Who builds kustomizations (default: ${DEFAULT-VALUE}: kustomize on PATH, else kubectl, else the "
                    + "built-in builder, whose unsupported features are errors)."})
    Kustomizer.Choice kustomize;

    @Option(names = "--repo-root", paramLabel = "DIR",
            description = {"The Git repository Flux Kustomizations' spec.path is resolved in (default: the git top level "
                    + "of the first PATH, else that PATH)."})
    Path repoRoot;

    @Option(names = "--source", paramLabel = "NAMESPACE/NAME",
            description = {"A GitRepository that is this repository (besides those whose spec.url is this repository's "
                    + "origin remote); repeatable."})
    List<String> sources = new ArrayList<>();

    @Option(names = "--kube-version", paramLabel = "VERSION", defaultValue = "v1.33.0",
            description = "The Kubernetes version charts are rendered for (.Capabilities.KubeVersion; default: ${DEFAULT-VALUE}).")
    String kubeVersion;

    @Option(names = "--allow-network", description = {"Fetch the charts of HelmRepositories (HTTP) to render their "
            + "HelmReleases; without it they are not evaluated."})
    boolean allowNetwork;

    @Option(names = "--chart-cache", paramLabel = "DIR", description = {"Where fetched charts are kept "
            + "(default: ${DEFAULT-VALUE})."}, defaultValue = "${sys:user.home}/.cache/coder-admission/charts")
    Path chartCache;

    @Option(names = "--strict", description = "Exit 2 when a source could not be evaluated (a remote repository or chart).")
    boolean strict;

    @Option(names = "--state", paramLabel = "PATH",
            description = {"Cluster state the server would know from its informers: the agent URL ConfigMap, "
                    + "KubeVirt CCM Services. Files or directories; repeatable."})
    List<String> state = new ArrayList<>();

    @Parameters(arity = "1..*", paramLabel = "PATH", description = {"Files, directories or - for stdin. A directory with a "
            + "kustomization.yaml is built as kustomize builds it; other directories are walked, and files in them that "
            + "are not Kubernetes manifests are skipped with a note."})
    List<String> paths;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Where "-" reads from; a field so tests can feed it. */
    InputStream stdin = System.in;

    @Override
    public Integer call() {
        var out = spec.commandLine().getOut();
        if (diff && format != Format.TABLE) {
            spec.commandLine().getErr().println("error: --diff goes with -o table");
            return RootCommand.USAGE_OR_INPUT;
        }
        AdmissionConfig admissionConfig;
        try {
            admissionConfig = config.load();
        } catch (ConfigException e) {
            spec.commandLine().getErr().println("error: " + e.getMessage());
            return RootCommand.USAGE_OR_INPUT;
        }
        var progress = new Progress(spec.commandLine().getErr(), format == Format.TABLE && Progress.onTerminal());
        var report = DryRun.run(new DryRun.Options(admissionConfig, paths, state, namespace, kustomize, repoRoot,
                Set.copyOf(sources), kubeVersion, allowNetwork ? chartCache : null), stdin, progress::say);
        progress.done();
        switch (format) {
            case TABLE -> report.table(out, DryRunReport.colour(), diff);
            case JSON -> report.json(out);
            case YAML -> report.yaml(out, spec.commandLine().getErr());
            case JUNIT -> report.junit(out);
        }
        out.flush();
        spec.commandLine().getErr().flush();
        if (!report.errors().isEmpty() || strict && !report.notEvaluated().isEmpty()) {
            return RootCommand.USAGE_OR_INPUT;
        }
        return report.results().stream().anyMatch(r -> r.verdict() == Evaluation.Verdict.DENIED)
                ? RootCommand.DENIED : RootCommand.OK;
    }
}
