package dev.coderadmission.admission;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;

/**
 * The part of an {@code admission.k8s.io/v1} request that policies read. The object stays the raw
 * JSON kube-apiserver sent, so fields our typed model does not know are never lost, and a
 * policy converts it to a typed fabric8 object only when it needs one.
 *
 * <p>From the HTTP path the object is parsed on first use ({@link AdmissionReviews#decode}): most
 * reviews are of objects a policy dismisses by kind, namespace or operation, and building the tree
 * of an 11 KB pod for them was most of the cost of such a review. Not thread-safe: a request is
 * judged on one thread.
 */
public final class AdmissionRequest {
    private final String uid;
    private final String group;
    private final String version;
    private final String kind;
    private final String namespace;
    private final String name;
    private final Operation operation;
    private final boolean dryRun;
    private ObjectSource objectSource;
    private ObjectSource oldObjectSource;
    private JsonNode object;
    private JsonNode oldObject;

    /**
     * @param uid       echoed in the response
     * @param group     {@code request.kind.group} ("" for the core group)
     * @param version   {@code request.kind.version}
     * @param kind      {@code request.kind.kind}
     * @param namespace the object's namespace ("" for cluster-scoped objects)
     * @param name      the object's name ("" when the API server will generate it)
     * @param operation CREATE, UPDATE, DELETE or CONNECT
     * @param object    the new object ({@link MissingNode} on DELETE)
     * @param oldObject the old object on UPDATE and DELETE ({@link MissingNode} otherwise)
     * @param dryRun    whether the API server will persist nothing: policies must have no side effects then
     */
    public AdmissionRequest(String uid, String group, String version, String kind, String namespace, String name,
                            Operation operation, JsonNode object, JsonNode oldObject, boolean dryRun) {
        this(uid, group, version, kind, namespace, name, operation, present(object), present(oldObject), dryRun);
    }

    /** Where an object comes from: a tree already built, or JSON bytes parsed on first use. */
    interface ObjectSource {
        JsonNode tree();

        /** The object's JSON, for a reader that needs no tree; null when there are no bytes. */
        default byte[] json() {
            return null;
        }

        /** The object's JSON where it lies, managedFields and all (no copy); null when there are no bytes. */
        default ObjectBytes unparsed() {
            var json = json();
            return json == null ? null : new ObjectBytes(json, 0, json.length);
        }

        /**
         * {@code metadata.<field>} as {@code path("metadata").path(field).asText("")} gives it, when known
         * without a tree; null otherwise.
         */
        default String metadataText(String field) {
            return null;
        }
    }

    /** A request whose objects are read when a policy first asks for them; each source's tree is built at most once. */
    AdmissionRequest(String uid, String group, String version, String kind, String namespace, String name,
                     Operation operation, ObjectSource object, ObjectSource oldObject, boolean dryRun) {
        this.uid = uid;
        this.group = group;
        this.version = version;
        this.kind = kind;
        this.namespace = namespace;
        this.name = name;
        this.operation = operation;
        this.objectSource = object;
        this.oldObjectSource = oldObject;
        this.dryRun = dryRun;
    }

    private static ObjectSource present(JsonNode node) {
        var value = node == null ? MissingNode.getInstance() : node;
        return () -> value;
    }

    public String uid() {
        return uid;
    }

    public String group() {
        return group;
    }

    public String version() {
        return version;
    }

    public String kind() {
        return kind;
    }

    public String namespace() {
        return namespace;
    }

    public String name() {
        return name;
    }

    public Operation operation() {
        return operation;
    }

    public boolean dryRun() {
        return dryRun;
    }

    /** The new object ({@link MissingNode} on DELETE). */
    public JsonNode object() {
        if (object == null) {
            object = objectSource.tree();
            objectSource = null;
        }
        return object;
    }

    /**
     * The new object's JSON (without metadata.managedFields) while no tree has been built from it, else
     * null: a typed reader (fabric8's model) reads it directly and skips building a tree it would only
     * walk once.
     */
    public byte[] unparsedObjectJson() {
        return object == null ? objectSource.json() : null;
    }

    /**
     * The new object's JSON as one JSON object in {@code bytes[start, end)}, as the request carried it
     * (with metadata.managedFields: for a reader that skips what it does not read), while no tree has
     * been built from it, else null. Not a copy: the bytes are the request's and must not be changed.
     */
    public ObjectBytes unparsedObjectBytes() {
        return object == null ? objectSource.unparsed() : null;
    }

    /** An object's JSON: {@code bytes[start, end)}. */
    public record ObjectBytes(byte[] bytes, int start, int end) {
    }

    /** As {@link #unparsedObjectBytes()}, of the old object (null when there is none, or its tree was built). */
    public ObjectBytes unparsedOldObjectBytes() {
        return oldObject == null ? oldObjectSource.unparsed() : null;
    }

    /** The old object on UPDATE and DELETE ({@link MissingNode} otherwise). */
    public JsonNode oldObject() {
        if (oldObject == null) {
            oldObject = oldObjectSource.tree();
            oldObjectSource = null;
        }
        return oldObject;
    }

    /**
     * The namespace the object lands in: the request's, or (offline, or for API servers that leave it
     * out) the object's own {@code metadata.namespace}.
     */
    public String effectiveNamespace() {
        return namespace.isEmpty() ? metadataText("namespace") : namespace;
    }

    public boolean is(String group, String kind) {
        return this.group.equals(group) && this.kind.equals(kind);
    }

    /** "Kind namespace/name", the way kubectl names an object in its messages. */
    public String describe() {
        var objectName = displayName();
        return kind + " " + (namespace.isEmpty() ? objectName : namespace + "/" + objectName);
    }

    /** The name, or {@code generateName<generated>} when the API server has yet to generate it. */
    public String displayName() {
        return name.isEmpty() ? metadataText("generateName") + "<generated>" : name;
    }

    /** {@code metadata.<field>} as text, read on the way through the bytes when it could be (no tree built). */
    private String metadataText(String field) {
        if (object == null) {
            var known = objectSource.metadataText(field);
            if (known != null) {
                return known;
            }
        }
        return object().path("metadata").path(field).asText("");
    }

    @Override
    public String toString() {
        return "AdmissionRequest[" + operation + " " + group + "/" + version + " " + describe() + ", uid " + uid
                + (dryRun ? ", dry run]" : "]");
    }
}
