package dev.coderadmission.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.coderadmission.gitops.Rendered;
import dev.coderadmission.kube.Scopes;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What Flux's kustomize-controller applies for each {@code kustomize.toolkit.fluxcd.io} Kustomization
 * in the input whose source is the repository being tested: {@code spec.path} built (its kustomization,
 * or every manifest below it as Flux generates one), {@code spec.targetNamespace} set, and
 * {@code spec.postBuild.substitute} / {@code substituteFrom} applied. Kustomizations in the result are
 * followed in turn. A source that is not this repository is reported as not evaluated.
 *
 * <p>Objects read directly from a path a followed Kustomization covers are replaced by what it renders
 * from there: Flux applies them through it, with its namespace and substitutions.
 */
final class FluxKustomizations {
    static final String GROUP = "kustomize.toolkit.fluxcd.io";
    private static final Pattern VARIABLE = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[=-])([^}]*))?}");

    /** The input after expansion, and the sources that could not be evaluated. */
    record Expanded(List<Manifest> manifests, List<String> notEvaluated) {
    }

    final Path repoRoot;
    private final Set<String> localSources;
    private final Function<Path, List<Manifest>> directory;
    private final String defaultNamespace;
    /** Told of each source rendered, for progress on a terminal. */
    java.util.function.Consumer<String> progress = message -> { };

    /**
     * @param localSources "namespace/name" of the GitRepositories that are this repository
     * @param directory    what Flux applies from a directory of this repository
     */
    FluxKustomizations(Path repoRoot, Set<String> localSources, Function<Path, List<Manifest>> directory,
                       String defaultNamespace) {
        this.repoRoot = repoRoot.toAbsolutePath().normalize();
        this.localSources = localSources;
        this.directory = directory;
        this.defaultNamespace = defaultNamespace;
    }

    static boolean isFluxKustomization(JsonNode object) {
        return object.path("kind").asText().equals("Kustomization")
                && object.path("apiVersion").asText().startsWith(GROUP + "/");
    }

    Expanded expand(List<Manifest> input) {
        var notEvaluated = new ArrayList<String>();
        var result = new ArrayList<>(input);
        var done = new HashSet<String>();
        var pending = new ArrayList<>(fluxKustomizations(result));
        while (!pending.isEmpty()) {
            var flux = pending.removeFirst();
            var id = namespace(flux.body()) + "/" + flux.body().path("metadata").path("name").asText();
            if (!done.add(id)) {
                continue;
            }
            var problem = notLocal(flux.body().path("spec").path("sourceRef"), namespace(flux.body()), result);
            if (problem != null) {
                notEvaluated.add("Kustomization " + id + " (" + flux.source() + "): " + problem);
                continue;
            }
            var path = repoRoot.resolve(flux.body().path("spec").path("path").asText("./")).normalize();
            if (!path.startsWith(repoRoot)) {
                result.add(new Manifest.Unreadable(flux.source(), "spec.path " + path + " leaves the repository " + repoRoot));
                continue;
            }
            // Flux applies what is below spec.path through this Kustomization, not as read directly
            result.removeIf(m -> m != flux && under(m.source(), path));
            var rendered = render(flux, path, result);
            result.addAll(rendered);
            progress.accept("rendered Kustomization " + id + " (" + rendered.size() + " objects)");
            rendered.stream().filter(m -> m instanceof Manifest.Object o && isFluxKustomization(o.body()))
                    .map(m -> (Manifest.Object) m).forEach(pending::add);
        }
        return new Expanded(result, notEvaluated);
    }

    private List<Manifest> render(Manifest.Object flux, Path path, List<Manifest> known) {
        var spec = flux.body().path("spec");
        var prefix = flux.source() + Rendered.SEPARATOR + "Kustomization " + namespace(flux.body()) + "/"
                + flux.body().path("metadata").path("name").asText() + Rendered.SEPARATOR;
        Map<String, String> variables;
        try {
            variables = variables(flux.body(), known);
        } catch (IllegalStateException e) {
            return List.of(new Manifest.Unreadable(flux.source(), e.getMessage()));
        }
        var targetNamespace = spec.path("targetNamespace").asText("");
        var rendered = new ArrayList<Manifest>();
        for (var manifest : directory.apply(display(path))) {
            switch (manifest) {
                case Manifest.Object object -> {
                    var body = (ObjectNode) object.body().deepCopy();
                    if (!targetNamespace.isEmpty() && !Scopes.clusterScoped(body.path("apiVersion").asText(), body.path("kind").asText())) {
                        body.withObjectProperty("metadata").put("namespace", targetNamespace);
                    }
                    if (!variables.isEmpty() && !"disabled".equals(body.path("metadata").path("annotations")
                            .path(GROUP + "/substitute").asText())) {
                        substitute(body, variables);
                    }
                    rendered.add(new Manifest.Object(prefix + object.source(), body));
                }
                case Manifest.Unreadable unreadable -> rendered.add(new Manifest.Unreadable(prefix + unreadable.source(),
                        unreadable.problem()));
                case Manifest.Skipped skipped -> rendered.add(skipped);
            }
        }
        return rendered;
    }

    /** postBuild.substitute over postBuild.substituteFrom (ConfigMaps and Secrets in the input), as Flux merges them. */
    private Map<String, String> variables(JsonNode flux, List<Manifest> known) {
        var postBuild = flux.path("spec").path("postBuild");
        var variables = new HashMap<String, String>();
        for (var from : postBuild.path("substituteFrom")) {
            var kind = from.path("kind").asText();
            var name = from.path("name").asText();
            var object = find(known, kind.equals("Secret") ? "Secret" : "ConfigMap", namespace(flux), name);
            if (object == null) {
                if (from.path("optional").asBoolean(false)) {
                    continue;
                }
                throw new IllegalStateException("postBuild.substituteFrom " + kind + " " + namespace(flux) + "/" + name
                        + " is not in the input (add it, or mark it optional)");
            }
            object.path("data").properties().forEach(e -> variables.put(e.getKey(), kind.equals("Secret")
                    ? new String(Base64.getDecoder().decode(e.getValue().asText()), StandardCharsets.UTF_8)
                    : e.getValue().asText()));
            object.path("stringData").properties().forEach(e -> variables.put(e.getKey(), e.getValue().asText()));
        }
        postBuild.path("substitute").properties().forEach(e -> variables.put(e.getKey(), e.getValue().asText()));
        return variables;
    }

    /** Flux's envsubst on every string value: ${VAR}, ${VAR:-default}, ${VAR:=default}, ${VAR-default}; unset is "". */
    private static void substitute(JsonNode node, Map<String, String> variables) {
        if (node instanceof ObjectNode object) {
            for (var entry : object.properties()) {
                if (entry.getValue().isTextual()) {
                    entry.setValue(TextNode.valueOf(substitute(entry.getValue().textValue(), variables)));
                } else {
                    substitute(entry.getValue(), variables);
                }
            }
        } else if (node.isArray()) {
            var array = (com.fasterxml.jackson.databind.node.ArrayNode) node;
            for (int i = 0; i < array.size(); i++) {
                if (array.get(i).isTextual()) {
                    array.set(i, TextNode.valueOf(substitute(array.get(i).textValue(), variables)));
                } else {
                    substitute(array.get(i), variables);
                }
            }
        }
    }

    static String substitute(String text, Map<String, String> variables) {
        if (!text.contains("${")) {
            return text;
        }
        var matcher = VARIABLE.matcher(text);
        var out = new StringBuilder();
        while (matcher.find()) {
            var value = variables.get(matcher.group(1));
            var operator = matcher.group(2);
            // bash's rules: "-"/"=" take the default when unset, ":-"/":=" also when empty
            if (operator != null && (value == null || operator.startsWith(":") && value.isEmpty())) {
                value = matcher.group(3);
            }
            matcher.appendReplacement(out, Matcher.quoteReplacement(value == null ? "" : value));
        }
        matcher.appendTail(out);
        return out.toString();
    }

    /** Why a Flux source reference is not evaluated, or null when it is this repository. */
    String notLocal(JsonNode ref, String defaultNamespace, List<Manifest> known) {
        var kind = ref.path("kind").asText();
        var namespace = ref.path("namespace").asText(defaultNamespace);
        var name = ref.path("name").asText();
        if (!kind.equals("GitRepository")) {
            return "its source is a " + kind + " (" + namespace + "/" + name + "); only this Git repository is evaluated offline";
        }
        if (localSources.contains(namespace + "/" + name)) {
            return null;
        }
        var repository = find(known, "GitRepository", namespace, name);
        if (repository == null) {
            return "GitRepository " + namespace + "/" + name + " is not in the input; name it with --source "
                    + namespace + "/" + name + " if it is this repository";
        }
        var url = repository.path("spec").path("url").asText();
        var origin = GitRemote.of(repoRoot);
        if (origin != null && GitRemote.same(origin, url)) {
            return null;
        }
        return "GitRepository " + namespace + "/" + name + " (" + url + ") is not this repository"
                + (origin == null ? " (" + repoRoot + " has no git remote)" : " (" + origin + ")")
                + "; name it with --source " + namespace + "/" + name + " if it is";
    }

    String namespace(JsonNode object) {
        return object.path("metadata").path("namespace").asText(defaultNamespace);
    }

    JsonNode find(List<Manifest> known, String kind, String namespace, String name) {
        for (var manifest : known) {
            if (manifest instanceof Manifest.Object object && object.body().path("kind").asText().equals(kind)
                    && object.body().path("metadata").path("name").asText().equals(name)
                    && namespace(object.body()).equals(namespace)) {
                return object.body();
            }
        }
        return null;
    }

    private static List<Manifest.Object> fluxKustomizations(List<Manifest> manifests) {
        return manifests.stream().filter(m -> m instanceof Manifest.Object o && isFluxKustomization(o.body()))
                .map(m -> (Manifest.Object) m).toList();
    }

    /** A path as the user would write it: relative to the working directory where it lies below it. */
    static Path display(Path path) {
        var cwd = Path.of("").toAbsolutePath();
        return path.startsWith(cwd) ? cwd.relativize(path) : path;
    }

    /** Whether the first file of a provenance chain lies below {@code directory}. */
    private static boolean under(String source, Path directory) {
        var first = source.split(Rendered.SEPARATOR, 2)[0];
        var hash = first.indexOf('#');
        var file = Path.of(hash < 0 ? first : first.substring(0, hash)).toAbsolutePath().normalize();
        return file.startsWith(directory);
    }
}
