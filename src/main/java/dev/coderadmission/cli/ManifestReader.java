package dev.coderadmission.cli;

import dev.coderadmission.gitops.Documents;
import dev.coderadmission.gitops.Kustomize;
import dev.coderadmission.gitops.Kustomizer;
import dev.coderadmission.gitops.RenderException;
import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Reads manifests the way {@code kubectl apply -f} does: files, directories (recursively, *.yaml,
 * *.yml, *.json) or "-" for stdin; multi-document YAML split on "---" lines; List kinds expanded.
 * Each document is parsed on its own, so one broken document never hides the others.
 *
 * <p>A directory with a kustomization file is built as {@code kustomize build} builds it (its objects
 * carry the chain of files they came from), and what it does not reference is not read, as Flux does
 * not apply it. In a directory walk, a file with no Kubernetes object in it (package.json, moon.yml) is
 * skipped with a note, not an error.
 */
final class ManifestReader {
    private static final ObjectMapper YAML = new YAMLMapper();

    private static final String NOT_AN_OBJECT = "apiVersion and kind are required";
    private static final String NOT_A_MAPPING = "a Kubernetes object must be a mapping";

    private final InputStream stdin;
    private final Kustomizer kustomizer;

    ManifestReader(InputStream stdin, Kustomizer kustomizer) {
        this.stdin = stdin;
        this.kustomizer = kustomizer;
    }

    List<Manifest> read(List<String> paths) {
        var manifests = new ArrayList<Manifest>();
        for (var path : paths) {
            if ("-".equals(path)) {
                try {
                    manifests.addAll(parse("stdin", new String(stdin.readAllBytes(), StandardCharsets.UTF_8)));
                } catch (IOException e) {
                    manifests.add(new Manifest.Unreadable("stdin", "cannot read: " + e.getMessage()));
                }
                continue;
            }
            var file = Path.of(path);
            if (Files.isDirectory(file)) {
                walk(file, manifests);
            } else if (Files.exists(file)) {
                manifests.addAll(readFile(file));
            } else {
                manifests.add(new Manifest.Unreadable(path, "no such file or directory"));
            }
        }
        return manifests;
    }

    /** What Flux applies from a directory: its kustomization built, else (Flux generates one) every manifest below it. */
    List<Manifest> directory(Path directory) {
        var manifests = new ArrayList<Manifest>();
        walk(directory, manifests);
        return manifests;
    }

    /** A directory: built if it is a kustomization, else its files read and its subdirectories walked. */
    private void walk(Path directory, List<Manifest> manifests) {
        if (Kustomize.kustomizationFile(directory).isPresent()) {
            try {
                kustomizer.build(directory).forEach(r -> manifests.add(new Manifest.Object(r.origin(), r.object())));
            } catch (RenderException e) {
                manifests.add(new Manifest.Unreadable(directory.toString(), e.getMessage()));
            }
            return;
        }
        if (Files.isRegularFile(directory.resolve("Chart.yaml"))) {
            // a Helm chart's templates are not manifests: its HelmRelease renders them
            manifests.add(new Manifest.Skipped(directory.toString(), "a Helm chart (rendered through the HelmReleases that use it)"));
            return;
        }
        List<Path> entries;
        try (Stream<Path> list = Files.list(directory)) {
            entries = list.sorted().toList();
        } catch (IOException e) {
            manifests.add(new Manifest.Unreadable(directory.toString(), "cannot list: " + e.getMessage()));
            return;
        }
        for (var entry : entries) {
            if (Files.isDirectory(entry)) {
                if (!entry.getFileName().toString().startsWith(".")) { // .git, .github, editor folders
                    walk(entry, manifests);
                }
            } else if (Files.isRegularFile(entry) && isManifestFile(entry)) {
                var found = readFile(entry);
                if (!found.isEmpty() && found.stream().allMatch(ManifestReader::notAnObject)) {
                    manifests.add(new Manifest.Skipped(entry.toString(), "not a Kubernetes manifest (no apiVersion and kind)"));
                } else {
                    manifests.addAll(found);
                }
            }
        }
    }

    private static boolean notAnObject(Manifest manifest) {
        return manifest instanceof Manifest.Unreadable unreadable
                && (unreadable.problem().equals(NOT_AN_OBJECT) || unreadable.problem().equals(NOT_A_MAPPING));
    }

    private static boolean isManifestFile(Path path) {
        var name = path.getFileName().toString().toLowerCase(Locale.ROOT);
        return name.endsWith(".yaml") || name.endsWith(".yml") || name.endsWith(".json");
    }

    private static List<Manifest> readFile(Path file) {
        try {
            return parse(file.toString(), Files.readString(file));
        } catch (IOException e) {
            return List.of(new Manifest.Unreadable(file.toString(), "cannot read: " + e.getMessage()));
        }
    }

    static List<Manifest> parse(String name, String text) {
        var manifests = new ArrayList<Manifest>();
        var documents = Documents.split(text);
        for (int i = 0; i < documents.size(); i++) {
            var source = name + "#" + (i + 1);
            JsonNode node;
            try {
                node = YAML.readTree(documents.get(i)); // JSON is YAML, so .json files take the same path
            } catch (JacksonException e) {
                manifests.add(new Manifest.Unreadable(source, "not valid YAML: " + e.getOriginalMessage()
                        + location(e)));
                continue;
            }
            if (node == null || node.isMissingNode() || node.isNull()) {
                continue; // an empty document, e.g. after a trailing "---"
            }
            addObject(manifests, source, node);
        }
        return manifests;
    }

    private static void addObject(List<Manifest> manifests, String source, JsonNode node) {
        if (!node.isObject()) {
            manifests.add(new Manifest.Unreadable(source, NOT_A_MAPPING));
            return;
        }
        var kind = node.path("kind").asText("");
        if (kind.endsWith("List") && node.path("items").isArray()) {
            var items = node.path("items");
            for (int k = 0; k < items.size(); k++) {
                addObject(manifests, source + "/items/" + k, items.get(k));
            }
            return;
        }
        if (kind.isEmpty() || node.path("apiVersion").asText("").isEmpty()) {
            manifests.add(new Manifest.Unreadable(source, NOT_AN_OBJECT));
            return;
        }
        manifests.add(new Manifest.Object(source, node));
    }

    private static String location(JacksonException e) {
        var location = e.getLocation();
        return location == null || location.getLineNr() < 0 ? "" : " (line " + location.getLineNr() + " of the document)";
    }
}
