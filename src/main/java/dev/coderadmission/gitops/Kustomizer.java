package dev.coderadmission.gitops;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Who runs {@code kustomize build}: the real kustomize where it is installed ({@code kustomize} or
 * {@code kubectl kustomize} on PATH: every feature, exactly as Flux's kustomize-controller), else the
 * built-in {@link Kustomize} (the features Flux repositories commonly use, anything else an error).
 * The built-in builder also supplies each object's provenance down to its file; with the real one an
 * object the built-in builder cannot follow is traced to its kustomization.
 */
public sealed interface Kustomizer {

    /** {@code kustomize build directory}. */
    List<Rendered> build(Path directory);

    String describe();

    enum Choice { AUTO, BUILTIN, KUBECTL, KUSTOMIZE }

    static Kustomizer choose(Choice choice) {
        return switch (choice) {
            case BUILTIN -> new Builtin();
            case KUBECTL -> new External(List.of("kubectl", "kustomize"));
            case KUSTOMIZE -> new External(List.of("kustomize", "build"));
            case AUTO -> onPath("kustomize").map(p -> (Kustomizer) new External(List.of(p.toString(), "build")))
                    .or(() -> onPath("kubectl").map(p -> new External(List.of(p.toString(), "kustomize"))))
                    .orElseGet(Builtin::new);
        };
    }

    private static Optional<Path> onPath(String command) {
        var path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (var dir : path.split(java.io.File.pathSeparator)) {
            var candidate = Path.of(dir, command);
            if (Files.isExecutable(candidate) && Files.isRegularFile(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /** The built-in builder. */
    record Builtin() implements Kustomizer {
        @Override
        public List<Rendered> build(Path directory) {
            return Kustomize.build(directory);
        }

        @Override
        public String describe() {
            return "built-in";
        }
    }

    /** {@code kustomize build DIR} or {@code kubectl kustomize DIR}, bounded in time, its stderr in the error. */
    record External(List<String> command) implements Kustomizer {
        private static final YAMLMapper YAML = new YAMLMapper();
        private static final long TIMEOUT_SECONDS = 120;

        @Override
        public List<Rendered> build(Path directory) {
            var file = Kustomize.kustomizationFile(directory).orElseThrow(() ->
                    new RenderException(directory + ": no kustomization.yaml"));
            var output = run(directory);
            // the built-in builder knows each object's file; where it cannot follow, the kustomization is the origin
            var origins = new HashMap<String, String>();
            try {
                Kustomize.build(directory).forEach(r -> origins.put(id(r.object()), r.origin()));
            } catch (RenderException e) {
                // a feature only the real kustomize has: provenance stops at the kustomization
            }
            var rendered = new ArrayList<Rendered>();
            for (var document : Documents.split(output)) {
                try {
                    if (YAML.readTree(document) instanceof ObjectNode object && object.has("kind")) {
                        rendered.add(new Rendered(origins.getOrDefault(id(object), file + Rendered.SEPARATOR
                                + object.path("kind").asText() + " " + object.path("metadata").path("name").asText()), object));
                    }
                } catch (IOException e) {
                    throw new RenderException(file + ": " + String.join(" ", command) + " printed YAML that does not parse: "
                            + e.getMessage());
                }
            }
            return rendered;
        }

        private static String id(ObjectNode object) {
            return object.path("apiVersion").asText() + "/" + object.path("kind").asText() + "/"
                    + object.path("metadata").path("namespace").asText() + "/" + object.path("metadata").path("name").asText();
        }

        private String run(Path directory) {
            var argv = new ArrayList<>(command);
            argv.add(directory.toString());
            Path errors = null;
            try {
                // stderr to a file: two pipes read one after the other can deadlock on a full buffer
                errors = Files.createTempFile("kustomize", ".err");
                var process = new ProcessBuilder(argv).redirectError(errors.toFile()).start();
                process.getOutputStream().close();
                var stdout = process.getInputStream().readAllBytes();
                if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    throw new RenderException(directory + ": " + String.join(" ", argv) + " did not finish in "
                            + TIMEOUT_SECONDS + " s");
                }
                if (process.exitValue() != 0) {
                    throw new RenderException(directory + ": " + String.join(" ", argv) + " failed: "
                            + Files.readString(errors).strip());
                }
                return new String(stdout, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new RenderException(directory + ": cannot run " + argv.getFirst() + ": " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RenderException(directory + ": interrupted while running " + argv.getFirst());
            } finally {
                if (errors != null) {
                    try {
                        Files.deleteIfExists(errors);
                    } catch (IOException ignored) {
                        // a temporary file left behind is harmless
                    }
                }
            }
        }

        @Override
        public String describe() {
            return String.join(" ", command).toLowerCase(Locale.ROOT);
        }
    }
}
