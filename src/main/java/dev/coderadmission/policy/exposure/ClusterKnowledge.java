package dev.coderadmission.policy.exposure;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.coderadmission.admission.NotSynced;
import dev.coderadmission.config.CoderConfig;
import dev.coderadmission.kube.Kube;
import dev.coderadmission.tenant.ServiceCatalog;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;

/**
 * What the exposure guard knows of the cluster beyond the object under review: which Services are
 * Coder's, which controller serves each IngressClass and GatewayClass, each Gateway's class, and the
 * ReferenceGrants. One builder for every front end, so {@code serve} and {@code dry-run} cannot
 * disagree: the server feeds it informer events, the CLI the manifests and {@code --state}; both call
 * {@link #observe} and {@link #forget} with the object as JSON, and the rules read it through
 * {@link ServiceCatalog}, {@link ClassIndex} and {@link GatewayIndex}.
 *
 * <p>It keeps only the few strings each rule reads (a reason, a class name), not the objects. Updates
 * come from informer threads while admission threads read, hence the concurrent maps; a lookup is one
 * map access.
 */
public final class ClusterKnowledge implements ServiceCatalog, ClassIndex, GatewayIndex, PodAddresses {
    private final CoderOwnership ownership;
    private final String name;
    private final BooleanSupplier synced;

    private final Map<String, String> coderServices = new ConcurrentHashMap<>();
    private final Map<String, String> ingressClasses = new ConcurrentHashMap<>();
    private final Map<String, String> gatewayClasses = new ConcurrentHashMap<>();
    private final Map<String, String> gateways = new ConcurrentHashMap<>();
    /** Coder Pod addresses -> "Pod namespace/name (why)", and each Pod's addresses so an update or delete replaces them. */
    private final Map<String, String> podsByAddress = new ConcurrentHashMap<>();
    private final Map<String, List<String>> addressesByPod = new ConcurrentHashMap<>();
    /** By the grant's own namespace/name, so an update or delete replaces exactly its permissions. */
    private final Map<String, List<Grant>> grants = new ConcurrentHashMap<>();

    /**
     * @param name   what feeds it, for the 503 message while {@code synced} is false
     * @param synced whether every source has listed once: before that a lookup would guess
     */
    public ClusterKnowledge(CoderConfig coder, String name, BooleanSupplier synced) {
        this.ownership = new CoderOwnership(coder, ServiceCatalog.EMPTY);
        this.name = name;
        this.synced = synced;
    }

    /** Knowledge of exactly {@code objects}: the CLI's, complete from the start. */
    public static ClusterKnowledge of(CoderConfig coder, Iterable<JsonNode> objects, String defaultNamespace) {
        var knowledge = new ClusterKnowledge(coder, "the manifests", () -> true);
        objects.forEach(object -> knowledge.observe(object, defaultNamespace));
        return knowledge;
    }

    /** An object was listed, added or updated ({@code defaultNamespace} where a manifest has none). */
    public void observe(JsonNode object, String defaultNamespace) {
        var kind = Kind.of(object);
        if (kind == null) {
            return;
        }
        var metadata = object.path("metadata");
        var key = key(object, defaultNamespace);
        switch (kind) {
            case SERVICE -> ownership.serviceReason(namespace(object, defaultNamespace), Kube.stringMap(metadata.path("labels")))
                    .ifPresentOrElse(why -> coderServices.put(key, "is Coder's (" + why + ")"), () -> coderServices.remove(key));
            case POD -> {
                forgetPod(key);
                ownership.declared(namespace(object, defaultNamespace), Kube.stringMap(metadata.path("labels"))).ifPresent(why -> {
                    var addresses = new java.util.ArrayList<String>();
                    object.path("status").path("podIPs").forEach(ip -> addresses.add(ip.path("ip").asText()));
                    if (object.path("status").path("podIP").isTextual()) {
                        addresses.add(object.path("status").path("podIP").asText());
                    }
                    addresses.removeIf(String::isEmpty);
                    // hostNetwork pods share the node's address: that address is not Coder's alone
                    if (!addresses.isEmpty() && !object.path("spec").path("hostNetwork").asBoolean(false)) {
                        addressesByPod.put(key, List.copyOf(addresses));
                        addresses.forEach(ip -> podsByAddress.put(ip, "Pod " + key + " (" + why + ")"));
                    }
                });
            }
            case INGRESS_CLASS -> ingressClasses.put(metadata.path("name").asText(),
                    object.path("spec").path("controller").asText(""));
            case GATEWAY_CLASS -> gatewayClasses.put(metadata.path("name").asText(),
                    object.path("spec").path("controllerName").asText(""));
            case GATEWAY -> gateways.put(key, object.path("spec").path("gatewayClassName").asText(""));
            case REFERENCE_GRANT -> {
                var copy = object.deepCopy();
                ((ObjectNode) copy.path("metadata")).put("namespace", namespace(object, defaultNamespace));
                grants.put(key, List.copyOf(GatewayApi.grants(copy)));
            }
        }
    }

