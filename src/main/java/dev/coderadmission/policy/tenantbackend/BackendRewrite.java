package dev.coderadmission.policy.tenantbackend;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.coderadmission.tenant.Mirror;
import dev.coderadmission.tenant.MirrorIndex;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Resolves the tenant Service an Ingress declares to the KubeVirt CCM mirror that serves it, and
 * rewrites the Ingress's backends to that mirror. Pure: the webhook and the repair loop both call it,
 * so an Ingress repaired in the background ends up exactly as one admitted through the webhook.
 */
public final class BackendRewrite {
    public static final String TENANT_SERVICE = "coder-admission.dev/tenant-service";
    public static final String TENANT_CLUSTER = "coder-admission.dev/tenant-cluster";
    public static final String RESOLVED_SERVICE = "coder-admission.dev/resolved-service";

    /** RFC 1123 label: what a namespace or Service name can be. */
    private static final Pattern LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");

    private BackendRewrite() {
    }

    /** What resolving one Ingress came to. */
    public sealed interface Outcome {
        /** No {@value #TENANT_SERVICE} annotation: not ours to touch. */
        record NotAnnotated() implements Outcome {
        }

        record Malformed(String message) implements Outcome {
        }

        record NoMirror(String tenantService, String cluster) implements Outcome {
        }

        record Ambiguous(String tenantService, List<Mirror> candidates) implements Outcome {
        }

        record PortMissing(Mirror mirror, List<String> missing) implements Outcome {
        }

        /** The Ingress with its backends on {@code mirror}; {@code previous} the backend names it had. */
        record Resolved(Mirror mirror, ObjectNode ingress, Set<String> previous) implements Outcome {
            public boolean changedBackends() {
                return !previous.equals(Set.of(mirror.name()));
            }
        }
    }

    public static Outcome resolve(JsonNode ingress, String namespace, MirrorIndex index) {
        var annotations = ingress.path("metadata").path("annotations");
        if (!annotations.has(TENANT_SERVICE)) {
            return new Outcome.NotAnnotated();
        }
        var declared = annotations.path(TENANT_SERVICE).asText("").trim();
        var slash = declared.indexOf('/');
        if (slash < 0 || !LABEL.matcher(declared.substring(0, slash)).matches()
                || !LABEL.matcher(declared.substring(slash + 1)).matches()) {
            return new Outcome.Malformed("annotation " + TENANT_SERVICE + "=\"" + declared
                    + "\" must be <tenant-namespace>/<service-name> of the tenant cluster's Service, e.g. coder/coder");
        }
        var cluster = annotations.has(TENANT_CLUSTER) ? annotations.path(TENANT_CLUSTER).asText("").trim() : null;
        if (cluster != null && cluster.isEmpty()) {
            return new Outcome.Malformed("annotation " + TENANT_CLUSTER
                    + " is empty; it must name the tenant cluster (the CCM's --cluster-name), or be removed");
        }
        var candidates = index.mirrorsOf(namespace, declared.substring(0, slash), declared.substring(slash + 1)).stream()
                .filter(m -> cluster == null || cluster.equals(m.cluster())).toList();
        if (candidates.isEmpty()) {
            return new Outcome.NoMirror(declared, cluster);
        }
        if (candidates.size() > 1) {
            return new Outcome.Ambiguous(declared, candidates);
        }
        return rewrite(ingress, candidates.getFirst());
    }

    private static Outcome rewrite(JsonNode ingress, Mirror mirror) {
        var mutated = ((ObjectNode) ingress).deepCopy();
        var previous = new LinkedHashSet<String>();
        var missing = new ArrayList<String>();
        for (var service : serviceBackends(mutated)) {
            previous.add(service.path("name").asText(""));
            service.put("name", mirror.name());
            var port = service.path("port");
            if (port.has("number") && mirror.ports().stream().noneMatch(p -> p.port() == port.path("number").asInt())) {
                missing.add("number " + port.path("number").asText());
            } else if (port.has("name") && mirror.ports().stream().noneMatch(p -> p.name().equals(port.path("name").asText()))) {
                missing.add("name " + port.path("name").asText());
            }
        }
        if (!missing.isEmpty()) {
            return new Outcome.PortMissing(mirror, missing.stream().distinct().toList());
        }
        var metadata = (ObjectNode) mutated.path("metadata");
        var annotations = (ObjectNode) metadata.path("annotations");
        annotations.put(RESOLVED_SERVICE, mirror.name());
        return new Outcome.Resolved(mirror, mutated, previous);
    }

    /** The {@code backend.service} objects of spec.defaultBackend and every rule path. */
    static List<ObjectNode> serviceBackends(JsonNode ingress) {
        var result = new ArrayList<ObjectNode>();
        var spec = ingress.path("spec");
        if (spec.path("defaultBackend").path("service") instanceof ObjectNode service) {
            result.add(service);
        }
        for (var rule : spec.path("rules")) {
            for (var path : rule.path("http").path("paths")) {
                if (path.path("backend").path("service") instanceof ObjectNode service) {
                    result.add(service);
                }
            }
        }
        return result;
    }

    /**
     * What stands in the way of a rewrite, in words for a denial, a warning or an Event (the webhook and
     * the repair loop say the same); empty for {@link Outcome.NotAnnotated} and {@link Outcome.Resolved}.
     */
    public static String problem(Outcome outcome, String subject, String namespace) {
        return switch (outcome) {
            case Outcome.NotAnnotated ignored -> "";
            case Outcome.Resolved ignored -> "";
            case Outcome.Malformed malformed -> subject + ": " + malformed.message();
            case Outcome.NoMirror none -> subject + ": no KubeVirt CCM Service in namespace " + namespace
                    + " mirrors tenant Service " + none.tenantService()
                    + (none.cluster() == null ? "" : " of cluster " + none.cluster()) + " yet";
            case Outcome.Ambiguous ambiguous -> subject + ": tenant Service " + ambiguous.tenantService()
                    + " is mirrored by several KubeVirt CCM Services in namespace " + namespace + ": "
                    + ambiguous.candidates().stream().map(Mirror::describe).collect(java.util.stream.Collectors.joining(", "))
                    + "; set annotation " + TENANT_CLUSTER + " to one of "
                    + ambiguous.candidates().stream().map(Mirror::cluster).distinct().sorted().toList();
            case Outcome.PortMissing missing -> subject + ": backend port " + String.join(", ", missing.missing())
                    + " does not exist on " + missing.mirror().describe() + "; its ports are " + missing.mirror().ports();
        };
    }
}
