package dev.coderadmission.policy.exposure;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.coderadmission.kube.Kube;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Pods of Coder (its namespaces or labels) that listen on the node's own addresses: {@code hostNetwork}
 * or a container {@code hostPort}. Read as JSON: every Pod of those namespaces comes here, and only
 * three fields matter.
 */
final class PodRules implements KindRules<ObjectNode> {
    private static final List<String> CONTAINER_LISTS = List.of("containers", "initContainers", "ephemeralContainers");

    private final CoderOwnership ownership;

    PodRules(CoderOwnership ownership) {
        this.ownership = ownership;
    }

    @Override
    public Optional<String> owner(String namespace, ObjectNode pod) {
        return ownership.declared(namespace, Kube.stringMap(pod.path("metadata").path("labels")));
    }

    @Override
    public Map<String, String> annotations(ObjectNode pod) {
        return Kube.stringMap(pod.path("metadata").path("annotations"));
    }

    @Override
    public void violations(String namespace, ObjectNode pod, List<String> violations) {
        var spec = pod.path("spec");
        if (spec.path("hostNetwork").asBoolean(false)) {
            violations.add("[host-network] spec.hostNetwork: true puts the pod's ports on the node's addresses, "
                    + "outside the tailnet; remove hostNetwork and publish through a Service of an allowed class");
        }
        for (var list : CONTAINER_LISTS) {
            for (var container : spec.path(list)) {
                for (var port : container.path("ports")) {
                    int hostPort = port.path("hostPort").asInt(0);
                    if (hostPort > 0) {
                        violations.add("[host-port] " + list + " " + container.path("name").asText("?") + " port "
                                + port.path("containerPort").asText("?") + " has hostPort " + hostPort
                                + ", open on the node's addresses; remove hostPort and publish through a Service of an allowed class");
                    }
                }
            }
        }
    }
}
