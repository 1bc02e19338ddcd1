package dev.coderadmission.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.coderadmission.config.AdmissionConfig;
import dev.coderadmission.kube.Kube;
import dev.coderadmission.policy.Lookups;
import dev.coderadmission.policy.agenturl.AgentUrl;
import dev.coderadmission.policy.agenturl.AgentUrls;
import dev.coderadmission.policy.exposure.ClusterKnowledge;
import dev.coderadmission.tenant.MirrorIndex;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Service;

import java.util.ArrayList;
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
        // the same builder the server feeds from its informers: one rule for what is Coder's, what a class is
        var knowledge = ClusterKnowledge.of(config.coder(), bodies(state, input), defaultNamespace);
        var lookups = Lookups.fromConfig(config)
                .withServices(knowledge).withClasses(knowledge).withGateways(knowledge).withPods(knowledge)
                .withMirrors(MirrorIndex.of(services.stream().map(s -> withNamespace(s, defaultNamespace)).toList()));
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
