package dev.coderadmission.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.coderadmission.config.AdmissionConfig;
import dev.coderadmission.kube.Kube;
import dev.coderadmission.policy.Lookups;
import dev.coderadmission.policy.agenturl.AgentUrl;
import dev.coderadmission.policy.agenturl.AgentUrls;
import dev.coderadmission.policy.exposure.ClassIndex;
import dev.coderadmission.policy.exposure.CoderOwnership;
import dev.coderadmission.policy.exposure.GatewayApi;
import dev.coderadmission.policy.exposure.GatewayIndex;
import dev.coderadmission.tenant.MirrorIndex;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Service;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.function.Consumer;

/**
 * Offline stand-in for the server's informers: the lookups built from {@code --state} files (and,
 * for Services and CCM mirrors, the evaluated manifests themselves, which a real apply would create
 * together).
 */
final class DryRunState {
    private DryRunState() {
    }

    static Lookups lookups(AdmissionConfig config, List<Manifest> state, List<Manifest> input, String defaultNamespace,
                           Consumer<String> problems) {
        var services = new ArrayList<Service>();
        services.addAll(objects(state, "v1", "Service", Service.class));
        services.addAll(objects(input, "v1", "Service", Service.class));
        var lookups = Lookups.fromConfig(config)
                .withServices(CoderOwnership.catalogOf(services, defaultNamespace, config.coder()))
                .withMirrors(MirrorIndex.of(services.stream().map(s -> withNamespace(s, defaultNamespace)).toList()));
        lookups = lookups.withClasses(classes(state, input)).withGateways(gateways(state, input, defaultNamespace));
        var agentUrl = config.agentUrl();
        if (agentUrl.watchesConfigMap()) {
            for (var configMap : objects(state, "v1", "ConfigMap", ConfigMap.class)) {
                var metadata = configMap.getMetadata();
                var namespace = metadata.getNamespace() == null ? defaultNamespace : metadata.getNamespace();
                if (agentUrl.configMap().equals(namespace + "/" + metadata.getName())) {
                    var source = "ConfigMap " + agentUrl.configMap() + " key " + agentUrl.configMapKey() + " in --state";
                    var url = AgentUrls.fromConfigMapData(configMap.getData(), agentUrl.configMapKey(), source, problems);
                    if (url.isPresent()) {
                        lookups = lookups.withAgentUrl(AgentUrl.fixed(url, source));
                    }
                }
            }
        }
        return lookups;
    }

    /** The IngressClasses and GatewayClasses among the state and the input, by name. */
    private static ClassIndex classes(List<Manifest> state, List<Manifest> input) {
        var ingress = new HashMap<String, String>();
        var gateway = new HashMap<String, String>();
        for (var body : bodies(state, input)) {
            var name = body.path("metadata").path("name").asText("");
            var apiVersion = body.path("apiVersion").asText();
            var kind = body.path("kind").asText();
            if (apiVersion.startsWith("networking.k8s.io/") && "IngressClass".equals(kind)) {
                ingress.put(name, body.path("spec").path("controller").asText(""));
            } else if (apiVersion.startsWith(GatewayApi.GROUP + "/") && "GatewayClass".equals(kind)) {
                gateway.put(name, body.path("spec").path("controllerName").asText(""));
            }
        }
        return ClassIndex.of(ingress, gateway);
    }

    /** The Gateways (their class) and ReferenceGrants among the state and the input. */
    private static GatewayIndex gateways(List<Manifest> state, List<Manifest> input, String defaultNamespace) {
        var classes = new HashMap<String, String>();
        var grants = new ArrayList<GatewayIndex.Grant>();
        for (var body : bodies(state, input)) {
            if (!body.path("apiVersion").asText().startsWith(GatewayApi.GROUP + "/")) {
                continue;
            }
            var metadata = (com.fasterxml.jackson.databind.node.ObjectNode) body.path("metadata");
            var namespace = metadata.path("namespace").asText(defaultNamespace);
            switch (body.path("kind").asText()) {
                case "Gateway" -> classes.put(namespace + "/" + metadata.path("name").asText(),
                        body.path("spec").path("gatewayClassName").asText(""));
                case "ReferenceGrant" -> {
                    var copy = body.deepCopy();
                    ((com.fasterxml.jackson.databind.node.ObjectNode) copy.path("metadata")).put("namespace", namespace);
                    grants.addAll(GatewayApi.grants(copy));
                }
                default -> { }
            }
        }
        return GatewayIndex.of(classes, grants);
    }

    private static List<JsonNode> bodies(List<Manifest> state, List<Manifest> input) {
        var bodies = new ArrayList<JsonNode>();
        for (var list : List.of(state, input)) {
            for (var manifest : list) {
                if (manifest instanceof Manifest.Object object && object.body().path("metadata").isObject()) {
                    bodies.add(object.body());
                }
            }
        }
        return bodies;
    }

    private static Service withNamespace(Service service, String defaultNamespace) {
        if (service.getMetadata().getNamespace() != null) {
            return service;
        }
        var copy = Kube.SERIALIZATION.clone(service);
        copy.getMetadata().setNamespace(defaultNamespace);
        return copy;
    }

    private static <T extends io.fabric8.kubernetes.api.model.HasMetadata> List<T> objects(
            List<Manifest> manifests, String apiVersion, String kind, Class<T> type) {
        var result = new ArrayList<T>();
        for (var manifest : manifests) {
            if (manifest instanceof Manifest.Object object && is(object.body(), apiVersion, kind)) {
                try {
                    var typed = Kube.as(object.body(), type);
                    if (typed.getMetadata() != null && typed.getMetadata().getName() != null) {
                        result.add(typed);
                    }
                } catch (IllegalArgumentException e) {
                    // a malformed object is reported when it is evaluated; as state it says nothing
                }
            }
        }
        return result;
    }

    private static boolean is(JsonNode body, String apiVersion, String kind) {
        return apiVersion.equals(body.path("apiVersion").asText()) && kind.equals(body.path("kind").asText());
    }
}
