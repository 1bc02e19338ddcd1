package dev.coderadmission.cli;

import dev.coderadmission.policy.Evaluation;
import dev.coderadmission.cluster.AuditedObjects;
import dev.coderadmission.config.AdmissionConfig;
import dev.coderadmission.config.ConfigException;
import dev.coderadmission.policy.Evaluator;
import dev.coderadmission.policy.Webhooks;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * What the policies say about the running cluster, read-only: Services, Ingresses and (with agent URL
 * injection on) Pods are listed page by page and judged with the server's webhook table, the CCM index
 * and the agent URL ConfigMap read from the same cluster. Nothing is ever written.
 */
@Command(name = "audit",
        description = {"Judge what runs in a cluster now (read-only): what deny would reject, what the mutators would change.",
                "Exit code: 0 nothing would be denied, 1 something would, 2 usage, config or API server error."},
        footer = {"", "Examples:", "  java -jar target/coder-admission.jar audit -c tenant.yaml -A",
                "  java -jar target/coder-admission.jar audit -c tenant.yaml --context coder-cluster-prod -n coder -o json"})
final class AuditCommand implements Callable<Integer> {

    enum Format { TABLE, JSON, YAML, JUNIT }

    @Mixin
    ConfigOption config;

    @Option(names = "--context", paramLabel = "NAME", description = "The kubeconfig context (default: the current one).")
    String context;

    @Option(names = "--kubeconfig", paramLabel = "FILE", description = "The kubeconfig (default: $KUBECONFIG, else ~/.kube/config).")
    Path kubeconfig;

    @Option(names = {"-n", "--namespace"}, paramLabel = "NS", description = "Only this namespace (default: all namespaces).")
    String namespace;

    @Option(names = {"-A", "--all-namespaces"}, description = "Every namespace (the default).")
    boolean allNamespaces;

    @Option(names = {"-o", "--output"}, paramLabel = "table|json|yaml|junit", defaultValue = "table",
            description = "Output format (default: ${DEFAULT-VALUE}), as dry-run's.")
    Format format;

    @Option(names = "--page-size", paramLabel = "N", defaultValue = "250",
            description = "Objects per list request (limit/continue; default: ${DEFAULT-VALUE}).")
    long pageSize;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        var out = spec.commandLine().getOut();
        var err = spec.commandLine().getErr();
        if (namespace != null && allNamespaces) {
            err.println("error: -n and -A exclude each other");
            return RootCommand.USAGE_OR_INPUT;
        }
        AdmissionConfig admissionConfig;
        try {
            admissionConfig = config.load();
        } catch (ConfigException e) {
            err.println("error: " + e.getMessage());
            return RootCommand.USAGE_OR_INPUT;
        }
        DryRunReport report;
        try (var client = client()) {
            report = audit(client, admissionConfig);
        } catch (KubernetesClientException e) {
            err.println("error: the API server: " + e.getMessage());
            err.flush();
            return RootCommand.USAGE_OR_INPUT;
        }
        switch (format) {
            case TABLE -> report.table(out, DryRunReport.colour(), false);
            case JSON -> report.json(out);
            case YAML -> report.yaml(out, err);
            case JUNIT -> report.junit(out);
        }
        out.flush();
        err.flush();
        return report.results().stream().anyMatch(r -> r.verdict() == Evaluation.Verdict.DENIED)
                ? RootCommand.DENIED : RootCommand.OK;
    }

    private KubernetesClient client() {
        Config configuration;
        if (kubeconfig != null) {
            try {
                configuration = Config.fromKubeconfig(context, Files.readString(kubeconfig), kubeconfig.toString());
            } catch (java.io.IOException e) {
                throw new KubernetesClientException("cannot read " + kubeconfig + ": " + e.getMessage());
            }
            // fromKubeconfig, unlike autoConfigure, does not read fabric8's system properties; this one matters
            // for API servers (and proxies) that speak plain HTTP/1.1
            if (Boolean.getBoolean("kubernetes.http2.disable")) {
                configuration.setHttp2Disable(true);
            }
        } else {
            configuration = Config.autoConfigure(context);
        }
        return new KubernetesClientBuilder().withConfig(configuration).build();
    }

    /** The objects as stored, judged as if created now (an UPDATE of themselves would pass by ratcheting). */
    DryRunReport audit(KubernetesClient client, AdmissionConfig admissionConfig) {
        var objects = new ArrayList<Manifest>();
        AuditedObjects.forEach(client, admissionConfig, namespace, pageSize, listed -> objects.add(manifest(listed)));
        // the informers' knowledge, from the same cluster: every Service (CCM mirrors, Coder's), the URL ConfigMap
        var state = new ArrayList<Manifest>();
        if (namespace != null) {
            // the Services of the other namespaces: those of this one are among the objects already
            AuditedObjects.list(client.services(), "v1", "Service", null, pageSize, listed -> {
                if (!namespace.equals(listed.namespace())) {
                    state.add(manifest(listed));
                }
            });
        }
        var agentUrl = admissionConfig.agentUrl();
        if (agentUrl.enabled() && agentUrl.watchesConfigMap()) {
            var configMap = client.configMaps().inNamespace(agentUrl.configMapNamespace()).withName(agentUrl.configMapName()).get();
            if (configMap != null) {
                state.add(manifest(AuditedObjects.listed(configMap, "v1", "ConfigMap")));
            }
        }
        var errors = new ArrayList<Manifest.Unreadable>();
        var lookups = DryRunState.lookups(admissionConfig, state, objects, "default",
                problem -> errors.add(new Manifest.Unreadable("cluster state", problem)));
        var engine = new Evaluator(Webhooks.create(admissionConfig.enforcing(), lookups), "default");
        var results = new ArrayList<Evaluation>();
        for (var manifest : objects) {
            var object = (Manifest.Object) manifest;
            results.add(engine.evaluate(object.source(), object.body()));
        }
        return new DryRunReport(results, errors, List.of(), List.of());
    }

    private static Manifest manifest(AuditedObjects.Listed listed) {
        return new Manifest.Object(listed.source(), listed.body());
    }
}
