package dev.coderadmission.cli;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Reads manifests the way {@code kubectl apply -f} does: files, directories (recursively, *.yaml,
 * *.yml, *.json) or "-" for stdin; multi-document YAML split on "---" lines; List kinds expanded.
 * Each document is parsed on its own, so one broken document never hides the others.
 */
final class ManifestReader {
    private static final ObjectMapper YAML = new YAMLMapper();
    /** kubectl's splitter: a line that is exactly "---" (trailing blanks allowed) starts a new document. */
    private static final Pattern SEPARATOR = Pattern.compile("(?m)^---[ \\t]*\\r?$");

    private final InputStream stdin;

    ManifestReader(InputStream stdin) {
        this.stdin = stdin;
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
                for (var found : manifestFiles(file)) {
                    manifests.addAll(readFile(found));
                }
            } else if (Files.exists(file)) {
                manifests.addAll(readFile(file));
            } else {
                manifests.add(new Manifest.Unreadable(path, "no such file or directory"));
            }
        }
        return manifests;
    }

    private static List<Path> manifestFiles(Path directory) {
        try (Stream<Path> walk = Files.walk(directory)) {
            return walk.filter(Files::isRegularFile).filter(ManifestReader::isManifestFile).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
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
        var documents = SEPARATOR.split(text, -1);
        for (int i = 0; i < documents.length; i++) {
            var source = name + "#" + (i + 1);
            JsonNode node;
            try {
                node = YAML.readTree(documents[i]); // JSON is YAML, so .json files take the same path
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
            manifests.add(new Manifest.Unreadable(source, "a Kubernetes object must be a mapping"));
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
            manifests.add(new Manifest.Unreadable(source, "apiVersion and kind are required"));
            return;
        }
        manifests.add(new Manifest.Object(source, node));
    }

    private static String location(JacksonException e) {
        var location = e.getLocation();
        return location == null || location.getLineNr() < 0 ? "" : " (line " + location.getLineNr() + " of the document)";
    }
}
