package dev.coderadmission.gitops;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.coderadmission.kube.Scopes;
import io.fabric8.zjsonpatch.JsonPatch;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * A built-in {@code kustomize build} for the features Flux repositories use: {@code resources} (files,
 * directories with their own kustomization, nested), {@code namespace}, {@code namePrefix} /
 * {@code nameSuffix} (Ingress backends follow a renamed Service), {@code commonLabels} / {@code labels},
 * {@code commonAnnotations}, {@code images}, and {@code patches} / {@code patchesStrategicMerge} /
 * {@code patchesJson6902} (strategic merge and RFC 6902). Any other field is an error naming the file
 * and the field, never a silent skip: a dry-run that leaves out part of what Flux applies would allow
 * what the cluster denies.
 */
public final class Kustomize {
    public static final List<String> FILE_NAMES = List.of("kustomization.yaml", "kustomization.yml", "Kustomization");
    private static final Set<String> SUPPORTED = Set.of("apiVersion", "kind", "metadata", "resources", "bases",
            "namespace", "namePrefix", "nameSuffix", "commonLabels", "labels", "commonAnnotations", "images", "patches",
            "patchesStrategicMerge", "patchesJson6902");
    private static final YAMLMapper YAML = new YAMLMapper();
    private static final Pattern REMOTE = Pattern.compile("^([a-z][a-z0-9+.-]*://|git@|github\\.com/|gitlab\\.com/).*");
    private static final Set<String> WORKLOADS = Set.of("Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job",
            "ReplicationController");

    private Kustomize() {
    }

    /** The kustomization file of {@code directory}, if it has one. */
    public static Optional<Path> kustomizationFile(Path directory) {
        return FILE_NAMES.stream().map(directory::resolve).filter(Files::isRegularFile).findFirst();
    }

    /** {@code kustomize build directory}. */
    public static List<Rendered> build(Path directory) {
        return build(directory.normalize(), new ArrayDeque<>());
    }

    private static List<Rendered> build(Path directory, Deque<Path> stack) {
        var file = kustomizationFile(directory).orElseThrow(() ->
                new RenderException(directory + ": no kustomization.yaml (kustomize builds only directories that have one)"));
        if (stack.contains(directory)) {
            throw new RenderException(file + ": resources include " + directory + " in a cycle");
        }
        stack.push(directory);
        try {
            var kustomization = mapping(file);
            for (var field : iterable(kustomization.fieldNames())) {
                if (!SUPPORTED.contains(field)) {
                    throw new RenderException(file + ": `" + field + "` is not supported by the built-in kustomize "
                            + "builder; put kustomize or kubectl on PATH so that `kustomize build` renders it");
                }
            }
            var objects = new ArrayList<Rendered>();
            for (var resource : strings(file, kustomization, "resources", "bases")) {
                if (REMOTE.matcher(resource).matches()) {
                    throw new RenderException(file + ": resource " + resource + " is remote; only paths inside the "
                            + "repository are rendered offline");
                }
                var path = directory.resolve(resource).normalize();
                if (Files.isDirectory(path)) {
                    build(path, stack).forEach(r -> objects.add(new Rendered(file + Rendered.SEPARATOR + r.origin(), r.object())));
                } else if (Files.isRegularFile(path)) {
                    for (var object : objects(path, "resource of " + file)) {
                        objects.add(new Rendered(file + Rendered.SEPARATOR + object.origin(), object.object()));
                    }
                } else {
                    throw new RenderException(file + ": resource " + resource + " does not exist (" + path + ")");
                }
            }
            patch(file, directory, kustomization, objects);
            rename(kustomization.path("namePrefix").asText(""), kustomization.path("nameSuffix").asText(""), objects);
            var namespace = kustomization.path("namespace").asText("");
            if (!namespace.isEmpty()) {
                for (var rendered : objects) {
                    if (!clusterScoped(rendered.object())) {
                        rendered.object().withObjectProperty("metadata").put("namespace", namespace);
                    }
                }
            }
            labels(file, kustomization, objects);
            annotations(kustomization.path("commonAnnotations"), objects);
            images(file, kustomization.path("images"), objects);
            return objects;
        } finally {
            stack.pop();
        }
    }

