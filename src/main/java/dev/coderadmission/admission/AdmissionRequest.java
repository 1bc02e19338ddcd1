package dev.coderadmission.admission;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;

/**
 * The part of an {@code admission.k8s.io/v1} request that policies read. The object stays the raw
 * JSON tree kube-apiserver sent, so fields our typed model does not know are never lost, and a
 * policy converts it to a typed fabric8 object only when it needs one.
 *
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
public record AdmissionRequest(
        String uid,
        String group,
        String version,
        String kind,
        String namespace,
        String name,
        Operation operation,
        JsonNode object,
        JsonNode oldObject,
        boolean dryRun) {

    /**
     * The namespace the object lands in: the request's, or (offline, or for API servers that leave it
     * out) the object's own {@code metadata.namespace}.
     */
    public String effectiveNamespace() {
        return namespace.isEmpty() ? object.path("metadata").path("namespace").asText("") : namespace;
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
        return name.isEmpty() ? object.path("metadata").path("generateName").asText("") + "<generated>" : name;
    }
}
