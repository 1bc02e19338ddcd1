package dev.coderadmission.cli;

import dev.coderadmission.gitops.Documents;
import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;
import dev.coderadmission.gitops.Rendered;
import dev.coderadmission.kube.Scopes;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Pattern;

/**
 * What Flux's helm-controller installs for each {@code helm.toolkit.fluxcd.io} HelmRelease (v2, v2beta1,
 * v2beta2) whose chart is a path in this repository: the chart rendered by native helm (helm-java) with
 * {@code spec.values} over {@code spec.valuesFrom}, the release name Flux gives it, in
 * {@code spec.targetNamespace} (else the HelmRelease's namespace), for {@code --kube-version}. Charts from
 * a HelmRepository, an OCIRepository or another Git repository are reported as not evaluated.
 */
final class FluxHelmReleases {
    static final String GROUP = "helm.toolkit.fluxcd.io";
    private static final YAMLMapper YAML = new YAMLMapper();
    private static final Pattern SOURCE = Pattern.compile("(?m)^# Source: (.+)$");

    private final FluxKustomizations flux;
    private final String kubeVersion;
    /** Null without --allow-network: charts of Helm repositories are then not evaluated. */
    private final ChartFetcher fetcher;

    FluxHelmReleases(FluxKustomizations flux, String kubeVersion, ChartFetcher fetcher) {
        this.flux = flux;
        this.kubeVersion = kubeVersion;
        this.fetcher = fetcher;
    }

    /** Where a HelmRelease's chart is: found, not evaluated (and why), or broken (exit 2). */
    sealed interface Located permits Chart, NotEvaluated, Broken {
    }

    record NotEvaluated(String reason) implements Located {
    }

    record Broken(String problem) implements Located {
    }

    /** Where helm finds a chart: a directory or archive on disk, or an OCI reference with a version (constraint). */
    record Chart(Path path, String oci, String version, boolean plainHttp) implements Located {
        static Chart local(Path path) {
            return new Chart(path, null, null, false);
        }

        TemplateCommand template() {
            if (path != null) {
                return new Helm(path).template();
            }
            var command = Helm.template(oci);
            if (!version.isBlank()) {
                command.withVersion(version);
            }
            return plainHttp ? command.plainHttp() : command;
        }

        @Override
        public String toString() {
            return path != null ? FluxKustomizations.display(path).toString() : oci + (version.isBlank() ? "" : " " + version);
        }
    }

    static boolean isHelmRelease(JsonNode object) {
        return object.path("kind").asText().equals("HelmRelease") && object.path("apiVersion").asText().startsWith(GROUP + "/");
    }

    FluxKustomizations.Expanded expand(List<Manifest> input) {
        var result = new ArrayList<Manifest>(input);
        var notEvaluated = new ArrayList<String>();
        for (var manifest : input) {
            if (manifest instanceof Manifest.Object release && isHelmRelease(release.body())) {
                var body = release.body();
                var id = flux.namespace(body) + "/" + body.path("metadata").path("name").asText();
                var chart = switch (locate(body, result)) {
                    case Chart found -> found;
                    case NotEvaluated skip -> {
                        notEvaluated.add("HelmRelease " + id + " (" + release.source() + "): " + skip.reason());
                        yield null;
                    }
                    case Broken broken -> {
                        result.add(new Manifest.Unreadable(release.source(), "HelmRelease " + id + ": " + broken.problem()));
                        yield null;
                    }
                };
                if (chart == null) {
                    continue;
                }
                var rendered = render(release, id, chart, result);
                result.addAll(rendered);
                flux.progress.accept("rendered HelmRelease " + id + " (" + rendered.size() + " objects)");
            }
        }
        return new FluxKustomizations.Expanded(result, notEvaluated);
    }

