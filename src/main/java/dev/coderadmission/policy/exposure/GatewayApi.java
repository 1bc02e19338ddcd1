package dev.coderadmission.policy.exposure;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;

/**
 * Reading Gateway API objects as JSON: one reader for the five route kinds in their v1, v1beta1 and
 * v1alpha2 versions, whose parentRefs and backendRefs have the same shape, without a model per version.
 */
public final class GatewayApi {
    public static final String GROUP = "gateway.networking.k8s.io";
    public static final List<String> ROUTE_KINDS = List.of("HTTPRoute", "GRPCRoute", "TLSRoute", "TCPRoute", "UDPRoute");

    private GatewayApi() {
    }

    /** A parent or backend reference with the API's defaults filled in. */
    record Ref(String group, String kind, String namespace, String name) {
        String describe() {
            return kind + " " + namespace + "/" + name;
        }
    }

    static List<Ref> parentRefs(JsonNode route, String routeNamespace) {
        var refs = new ArrayList<Ref>();
        for (var ref : route.path("spec").path("parentRefs")) {
            refs.add(ref(ref, GROUP, "Gateway", routeNamespace));
        }
        return refs;
    }

    static List<Ref> backendRefs(JsonNode route, String routeNamespace) {
        var refs = new ArrayList<Ref>();
        for (var rule : route.path("spec").path("rules")) {
            for (var ref : rule.path("backendRefs")) {
                refs.add(ref(ref, "", "Service", routeNamespace));
            }
            // HTTPRoute filters can mirror requests to another backend
            for (var filter : rule.path("filters")) {
                var mirror = filter.path("requestMirror").path("backendRef");
                if (mirror.isObject()) {
                    refs.add(ref(mirror, "", "Service", routeNamespace));
                }
            }
        }
        return refs;
    }

    static List<String> hostnames(JsonNode route) {
        var hosts = new ArrayList<String>();
        route.path("spec").path("hostnames").forEach(h -> hosts.add(h.asText()));
        return hosts;
    }

    /** Listener hostnames of a Gateway. */
    static List<String> listenerHostnames(JsonNode gateway) {
        var hosts = new ArrayList<String>();
        for (var listener : gateway.path("spec").path("listeners")) {
            if (listener.path("hostname").isTextual()) {
                hosts.add(listener.path("hostname").asText());
            }
        }
        return hosts;
    }

    /** The grants of one ReferenceGrant object (to core Services only: what routes reach Coder through). */
    public static List<GatewayIndex.Grant> grants(JsonNode referenceGrant) {
        var namespace = referenceGrant.path("metadata").path("namespace").asText();
        var grants = new ArrayList<GatewayIndex.Grant>();
        for (var to : referenceGrant.path("spec").path("to")) {
            if (!to.path("group").asText("").isEmpty() || !"Service".equals(to.path("kind").asText())) {
                continue;
            }
            var name = to.path("name").isTextual() && !to.path("name").asText().isEmpty() ? to.path("name").asText() : null;
            for (var from : referenceGrant.path("spec").path("from")) {
                if (GROUP.equals(from.path("group").asText())) {
                    grants.add(new GatewayIndex.Grant(namespace, from.path("kind").asText(), from.path("namespace").asText(), name));
                }
            }
        }
        return grants;
    }

    private static Ref ref(JsonNode ref, String defaultGroup, String defaultKind, String defaultNamespace) {
        return new Ref(ref.path("group").asText(defaultGroup), ref.path("kind").asText(defaultKind),
                ref.path("namespace").asText(defaultNamespace), ref.path("name").asText(""));
    }
}
