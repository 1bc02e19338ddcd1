package dev.coderadmission.cli;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.coderadmission.gitops.Kustomizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A policy test file, like {@code kyverno-test.yaml}: the config and cluster state to evaluate with, the
 * resources (anything dry-run evaluates) and what to expect of each object.
 *
 * <pre>
 * apiVersion: coder-admission.dev/v1alpha1
 * kind: AdmissionTest
 * metadata: {name: tenant cluster}
 * config: ../config-tenant.yaml       # paths relative to this file
 * state: [../tenant-state]
 * resources: [../tenant]
 * expect:
 *   - name: seed 001's Ingress is denied
 *     object: {kind: Ingress, namespace: coder, name: coder}
 *     verdict: denied
 *     rules: [ingress-class]
 * </pre>
 */
record AdmissionTestFile(String apiVersion, String kind, Map<String, Object> metadata, String config, List<String> state,
                         List<String> resources, String namespace, String repoRoot, List<String> sources,
                         Kustomizer.Choice kustomize, String kubeVersion, List<Expectation> expect) {

    static final String API_VERSION = "coder-admission.dev/v1alpha1";
    static final String KIND = "AdmissionTest";
    static final String FILE_NAME = "coder-admission-test.yaml";

    private static final YAMLMapper YAML = YAMLMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(com.fasterxml.jackson.databind.MapperFeature.ACCEPT_CASE_INSENSITIVE_ENUMS)
            .build();

    /** Which objects an expectation is about: an identity, or a selector over kind and labels. */
    record Target(String apiVersion, String kind, String namespace, String name, Map<String, String> labels) {
    }

    /**
     * @param object   the object by kind, namespace and name (apiVersion optional)
     * @param selector every object of a kind with these labels (at least one must exist)
     * @param fields   JSONPath into the object after mutation -> the value expected there
     * @param objectFile a file holding the whole object expected after mutation
     */
    record Expectation(String name, Target object, Target selector, Verdict verdict, List<String> messages,
                       List<String> rules, List<String> warnings, Map<String, JsonNode> fields, String objectFile) {
        enum Verdict {
            @JsonProperty("allowed") ALLOWED, @JsonProperty("mutated") MUTATED, @JsonProperty("denied") DENIED
        }

        Target target() {
            return object != null ? object : selector;
        }

        String title(int index) {
            if (name != null && !name.isBlank()) {
                return name;
            }
            var t = target();
            return "#" + (index + 1) + " " + (t == null ? "?" : t.kind() + " " + (t.namespace() == null ? "" : t.namespace() + "/")
                    + (t.name() == null ? "" : t.name()));
        }
    }

    /** Whether {@code file} is a test file: by its name, or by apiVersion and kind. */
    static boolean isTestFile(Path file) {
        if (file.getFileName().toString().equals(FILE_NAME)) {
            return true;
        }
        try {
            var text = Files.readString(file);
            return text.contains(KIND) && text.contains(API_VERSION);
        } catch (IOException e) {
            return false;
        }
    }

    /** @throws TestFileException naming the file, the line and the key */
    static AdmissionTestFile load(Path file) {
        AdmissionTestFile test;
        String text = "";
        try {
            text = Files.readString(file);
            test = YAML.readValue(text, AdmissionTestFile.class);
        } catch (UnrecognizedPropertyException e) {
            throw new TestFileException(file + ":" + line(text, e) + ": unknown key " + path(e) + " (known keys there: "
                    + e.getKnownPropertyIds().stream().map(String::valueOf).sorted().collect(Collectors.joining(", ")) + ")");
        } catch (JsonMappingException e) {
            throw new TestFileException(file + ":" + line(text, e) + ": invalid value at " + path(e) + ": " + e.getOriginalMessage());
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new TestFileException(file + ":" + (e.getLocation() == null ? "?" : e.getLocation().getLineNr())
                    + ": not valid YAML: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new TestFileException(file + ": cannot read: " + e.getMessage());
        }
        if (test == null) {
            throw new TestFileException(file + ":1: empty test file");
        }
        if (!API_VERSION.equals(test.apiVersion()) || !KIND.equals(test.kind())) {
            throw new TestFileException(file + ":1: apiVersion and kind must be " + API_VERSION + " and " + KIND);
        }
        if (test.resources() == null || test.resources().isEmpty()) {
            throw new TestFileException(file + ": key resources is required (files, directories, kustomizations to evaluate)");
        }
        if (test.expect() == null || test.expect().isEmpty()) {
            throw new TestFileException(file + ": key expect is required (what each object should get)");
        }
        for (int i = 0; i < test.expect().size(); i++) {
            var e = test.expect().get(i);
            if ((e.object() == null) == (e.selector() == null)) {
                throw new TestFileException(file + ": expect[" + i + "] needs exactly one of object and selector");
            }
            if (e.target().kind() == null) {
                throw new TestFileException(file + ": expect[" + i + "]." + (e.object() != null ? "object" : "selector")
                        + ".kind is required");
            }
        }
        return test;
    }

    /**
     * The line of the key the error is about. Records are bound through a buffer, so the exception's own
     * location is the end of the enclosing mapping; a second pass finds the key itself.
     */
    private static int line(String text, JsonMappingException e) {
        var pointer = new StringBuilder();
        for (var ref : e.getPath()) {
            pointer.append('/').append(ref.getFieldName() != null ? ref.getFieldName() : String.valueOf(ref.getIndex()));
        }
        try (var parser = YAML.getFactory().createParser(text)) {
            while (parser.nextToken() != null) {
                var context = parser.getParsingContext();
                if (parser.currentToken() == com.fasterxml.jackson.core.JsonToken.FIELD_NAME
                        && context.pathAsPointer().toString().equals(pointer.toString())) {
                    return parser.currentTokenLocation().getLineNr();
                }
            }
        } catch (IOException ignored) {
            // fall back to where Jackson stopped
        }
        return e.getLocation() == null ? 0 : e.getLocation().getLineNr();
    }

    private static String path(JsonMappingException e) {
        var path = new StringBuilder();
        for (var ref : e.getPath()) {
            if (ref.getFieldName() != null) {
                path.append(path.isEmpty() ? "" : ".").append(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                path.append('[').append(ref.getIndex()).append(']');
            }
        }
        return path.toString();
    }

    /** A test file that cannot be used: exit 2. */
    static final class TestFileException extends RuntimeException {
        TestFileException(String message) {
            super(message);
        }
    }
}