    /** The chart of a HelmRelease: spec.chartRef (an OCIRepository), a HelmRepository, or a path in this repository. */
    private Located locate(JsonNode release, List<Manifest> known) {
        var chartSpec = release.path("spec").path("chart").path("spec");
        if (release.path("spec").has("chartRef")) {
            return ociRepository(release, known);
        }
        if (!chartSpec.isObject()) {
            return new NotEvaluated("it names no chart (neither spec.chart.spec nor spec.chartRef)");
        }
        if (chartSpec.path("sourceRef").path("kind").asText().equals("HelmRepository")) {
            return helmRepository(release, chartSpec, known);
        }
        var problem = flux.notLocal(chartSpec.path("sourceRef"), flux.namespace(release), known);
        if (problem != null) {
            return new NotEvaluated(problem);
        }
        var directory = flux.repoRoot.resolve(chartSpec.path("chart").asText()).normalize();
        if (!directory.startsWith(flux.repoRoot) || !Files.isRegularFile(directory.resolve("Chart.yaml"))) {
            return new Broken("spec.chart.spec.chart " + chartSpec.path("chart").asText() + " is not a chart directory in "
                    + flux.repoRoot);
        }
        return Chart.local(directory);
    }

    /** A chart of a HelmRepository: its archive fetched over HTTP(S), or an OCI reference helm pulls itself. */
    private Located helmRepository(JsonNode release, JsonNode chartSpec, List<Manifest> known) {
        var ref = chartSpec.path("sourceRef");
        var namespace = ref.path("namespace").asText(flux.namespace(release));
        var name = ref.path("name").asText();
        var repository = flux.find(known, "HelmRepository", namespace, name);
        if (repository == null) {
            return new NotEvaluated("HelmRepository " + namespace + "/" + name + " is not in the input");
        }
        var url = repository.path("spec").path("url").asText();
        if (fetcher == null) {
            return new NotEvaluated("its chart comes from the HelmRepository " + namespace + "/" + name + " (" + url
                    + "); charts are fetched only with --allow-network");
        }
        var chart = chartSpec.path("chart").asText();
        var version = chartSpec.path("version").asText("*");
        if ("oci".equals(repository.path("spec").path("type").asText()) || url.startsWith("oci://")) {
            // helm pulls from the registry itself, resolving a version constraint against the tags
            return new Chart(null, url.replaceFirst("/+$", "") + "/" + chart, "*".equals(version) ? "" : version,
                    repository.path("spec").path("insecure").asBoolean(false));
        }
        try {
            return Chart.local(fetcher.fetch(url, chart, version));
        } catch (IllegalStateException e) {
            return new Broken(e.getMessage());
        }
    }

    /** spec.chartRef: an OCIRepository (in the input) whose artifact is the chart. */
    private Located ociRepository(JsonNode release, List<Manifest> known) {
        var ref = release.path("spec").path("chartRef");
        var namespace = ref.path("namespace").asText(flux.namespace(release));
        var name = ref.path("name").asText();
        if (!ref.path("kind").asText().equals("OCIRepository")) {
            return new NotEvaluated("its spec.chartRef is a " + ref.path("kind").asText() + " (" + namespace + "/" + name
                    + "); only OCIRepository chart references are rendered");
        }
        var repository = flux.find(known, "OCIRepository", namespace, name);
        if (repository == null) {
            return new NotEvaluated("OCIRepository " + namespace + "/" + name + " is not in the input");
        }
        var url = repository.path("spec").path("url").asText();
        if (fetcher == null) {
            return new NotEvaluated("its chart comes from the OCIRepository " + namespace + "/" + name + " (" + url
                    + "); charts are fetched only with --allow-network");
        }
        var refSpec = repository.path("spec").path("ref");
        if (refSpec.has("digest")) {
            return new NotEvaluated("OCIRepository " + namespace + "/" + name + " pins a digest; only tags and semver ranges are rendered");
        }
        var version = refSpec.path("tag").asText(refSpec.path("semver").asText(""));
        return new Chart(null, url, version, repository.path("spec").path("insecure").asBoolean(false));
    }

