package dev.coderadmission.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.coderadmission.admission.AdmissionReviews;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.UUID;

/**
 * AdmissionReview requests in the exact shape kube-apiserver sends for {@code admissionReviewVersions: [v1]}
 * (kind/resource/requestKind/requestResource, userInfo, options), built around an object.
 */
public final class Reviews {
    private static final YAMLMapper YAML = new YAMLMapper();
    public static final io.fabric8.kubernetes.client.utils.KubernetesSerialization SERIALIZATION =
            dev.coderadmission.kube.Kube.SERIALIZATION;

    private Reviews() {
    }

    public static JsonNode yaml(String text) {
        try {
            return YAML.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static JsonNode file(Path path) {
        try {
            return yaml(Files.readString(path));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String create(JsonNode object) {
        return review("CREATE", object, null, false).toString();
    }

    public static String update(JsonNode object, JsonNode oldObject) {
        return review("UPDATE", object, oldObject, false).toString();
    }

    public static ObjectNode review(String operation, JsonNode object, JsonNode oldObject, boolean dryRun) {
        var subject = object != null ? object : oldObject;
        var apiVersion = subject.path("apiVersion").asText();
        var slash = apiVersion.indexOf('/');
        var group = slash < 0 ? "" : apiVersion.substring(0, slash);
        var version = slash < 0 ? apiVersion : apiVersion.substring(slash + 1);
        var kind = subject.path("kind").asText();
        var resource = kind.toLowerCase(Locale.ROOT) + (kind.endsWith("s") ? "es" : "s");
        var review = AdmissionReviews.JSON.createObjectNode();
        review.put("kind", "AdmissionReview");
        review.put("apiVersion", "admission.k8s.io/v1");
        var request = review.putObject("request");
        request.put("uid", UUID.randomUUID().toString());
        request.putObject("kind").put("group", group).put("version", version).put("kind", kind);
        request.putObject("resource").put("group", group).put("version", version).put("resource", resource);
        request.putObject("requestKind").put("group", group).put("version", version).put("kind", kind);
        request.putObject("requestResource").put("group", group).put("version", version).put("resource", resource);
        var metadata = subject.path("metadata");
        if (metadata.has("name")) {
            request.put("name", metadata.path("name").asText());
        }
        // kube-apiserver sends no namespace for cluster-scoped kinds (omitted, decoded as "")
        if (!dev.coderadmission.kube.Scopes.clusterScoped(group.isEmpty() ? version : group + "/" + version, kind)) {
            request.put("namespace", metadata.path("namespace").asText("default"));
        }
        request.put("operation", operation);
        var user = request.putObject("userInfo");
        user.put("username", "system:serviceaccount:flux-system:kustomize-controller");
        user.put("uid", "2b0e7b4a-8f34-4bd5-9a5f-0f6d5c0e1a11");
        user.putArray("groups").add("system:serviceaccounts").add("system:serviceaccounts:flux-system").add("system:authenticated");
        request.set("object", object == null ? AdmissionReviews.JSON.nullNode() : object);
        request.set("oldObject", oldObject == null ? AdmissionReviews.JSON.nullNode() : oldObject);
        request.put("dryRun", dryRun);
        var options = request.putObject("options");
        options.put("kind", operation.equals("UPDATE") ? "UpdateOptions" : operation.equals("DELETE") ? "DeleteOptions" : "CreateOptions");
        options.put("apiVersion", "meta.k8s.io/v1");
        options.put("fieldManager", "kustomize-controller");
        return review;
    }

    public static String uid(String review) {
        return yaml(review).path("request").path("uid").asText();
    }
}
