package dev.coderadmission.policy.exposure;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.coderadmission.kube.Kube;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * EndpointSlices written by hand or mirrored from hand-written Endpoints: they make a Service without a
 * selector route to whatever addresses they list. One that lists Coder's Pods turns a Service of any
 * namespace into a way to Coder that no Ingress rule would recognise as Coder's. Slices the
 * EndpointSlice controller writes for a selector are not judged: their Service's selector is.
 */
final class EndpointSliceRules implements KindRules<ObjectNode> {
    static final String MANAGED_BY = "endpointslice.kubernetes.io/managed-by";
    static final String SELECTOR_CONTROLLER = "endpointslice-controller.k8s.io";
    private static final String SERVICE_NAME = "kubernetes.io/service-name";

    private final CoderOwnership ownership;
    private final PodAddresses pods;

    EndpointSliceRules(CoderOwnership ownership, PodAddresses pods) {
        this.ownership = ownership;
        this.pods = pods;
    }

    @Override
    public Optional<String> owner(String namespace, ObjectNode slice) {
        var labels = Kube.stringMap(slice.path("metadata").path("labels"));
        if (SELECTOR_CONTROLLER.equals(labels.get(MANAGED_BY))) {
            return Optional.empty();
        }
        for (var endpoint : slice.path("endpoints")) {
            var target = endpoint.path("targetRef");
            if ("Pod".equals(target.path("kind").asText()) && target.path("namespace").isTextual()) {
                var declared = ownership.declared(target.path("namespace").asText(), Map.of());
                if (declared.isPresent()) {
                    return Optional.of("its endpoint targetRef is Pod " + target.path("namespace").asText() + "/"
                            + target.path("name").asText("?") + " (" + declared.get() + ")");
                }
            }
            for (var address : endpoint.path("addresses")) {
                var pod = pods.coderPod(address.asText());
                if (pod.isPresent()) {
                    return Optional.of("its endpoint address " + address.asText() + " is " + pod.get());
                }
            }
        }
        return Optional.empty();
    }

    @Override
    public Map<String, String> annotations(ObjectNode slice) {
        return Kube.stringMap(slice.path("metadata").path("annotations"));
    }

    @Override
    public void violations(String namespace, ObjectNode slice, List<String> violations) {
        var labels = Kube.stringMap(slice.path("metadata").path("labels"));
        var service = labels.getOrDefault(SERVICE_NAME, "");
        // Coder's own slice, or one of a Service known as Coder's: whatever routes to that Service is judged as Coder's
        if (ownership.declared(namespace, labels).isPresent()
                || (!service.isEmpty() && ownership.coderService(namespace, service).isPresent())) {
            return;
        }
        var what = service.isEmpty() ? "this EndpointSlice (no " + SERVICE_NAME + " label)" : "Service " + namespace + "/" + service;
        violations.add("[endpoint-slice] it routes " + what + " to Coder's Pods, so whatever routes to it reaches Coder unseen; "
                + "route to Coder's own Service instead, or label the Service (and this EndpointSlice) "
                + Kube.PART_OF_LABEL + "=coder so what routes to it is judged as Coder's");
    }
}
