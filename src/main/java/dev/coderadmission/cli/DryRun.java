package dev.coderadmission.cli;

import dev.coderadmission.policy.Evaluation;
import dev.coderadmission.config.AdmissionConfig;
import dev.coderadmission.gitops.Kustomizer;
import dev.coderadmission.policy.Webhooks;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The offline evaluation behind {@code dry-run} and {@code test}: read and render the inputs as Flux
 * would apply them (kustomize, Flux Kustomizations, HelmReleases), then run every object through the
 * webhook table the server runs, with the cluster state given.
 */
final class DryRun {

    /**
     * @param repoRoot null: the git top level of the first path
     * @param chartCache null: charts of Helm repositories and OCI registries are not fetched
     */
    record Options(AdmissionConfig config, List<String> paths, List<String> state, String namespace,
                   Kustomizer.Choice kustomize, Path repoRoot, Set<String> sources, String kubeVersion, Path chartCache) {
    }

    private DryRun() {
    }

    static DryRunReport run(Options options, InputStream stdin, Consumer<String> progress) {
        var reader = new ManifestReader(stdin, Kustomizer.choose(options.kustomize()));
        var root = options.repoRoot() != null ? options.repoRoot() : defaultRepoRoot(options.paths().getFirst());
        var kustomizations = new FluxKustomizations(root, options.sources(), reader::directory, options.namespace());
        kustomizations.progress = progress;
        var expanded = kustomizations.expand(reader.read(options.paths()));
        var released = new FluxHelmReleases(kustomizations, options.kubeVersion(),
                options.chartCache() == null ? null : new ChartFetcher(options.chartCache())).expand(expanded.manifests());
        var manifests = released.manifests();
        var notEvaluated = new ArrayList<>(expanded.notEvaluated());
        notEvaluated.addAll(released.notEvaluated());
        var stateManifests = reader.read(options.state());
        var results = new ArrayList<Evaluation>();
        var errors = new ArrayList<Manifest.Unreadable>();
        var skipped = new ArrayList<Manifest.Skipped>();
        var lookups = DryRunState.lookups(options.config(), stateManifests, manifests, options.namespace(),
                problem -> errors.add(new Manifest.Unreadable("--state", problem)));
        var engine = new dev.coderadmission.policy.Evaluator(Webhooks.create(options.config(), lookups), options.namespace());
        stateManifests.stream().filter(m -> m instanceof Manifest.Unreadable).forEach(m -> errors.add((Manifest.Unreadable) m));
        progress.accept("evaluating " + manifests.size() + " objects");
        for (var manifest : manifests) {
            switch (manifest) {
                case Manifest.Object object -> results.add(engine.evaluate(object.source(), object.body()));
                case Manifest.Unreadable unreadable -> errors.add(unreadable);
                case Manifest.Skipped skip -> skipped.add(skip);
            }
        }
        return new DryRunReport(results, errors, skipped, notEvaluated);
    }

    /** The git top level of the first path, else the path itself (its directory for a file, "." for stdin). */
    private static Path defaultRepoRoot(String first) {
        var path = "-".equals(first) ? Path.of(".") : Path.of(first);
        var top = GitRemote.topLevel(path);
        if (top != null) {
            return top;
        }
        return Files.isDirectory(path) ? path : path.toAbsolutePath().getParent();
    }
}