    /** An object was deleted. */
    public void forget(JsonNode object, String defaultNamespace) {
        var kind = Kind.of(object);
        if (kind == null) {
            return;
        }
        var key = key(object, defaultNamespace);
        switch (kind) {
            case SERVICE -> coderServices.remove(key);
            case POD -> forgetPod(key);
            case INGRESS_CLASS -> ingressClasses.remove(object.path("metadata").path("name").asText());
            case GATEWAY_CLASS -> gatewayClasses.remove(object.path("metadata").path("name").asText());
            case GATEWAY -> gateways.remove(key);
            case REFERENCE_GRANT -> grants.remove(key);
        }
    }

    @Override
    public Optional<String> coderService(String namespace, String serviceName) {
        requireSynced();
        return Optional.ofNullable(coderServices.get(namespace + "/" + serviceName));
    }

    @Override
    public Optional<String> coderPod(String ip) {
        requireSynced();
        return Optional.ofNullable(podsByAddress.get(ip));
    }

    private void forgetPod(String key) {
        var addresses = addressesByPod.remove(key);
        if (addresses != null) {
            // only where the address is still this Pod's: a new Pod may have been given it already
            addresses.forEach(ip -> podsByAddress.computeIfPresent(ip, (address, pod) -> pod.startsWith("Pod " + key + " (") ? null : pod));
        }
    }

    @Override
    public Optional<String> ingressController(String className) {
        requireSynced();
        return Optional.ofNullable(ingressClasses.get(className));
    }

    @Override
    public Optional<String> gatewayController(String className) {
        requireSynced();
        return Optional.ofNullable(gatewayClasses.get(className));
    }

    @Override
    public Optional<String> gatewayClass(String namespace, String gatewayName) {
        requireSynced();
        return Optional.ofNullable(gateways.get(namespace + "/" + gatewayName));
    }

    @Override
    public boolean grants(String fromKind, String fromNamespace, String toNamespace, String toName) {
        requireSynced();
        for (var list : grants.values()) {
            for (var g : list) {
                if (g.namespace().equals(toNamespace) && g.fromKind().equals(fromKind) && g.fromNamespace().equals(fromNamespace)
                        && (g.toName() == null || g.toName().equals(toName))) {
                    return true;
                }
            }
        }
        return false;
    }

    /** How many objects of each kind it knows, for logs and tests. */
    public Map<String, Integer> sizes() {
        var sizes = new HashMap<String, Integer>();
        sizes.put("coder services", coderServices.size());
        sizes.put("ingress classes", ingressClasses.size());
        sizes.put("gateway classes", gatewayClasses.size());
        sizes.put("gateways", gateways.size());
        sizes.put("reference grants", grants.size());
        sizes.put("coder pods", addressesByPod.size());
        return sizes;
    }

    private void requireSynced() {
        if (!synced.getAsBoolean()) {
            throw new NotSynced(name);
        }
    }

    private static String namespace(JsonNode object, String defaultNamespace) {
        var namespace = object.path("metadata").path("namespace").asText("");
        return namespace.isEmpty() ? defaultNamespace : namespace;
    }

    private static String key(JsonNode object, String defaultNamespace) {
        return namespace(object, defaultNamespace) + "/" + object.path("metadata").path("name").asText();
    }

    /** The kinds it learns from; anything else is ignored. */
    private enum Kind {
        SERVICE, POD, INGRESS_CLASS, GATEWAY_CLASS, GATEWAY, REFERENCE_GRANT;

        static Kind of(JsonNode object) {
            if (!object.path("metadata").path("name").isTextual()) {
                return null;
            }
            var apiVersion = object.path("apiVersion").asText();
            var kind = object.path("kind").asText();
            if ("v1".equals(apiVersion)) {
                return switch (kind) {
                    case "Service" -> SERVICE;
                    case "Pod" -> POD;
                    default -> null;
                };
            }
            if (apiVersion.startsWith("networking.k8s.io/")) {
                return "IngressClass".equals(kind) ? INGRESS_CLASS : null;
            }
            if (apiVersion.startsWith(GatewayApi.GROUP + "/")) {
                return switch (kind) {
                    case "GatewayClass" -> GATEWAY_CLASS;
                    case "Gateway" -> GATEWAY;
                    case "ReferenceGrant" -> REFERENCE_GRANT;
                    default -> null;
                };
            }
            return null;
        }
    }
}
