package dev.coderadmission.admission;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.coderadmission.kube.Kube;
import io.fabric8.kubernetes.api.model.HasMetadata;

import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The preamble every policy used to repeat, in one place: which kind a policy is for, what each
 * operation means, and how the raw object becomes a typed one.
 * <ul>
 *   <li>another kind: allowed untouched;</li>
 *   <li>CONNECT: allowed; DELETE: {@link Validator#delete}, never a mutation;</li>
 *   <li>UPDATE of an object with {@code deletionTimestamp}: allowed. Finalizer removal by a controller,
 *       Flux prune or the garbage collector must go through, or the object stays Terminating forever;
 *       and deleting it unpublishes it anyway;</li>
 *   <li>an object that does not fit its kind's schema: 400 naming the field, never a 500;</li>
 *   <li>dry-run requests are judged like any other: policies are pure, so they have no side effect to skip.</li>
 * </ul>
 */
public final class Typed {
    private Typed() {
    }

    /** A kind a policy handles (any version: the API server converts to the one the webhook asks for), and its reader. */
    public record Kind<T>(String group, String kind, String typeName, Function<JsonNode, T> reader,
                          Function<byte[], T> jsonReader) {

        /** A kind read into fabric8's model: from the request's bytes when no tree was built, else from the tree. */
        public static <T extends HasMetadata> Kind<T> of(String group, String kind, Class<T> type) {
            return new Kind<>(group, kind, type.getSimpleName(), json -> Kube.as(json, type), json -> Kube.as(json, type));
        }

        /**
         * A kind read by a streaming reader of its own that takes only the fields its rules read: from the
         * request's bytes when no tree was built, else from the tree, the same code either way.
         */
        public static <T> Kind<T> streamed(String group, String kind, String typeName, Streamed<T> read) {
            return new Kind<>(group, kind, typeName,
                    tree -> stream(read, () -> AdmissionReviews.JSON.treeAsTokens(tree)),
                    bytes -> stream(read, () -> AdmissionReviews.JSON.createParser(bytes)));
        }

        /** A kind read as its JSON tree: for mutators (the patch is a tree diff) and kinds without a model here. */
        public static Kind<ObjectNode> raw(String group, String kind) {
            return new Kind<>(group, kind, kind, json -> {
                if (json instanceof ObjectNode object) {
                    return object;
                }
                throw new IllegalArgumentException("not a JSON object");
            }, null);
        }

        String key() {
            return group + "/" + kind;
        }
    }

    /** Reads one object from a parser positioned before its first token. */
    @FunctionalInterface
    public interface Streamed<T> {
        /** @throws IllegalArgumentException (or an IOException) when the JSON does not fit the kind */
        T read(JsonParser parser) throws IOException;
    }

    private interface ParserSource {
        JsonParser open() throws IOException;
    }

    private static <T> T stream(Streamed<T> read, ParserSource source) {
        try (var parser = source.open()) {
            return read.read(parser);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /** A policy bound to the kind it handles, for {@link #byKind}. */
    public record Bound(Kind<?> kind, Policy policy) {
    }

    public static <T> Bound validating(Kind<T> kind, Validator<T> validator) {
        return new Bound(kind, request -> switch (request.operation()) {
            case CONNECT -> Decision.allow();
            case DELETE -> validator.delete(request, readOrNull(kind, request.oldObject()));
            case CREATE -> read(kind, request, object -> validator.create(request, object));
            case UPDATE -> Kube.deleting(request.object()) ? Decision.allow()
                    : read(kind, request, object -> validator.update(request, readOrNull(kind, request.oldObject()), object));
        });
    }

    public static <T> Bound mutating(Kind<T> kind, Mutator<T> mutator) {
        return new Bound(kind, request -> switch (request.operation()) {
            case CONNECT, DELETE -> Decision.allow();
            case CREATE -> read(kind, request, object -> mutator.create(request, object));
            case UPDATE -> Kube.deleting(request.object()) ? Decision.allow()
                    : read(kind, request, object -> mutator.update(request, readOrNull(kind, request.oldObject()), object));
        });
    }

    /** One policy over several kinds: a map lookup by group and kind, allow for the rest. */
    public static Policy byKind(List<Bound> bound) {
        var byKey = new HashMap<String, Policy>();
        for (var b : bound) {
            if (byKey.put(b.kind().key(), b.policy()) != null) {
                throw new IllegalArgumentException("two policies for " + b.kind().key());
            }
        }
        Map<String, Policy> table = Map.copyOf(byKey);
        return request -> {
            var policy = table.get(request.group() + "/" + request.kind());
            return policy == null ? Decision.allow() : policy.admit(request);
        };
    }

    private static <T> Decision read(Kind<T> kind, AdmissionRequest request, Function<T, Decision> then) {
        T object;
        try {
            var json = kind.jsonReader() == null ? null : request.unparsedObjectJson();
            object = json != null ? kind.jsonReader().apply(json) : kind.reader().apply(request.object());
        } catch (IllegalArgumentException e) {
            return Decision.invalid(request.describe() + ": request.object is not a valid " + kind.typeName() + ": "
                    + firstLine(e.getMessage()));
        }
        return then.apply(object);
    }

    private static <T> T readOrNull(Kind<T> kind, JsonNode json) {
        if (json == null || !json.isObject()) {
            return null;
        }
        try {
            return kind.reader().apply(json);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "unreadable";
        }
        var cut = message.indexOf('\n');
        return cut < 0 ? message : message.substring(0, cut);
    }
}
