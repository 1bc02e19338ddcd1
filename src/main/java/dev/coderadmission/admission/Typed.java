package dev.coderadmission.admission;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.coderadmission.kube.Kube;
import io.fabric8.kubernetes.api.model.HasMetadata;

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

    /**
     * A kind a policy handles (any version: the API server converts to the one the webhook asks for), and
     * its readers: from a tree; from the object's JSON without managedFields (a copy), when no tree was
     * built; and, for a reader that skips what it does not read, from the JSON where it lies in the
     * request's body. The first that applies is used.
     */
    public record Kind<T>(String group, String kind, String typeName, Function<JsonNode, T> reader,
                          Function<byte[], T> jsonReader, Scanned<T> inPlace) {

        /** A kind read into fabric8's model: from the request's bytes when no tree was built, else from the tree. */
        public static <T extends HasMetadata> Kind<T> of(String group, String kind, Class<T> type) {
            return new Kind<>(group, kind, type.getSimpleName(), json -> Kube.as(json, type), json -> Kube.as(json, type), null);
        }

        /**
         * A kind read by a reader of its own that takes only the fields its rules read, from checked JSON
         * bytes: where the object lies in the request's body when no tree was built, else from the tree
         * written as JSON, the same code either way.
         */
        public static <T> Kind<T> scanned(String group, String kind, String typeName, Scanned<T> read) {
            return new Kind<>(group, kind, typeName, tree -> {
                byte[] json;
                try {
                    json = AdmissionReviews.JSON.writeValueAsBytes(tree);
                } catch (JsonProcessingException e) {
                    throw new IllegalArgumentException(e.getOriginalMessage(), e);
                }
                return read.read(json, 0, json.length);
            }, null, read);
        }

        /** A kind read as its JSON tree: for mutators (the patch is a tree diff) and kinds without a model here. */
        public static Kind<ObjectNode> raw(String group, String kind) {
            return new Kind<>(group, kind, kind, json -> {
                if (json instanceof ObjectNode object) {
                    return object;
                }
                throw new IllegalArgumentException("not a JSON object");
            }, null, null);
        }

        String key() {
            return group + "/" + kind;
        }
    }

    /** Reads one object from checked JSON in {@code bytes[start, end)}. */
    @FunctionalInterface
    public interface Scanned<T> {
        /** @throws IllegalArgumentException when the JSON does not fit the kind */
        T read(byte[] bytes, int start, int end);
    }

    /** A policy bound to the kind it handles, for {@link #byKind}. */
    public record Bound(Kind<?> kind, Policy policy) {
    }

    public static <T> Bound validating(Kind<T> kind, Validator<T> validator) {
        return new Bound(kind, request -> switch (request.operation()) {
            case CONNECT -> Decision.allow();
            case DELETE -> validator.delete(request, readOld(kind, request));
            case CREATE -> read(kind, request, object -> validator.create(request, object));
            case UPDATE -> Kube.deleting(request.object()) ? Decision.allow()
                    : read(kind, request, object -> validator.update(request, readOld(kind, request), object));
        });
    }

    public static <T> Bound mutating(Kind<T> kind, Mutator<T> mutator) {
        return new Bound(kind, request -> switch (request.operation()) {
            case CONNECT, DELETE -> Decision.allow();
            case CREATE -> read(kind, request, object -> mutator.create(request, object));
            case UPDATE -> Kube.deleting(request.object()) ? Decision.allow()
                    : read(kind, request, object -> mutator.update(request, readOld(kind, request), object));
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
            var inPlace = kind.inPlace() == null ? null : request.unparsedObjectBytes();
            var json = inPlace != null || kind.jsonReader() == null ? null : request.unparsedObjectJson();
            if (inPlace != null) {
                object = kind.inPlace().read(inPlace.bytes(), inPlace.start(), inPlace.end());
            } else {
                object = json != null ? kind.jsonReader().apply(json) : kind.reader().apply(request.object());
            }
        } catch (IllegalArgumentException e) {
            return Decision.invalid(request.describe() + ": request.object is not a valid " + kind.typeName() + ": "
                    + firstLine(e.getMessage()));
        }
        return then.apply(object);
    }

    /** The old object, or null when there is none or it does not fit the kind. */
    private static <T> T readOld(Kind<T> kind, AdmissionRequest request) {
        try {
            var inPlace = kind.inPlace() == null ? null : request.unparsedOldObjectBytes();
            if (inPlace != null) {
                return kind.inPlace().read(inPlace.bytes(), inPlace.start(), inPlace.end());
            }
            var json = request.oldObject();
            return json == null || !json.isObject() ? null : kind.reader().apply(json);
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