    private List<Manifest> render(Manifest.Object release, String id, Chart chart, List<Manifest> known) {
        var body = release.body();
        var spec = body.path("spec");
        var targetNamespace = spec.path("targetNamespace").asText("");
        var namespace = targetNamespace.isEmpty() ? flux.namespace(body) : targetNamespace;
        var name = body.path("metadata").path("name").asText();
        var releaseName = spec.path("releaseName").asText(targetNamespace.isEmpty() ? name : targetNamespace + "-" + name);
        ObjectNode values;
        try {
            values = values(body, known);
        } catch (IllegalStateException e) {
            return List.of(new Manifest.Unreadable(release.source(), "HelmRelease " + id + ": " + e.getMessage()));
        }
        String output;
        Path valuesFile = null;
        try {
            valuesFile = Files.createTempFile("helmrelease-values", ".yaml");
            Files.writeString(valuesFile, YAML.writeValueAsString(values));
            output = chart.template().withName(releaseName).withNamespace(namespace).withKubeVersion(kubeVersion)
                    .withValuesFile(valuesFile).call();
        } catch (IOException | RuntimeException e) {
            return List.of(new Manifest.Unreadable(release.source(), "HelmRelease " + id + ": helm cannot render "
                    + chart + ": " + e.getMessage()));
        } finally {
            if (valuesFile != null) {
                try {
                    Files.deleteIfExists(valuesFile);
                } catch (IOException ignored) {
                    // a temporary file left behind is harmless
                }
            }
        }
        var prefix = release.source() + Rendered.SEPARATOR + "HelmRelease " + id + Rendered.SEPARATOR;
        var rendered = new ArrayList<Manifest>();
        for (var document : Documents.split(output)) {
            var source = SOURCE.matcher(document);
            var template = source.find() ? source.group(1).strip() : chart.toString();
            try {
                if (YAML.readTree(document) instanceof ObjectNode object && object.has("kind")) {
                    if (!object.path("metadata").has("namespace")
                            && !Scopes.clusterScoped(object.path("apiVersion").asText(), object.path("kind").asText())) {
                        object.withObjectProperty("metadata").put("namespace", namespace); // helm installs into the release namespace
                    }
                    rendered.add(new Manifest.Object(prefix + template, object));
                }
            } catch (JacksonException e) {
                rendered.add(new Manifest.Unreadable(prefix + template, "helm rendered YAML that does not parse: "
                        + e.getOriginalMessage()));
            }
        }
        return rendered;
    }

    /** spec.values merged over spec.valuesFrom, each valuesFrom entry over the one before, as helm-controller does. */
    private ObjectNode values(JsonNode release, List<Manifest> known) {
        var merged = YAML.createObjectNode();
        for (var from : release.path("spec").path("valuesFrom")) {
            var kind = from.path("kind").asText();
            var name = from.path("name").asText();
            var key = from.path("valuesKey").asText("values.yaml");
            var object = flux.find(known, kind.equals("Secret") ? "Secret" : "ConfigMap", flux.namespace(release), name);
            if (object == null) {
                if (from.path("optional").asBoolean(false)) {
                    continue;
                }
                throw new IllegalStateException("valuesFrom " + kind + " " + flux.namespace(release) + "/" + name
                        + " is not in the input (add it, or mark it optional)");
            }
            var raw = object.path("data").path(key);
            String text;
            if (raw.isMissingNode() && object.path("stringData").has(key)) {
                text = object.path("stringData").path(key).asText();
            } else if (raw.isMissingNode()) {
                if (from.path("optional").asBoolean(false)) {
                    continue;
                }
                throw new IllegalStateException("valuesFrom " + kind + " " + name + " has no key " + key);
            } else {
                text = kind.equals("Secret") ? new String(Base64.getDecoder().decode(raw.asText()), StandardCharsets.UTF_8) : raw.asText();
            }
            if (from.has("targetPath")) {
                setPath(merged, from.path("targetPath").asText(), text);
            } else {
                try {
                    if (YAML.readTree(text) instanceof ObjectNode tree) {
                        deepMerge(merged, tree);
                    }
                } catch (JacksonException e) {
                    throw new IllegalStateException("valuesFrom " + kind + " " + name + " key " + key + " is not YAML: "
                            + e.getOriginalMessage());
                }
            }
        }
        if (release.path("spec").path("values") instanceof ObjectNode inline) {
            deepMerge(merged, inline);
        }
        return merged;
    }

    /** helm's --set path: dots separate keys (a targetPath value is a string, as helm-controller sets it). */
    private static void setPath(ObjectNode root, String path, String value) {
        var keys = path.split("\\.");
        var node = root;
        for (int i = 0; i < keys.length - 1; i++) {
            node = node.withObjectProperty(keys[i]);
        }
        node.put(keys[keys.length - 1], value);
    }

    private static void deepMerge(ObjectNode target, ObjectNode source) {
        for (var entry : source.properties()) {
            if (entry.getValue() instanceof ObjectNode child && target.get(entry.getKey()) instanceof ObjectNode existing) {
                deepMerge(existing, child);
            } else {
                target.set(entry.getKey(), entry.getValue().deepCopy());
            }
        }
    }
}