    /** The Kubernetes objects of a manifest file (documents split on "---", Lists expanded), with their source. */
    static List<Rendered> objects(Path file, String role) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new RenderException(file + ": cannot read (" + role + "): " + e.getMessage());
        }
        var rendered = new ArrayList<Rendered>();
        var documents = Documents.split(text);
        for (int i = 0; i < documents.size(); i++) {
            var source = file + "#" + (i + 1);
            JsonNode node;
            try {
                node = YAML.readTree(documents.get(i));
            } catch (JacksonException e) {
                throw new RenderException(source + ": not valid YAML (" + role + "): " + e.getOriginalMessage());
            }
            if (node == null || node.isMissingNode() || node.isNull()) {
                continue;
            }
            addObject(rendered, source, node, role);
        }
        return rendered;
    }

    private static void addObject(List<Rendered> rendered, String source, JsonNode node, String role) {
        if (node.path("kind").asText("").endsWith("List") && node.path("items").isArray()) {
            var items = node.path("items");
            for (int k = 0; k < items.size(); k++) {
                addObject(rendered, source + "/items/" + k, items.get(k), role);
            }
            return;
        }
        if (!(node instanceof ObjectNode object) || node.path("apiVersion").asText("").isEmpty()
                || node.path("kind").asText("").isEmpty()) {
            throw new RenderException(source + ": not a Kubernetes object (no apiVersion and kind), but listed as a "
                    + role);
        }
        rendered.add(new Rendered(source, object));
    }

    private static ObjectNode mapping(Path file) {
        try {
            var node = YAML.readTree(Files.readString(file));
            if (node instanceof ObjectNode object) {
                return object;
            }
            throw new RenderException(file + ": a kustomization must be a YAML mapping");
        } catch (JacksonException e) {
            throw new RenderException(file + ": not valid YAML: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new RenderException(file + ": cannot read: " + e.getMessage());
        }
    }

    private static List<String> strings(Path file, JsonNode kustomization, String... fields) {
        var values = new ArrayList<String>();
        for (var field : fields) {
            var node = kustomization.path(field);
            if (node.isMissingNode() || node.isNull()) {
                continue;
            }
            if (!node.isArray()) {
                throw new RenderException(file + ": `" + field + "` must be a list");
            }
            node.forEach(value -> values.add(value.asText()));
        }
        return values;
    }

    // ------------------------------------------------------------------------------------------ patches

    private static void patch(Path file, Path directory, JsonNode kustomization, List<Rendered> objects) {
        for (var entry : kustomization.path("patches")) {
            if (entry.has("options")) {
                throw new RenderException(file + ": patches[].options is not supported by the built-in kustomize builder");
            }
            var body = entry.has("path") ? read(file, directory.resolve(entry.path("path").asText()))
                    : entry.path("patch").asText("");
            applyPatch(file, body, entry.get("target"), objects);
        }
        for (var entry : kustomization.path("patchesStrategicMerge")) {
            var text = entry.asText();
            var body = text.contains("\n") || text.contains(":") && !text.endsWith(".yaml") && !text.endsWith(".yml")
                    ? text : read(file, directory.resolve(text));
            for (var document : Documents.split(body)) {
                if (!document.isBlank()) {
                    applyPatch(file, document, null, objects);
                }
            }
        }
        for (var entry : kustomization.path("patchesJson6902")) {
            var body = entry.has("path") ? read(file, directory.resolve(entry.path("path").asText()))
                    : entry.path("patch").asText("");
            applyPatch(file, body, entry.get("target"), objects);
        }
    }

    private static String read(Path kustomization, Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new RenderException(kustomization + ": patch file " + file + " cannot be read: " + e.getMessage());
        }
    }

    private static void applyPatch(Path file, String body, JsonNode target, List<Rendered> objects) {
        JsonNode patch;
        try {
            patch = YAML.readTree(body);
        } catch (JacksonException e) {
            throw new RenderException(file + ": a patch is not valid YAML: " + e.getOriginalMessage());
        }
        if (patch == null || patch.isNull() || patch.isMissingNode()) {
            return;
        }
        if (target != null && target.has("annotationSelector")) {
            throw new RenderException(file + ": patches[].target.annotationSelector is not supported by the built-in builder");
        }
        var json6902 = patch.isArray();
        if (json6902 && target == null) {
            throw new RenderException(file + ": a JSON 6902 patch needs a target");
        }
        if (!json6902 && !patch.isObject()) {
            throw new RenderException(file + ": a patch must be a strategic merge mapping or a JSON 6902 list");
        }
        var matched = 0;
        for (int i = 0; i < objects.size(); i++) {
            var object = objects.get(i).object();
            if (target != null ? matches(target, object) : sameObject(patch, object)) {
                matched++;
                if (json6902) {
                    try {
                        var patched = (ObjectNode) JsonPatch.apply(patch, object);
                        objects.set(i, new Rendered(objects.get(i).origin(), patched));
                    } catch (RuntimeException e) {
                        throw new RenderException(file + ": JSON 6902 patch fails on " + describe(object) + ": " + e.getMessage());
                    }
                } else {
                    StrategicMerge.apply(object, patch);
                }
            }
        }
        if (matched == 0) {
            throw new RenderException(file + ": a patch matches no resource ("
                    + (target != null ? "target " + target : patch.path("kind").asText() + " " + patch.path("metadata").path("name").asText())
                    + ")");
        }
    }

    private static boolean sameObject(JsonNode patch, JsonNode object) {
        return patch.path("kind").asText().equals(object.path("kind").asText())
                && patch.path("metadata").path("name").asText().equals(object.path("metadata").path("name").asText())
                && (!patch.path("metadata").has("namespace") || patch.path("metadata").path("namespace").asText()
                .equals(object.path("metadata").path("namespace").asText()));
    }

    private static boolean matches(JsonNode target, JsonNode object) {
        var apiVersion = object.path("apiVersion").asText();
        var slash = apiVersion.indexOf('/');
        var group = slash < 0 ? "" : apiVersion.substring(0, slash);
        var version = slash < 0 ? apiVersion : apiVersion.substring(slash + 1);
        return field(target, "group", group) && field(target, "version", version)
                && field(target, "kind", object.path("kind").asText())
                && field(target, "name", object.path("metadata").path("name").asText())
                && field(target, "namespace", object.path("metadata").path("namespace").asText())
                && labelSelector(target.path("labelSelector").asText(""), object.path("metadata").path("labels"));
    }

    /** kustomize matches target fields as anchored regular expressions; an absent field matches anything. */
    private static boolean field(JsonNode target, String field, String value) {
        if (!target.has(field)) {
            return true;
        }
        return Pattern.compile("^(?:" + target.path(field).asText() + ")$").matcher(value).matches();
    }

    private static boolean labelSelector(String selector, JsonNode labels) {
        if (selector.isBlank()) {
            return true;
        }
        for (var term : selector.split(",")) {
            var parts = term.split("!=|==|=", 2);
            var key = parts[0].trim();
            if (parts.length == 1) {
                if (!labels.has(key)) {
                    return false;
                }
                continue;
            }
            var equal = labels.path(key).asText(null);
            var wanted = parts[1].trim();
            if (term.contains("!=") == wanted.equals(equal)) {
                return false;
            }
        }
        return true;
    }

    // ----------------------------------------------------------------------------------- transformers

    private static void rename(String prefix, String suffix, List<Rendered> objects) {
        if (prefix.isEmpty() && suffix.isEmpty()) {
            return;
        }
        var renamedServices = new HashMap<String, String>();
        for (var rendered : objects) {
            var object = rendered.object();
            var kind = object.path("kind").asText();
            if (kind.equals("CustomResourceDefinition") || kind.equals("Namespace")) {
                continue;
            }
            var metadata = object.withObjectProperty("metadata");
            var name = metadata.path("name").asText("");
            if (name.isEmpty()) {
                continue;
            }
            metadata.put("name", prefix + name + suffix);
            if (kind.equals("Service") && object.path("apiVersion").asText().equals("v1")) {
                renamedServices.put(metadata.path("namespace").asText("") + "/" + name, prefix + name + suffix);
            }
        }
        // references kustomize's name reference transformer would update: Ingress backends of renamed Services
        for (var rendered : objects) {
            var object = rendered.object();
            if (!object.path("kind").asText().equals("Ingress")) {
                continue;
            }
            var namespace = object.path("metadata").path("namespace").asText("");
            Consumer<JsonNode> backend = b -> {
                if (b.path("service") instanceof ObjectNode service) {
                    var renamed = renamedServices.get(namespace + "/" + service.path("name").asText());
                    if (renamed != null) {
                        service.put("name", renamed);
                    }
                }
            };
            backend.accept(object.path("spec").path("defaultBackend"));
            object.path("spec").path("rules").forEach(rule ->
                    rule.path("http").path("paths").forEach(path -> backend.accept(path.path("backend"))));
        }
    }

    private static void labels(Path file, JsonNode kustomization, List<Rendered> objects) {
        var common = kustomization.path("commonLabels");
        if (common.isObject()) {
            addLabels(toMap(common), true, true, objects);
        }
        for (var entry : kustomization.path("labels")) {
            if (!entry.path("pairs").isObject()) {
                throw new RenderException(file + ": labels[].pairs must be a mapping");
            }
            addLabels(toMap(entry.path("pairs")), entry.path("includeSelectors").asBoolean(false),
                    entry.path("includeTemplates").asBoolean(false) || entry.path("includeSelectors").asBoolean(false), objects);
        }
    }

    private static void addLabels(Map<String, String> labels, boolean selectors, boolean templates, List<Rendered> objects) {
        for (var rendered : objects) {
            var object = rendered.object();
            putAll(object.withObjectProperty("metadata").withObjectProperty("labels"), labels);
            var kind = object.path("kind").asText();
            var spec = object.path("spec");
            if (selectors && kind.equals("Service") && spec instanceof ObjectNode serviceSpec) {
                putAll(serviceSpec.withObjectProperty("selector"), labels);
            }
            if (WORKLOADS.contains(kind) && spec instanceof ObjectNode workloadSpec) {
                if (selectors && !kind.equals("Job")) {
                    putAll(workloadSpec.withObjectProperty("selector").withObjectProperty("matchLabels"), labels);
                }
                if (templates) {
                    putAll(workloadSpec.withObjectProperty("template").withObjectProperty("metadata").withObjectProperty("labels"), labels);
                }
            }
        }
    }

    private static void annotations(JsonNode annotations, List<Rendered> objects) {
        if (!annotations.isObject()) {
            return;
        }
        var values = toMap(annotations);
        for (var rendered : objects) {
            var object = rendered.object();
            putAll(object.withObjectProperty("metadata").withObjectProperty("annotations"), values);
            if (WORKLOADS.contains(object.path("kind").asText()) && object.path("spec") instanceof ObjectNode spec) {
                putAll(spec.withObjectProperty("template").withObjectProperty("metadata").withObjectProperty("annotations"), values);
            }
        }
    }

    private static void images(Path file, JsonNode images, List<Rendered> objects) {
        if (!images.isArray() || images.isEmpty()) {
            return;
        }
        for (var rendered : objects) {
            for (var containers : containerLists(rendered.object())) {
                for (var container : containers) {
                    if (container instanceof ObjectNode c && c.path("image").isTextual()) {
                        c.put("image", image(file, c.path("image").asText(), images));
                    }
                }
            }
        }
    }

    private static String image(Path file, String image, JsonNode images) {
        var at = image.indexOf('@');
        var colon = image.lastIndexOf(':');
        var slash = image.lastIndexOf('/');
        var end = at >= 0 ? at : colon > slash ? colon : image.length();
        var name = image.substring(0, end);
        for (var rule : images) {
            if (!rule.path("name").asText().equals(name)) {
                continue;
            }
            var newName = rule.path("newName").asText(name);
            if (rule.has("digest")) {
                return newName + "@" + rule.path("digest").asText();
            }
            if (rule.has("newTag")) {
                return newName + ":" + rule.path("newTag").asText();
            }
            return newName + image.substring(end);
        }
        return image;
    }

    private static List<ArrayNode> containerLists(JsonNode object) {
        var podSpecs = new ArrayList<JsonNode>();
        var kind = object.path("kind").asText();
        if (kind.equals("Pod")) {
            podSpecs.add(object.path("spec"));
        } else if (kind.equals("CronJob")) {
            podSpecs.add(object.path("spec").path("jobTemplate").path("spec").path("template").path("spec"));
        } else {
            podSpecs.add(object.path("spec").path("template").path("spec"));
        }
        var lists = new ArrayList<ArrayNode>();
        for (var spec : podSpecs) {
            for (var field : List.of("containers", "initContainers")) {
                if (spec.path(field) instanceof ArrayNode list) {
                    lists.add(list);
                }
            }
        }
        return lists;
    }

    // ------------------------------------------------------------------------------------------- helpers

    static boolean clusterScoped(JsonNode object) {
        return Scopes.clusterScoped(object.path("apiVersion").asText(), object.path("kind").asText());
    }

    private static String describe(JsonNode object) {
        return object.path("kind").asText() + " " + object.path("metadata").path("name").asText();
    }

    private static Map<String, String> toMap(JsonNode node) {
        var map = new java.util.LinkedHashMap<String, String>();
        node.properties().forEach(e -> map.put(e.getKey(), e.getValue().asText()));
        return map;
    }

    private static void putAll(ObjectNode target, Map<String, String> values) {
        values.forEach(target::put);
    }

    private static <T> Iterable<T> iterable(java.util.Iterator<T> iterator) {
        var list = new ArrayList<T>();
        iterator.forEachRemaining(list::add);
        return list;
    }
}
