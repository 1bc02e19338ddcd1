package dev.coderadmission.policy.exposure;

import dev.coderadmission.config.CoderConfig;
import dev.coderadmission.kube.Kube;
import dev.coderadmission.tenant.ServiceCatalog;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressBackend;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Decides whether an object belongs to Coder, and says why: the reason goes into every message so
 * that a user who did not expect the guard to apply sees which setting made it apply.
 */
public final class CoderOwnership {
    private static final Set<String> CODER_NAMES = Set.of("coder", "coder-workspace");
    /** name.namespace.svc, then the cluster domain (cluster.local unless the cluster says otherwise). */
    private static final java.util.regex.Pattern SERVICE_DNS =
            java.util.regex.Pattern.compile("([a-z0-9]([-a-z0-9]*[a-z0-9])?)\\.([a-z0-9]([-a-z0-9]*[a-z0-9])?)\\.svc(\\..+)?");

    private final CoderConfig config;
    private final HostPatterns hosts;
    private final ServiceCatalog services;

    public CoderOwnership(CoderConfig config, ServiceCatalog services) {
        this.config = config;
        this.hosts = new HostPatterns(config.hosts(), config.hostMatching() == CoderConfig.HostMatching.SUFFIX);
        this.services = services;
    }

    /** Why {@code object} in {@code namespace} is Coder's, or empty when it is not. */
    public Optional<String> reason(String namespace, HasMetadata object) {
        var labels = Kube.labels(object);
        var declared = declared(namespace, labels);
        if (declared.isPresent()) {
            return declared;
        }
        return switch (object) {
            case Ingress ingress -> ingressReason(namespace, ingress);
            case Service service -> tenantMirrorReason(labels).or(() -> externalNameReason(service));
            default -> Optional.empty();
        };
    }

    /**
     * Coder's by where it is or how it is labelled: what any kind, typed or not, can say about itself,
     * and what the server's informers select Coder Services by.
     */
    public Optional<String> declared(String namespace, Map<String, String> labels) {
        if (config.namespaces().contains(namespace)) {
            return Optional.of("namespace " + namespace + " is in coder.namespaces");
        }
        var name = labels.get(Kube.NAME_LABEL);
        if (name != null && CODER_NAMES.contains(name)) {
            return Optional.of("label " + Kube.NAME_LABEL + "=" + name);
        }
        if ("coder".equals(labels.get(Kube.PART_OF_LABEL))) {
            return Optional.of("label " + Kube.PART_OF_LABEL + "=coder");
        }
        return Optional.empty();
    }

    /**
     * Why a Service routed to by name (an Ingress backend, a route's backendRef) is Coder's: by namespace,
     * label or as a CCM mirror of a Coder tenant Service. Exactly what {@link #serviceSelectors()} selects,
     * so the server's informers and the CLI's manifests know the same Services.
     */
    public Optional<String> serviceReason(String namespace, Map<String, String> labels) {
        return declared(namespace, labels).or(() -> tenantMirrorReason(labels));
    }

    /**
     * The label selectors ({@code key in (values)}) that together select every Service
     * {@link #serviceReason} accepts outside coder.namespaces (those count by namespace, no watch needed).
     */
    public Map<String, List<String>> serviceSelectors() {
        var selectors = new java.util.LinkedHashMap<String, List<String>>();
        selectors.put(Kube.NAME_LABEL, CODER_NAMES.stream().sorted().toList());
        selectors.put(Kube.PART_OF_LABEL, List.of("coder"));
        if (!config.tenantServiceNamespaces().isEmpty()) {
            selectors.put(Kube.TENANT_SERVICE_NAMESPACE_LABEL, List.copyOf(config.tenantServiceNamespaces()));
        }
        return selectors;
    }

    /** Coder's by namespace or label, else by one of {@code hosts} ("hostname", "listener hostname") overlapping coder.hosts. */
    Optional<String> declaredOrHost(String namespace, Map<String, String> labels, List<String> hostNames, String what) {
        var declared = declared(namespace, labels);
        if (declared.isPresent()) {
            return declared;
        }
        for (var host : hostNames) {
            var match = hosts.overlapping(host);
            if (match.isPresent()) {
                return Optional.of(what + " " + host + " matches coder.hosts entry " + match.get());
            }
        }
        return Optional.empty();
    }

    /** Whether Service {@code namespace/name} is Coder's: by its namespace, or as the catalogue knows it. */
    public Optional<String> coderService(String namespace, String name) {
        if (config.namespaces().contains(namespace)) {
            return Optional.of("is in namespace " + namespace + " (coder.namespaces)");
        }
        return services.coderService(namespace, name);
    }

    /**
     * An ExternalName Service that is a DNS alias of a Coder Service ({@code coder.coder.svc.cluster.local}):
     * whatever routes to the alias reaches Coder.
     */
    Optional<String> externalNameReason(Service service) {
        return aliasTarget(service).flatMap(target -> coderService(target[0], target[1])
                .map(why -> "it is an ExternalName alias of Service " + target[0] + "/" + target[1] + ", which " + why));
    }

    /** {namespace, name} of the in-cluster Service an ExternalName points at, if it points at one. */
    static Optional<String[]> aliasTarget(Service service) {
        var spec = service.getSpec();
        if (spec == null || !"ExternalName".equals(spec.getType()) || spec.getExternalName() == null) {
            return Optional.empty();
        }
        var matcher = SERVICE_DNS.matcher(HostPatterns.normalise(spec.getExternalName()));
        return matcher.matches() ? Optional.of(new String[]{matcher.group(3), matcher.group(1)}) : Optional.empty();
    }

    private Optional<String> tenantMirrorReason(Map<String, String> labels) {
        var tenantNamespace = labels.get(Kube.TENANT_SERVICE_NAMESPACE_LABEL);
        if (tenantNamespace != null && config.tenantServiceNamespaces().contains(tenantNamespace)) {
            return Optional.of("it mirrors tenant Service " + tenantNamespace + "/"
                    + labels.getOrDefault(Kube.TENANT_SERVICE_NAME_LABEL, "?")
                    + " and " + tenantNamespace + " is in coder.tenant-service-namespaces");
        }
        return Optional.empty();
    }

    private Optional<String> ingressReason(String namespace, Ingress ingress) {
        for (var host : IngressView.hosts(ingress)) {
            var match = hosts.overlapping(host);
            if (match.isPresent()) {
                return Optional.of("host " + host + " matches coder.hosts entry " + match.get());
            }
        }
        for (var backend : IngressView.serviceBackends(ingress)) {
            var why = services.coderService(namespace, backend);
            if (why.isPresent()) {
                return Optional.of("backend Service " + backend + " " + why.get());
            }
        }
        return Optional.empty();
    }

    /** Host and backend lists of an Ingress, null-safe over the optional fields of the model. */
    static final class IngressView {
        private IngressView() {
        }

        static List<String> hosts(Ingress ingress) {
            var result = new ArrayList<String>();
            var spec = ingress.getSpec();
            if (spec == null) {
                return result;
            }
            if (spec.getRules() != null) {
                spec.getRules().forEach(rule -> {
                    if (rule.getHost() != null && !rule.getHost().isBlank()) {
                        result.add(rule.getHost());
                    }
                });
            }
            if (spec.getTls() != null) {
                spec.getTls().forEach(tls -> {
                    if (tls.getHosts() != null) {
                        tls.getHosts().stream().filter(h -> h != null && !h.isBlank()).forEach(result::add);
                    }
                });
            }
            return result;
        }

        static List<String> serviceBackends(Ingress ingress) {
            var result = new ArrayList<String>();
            var spec = ingress.getSpec();
            if (spec == null) {
                return result;
            }
            addBackend(result, spec.getDefaultBackend());
            if (spec.getRules() != null) {
                for (var rule : spec.getRules()) {
                    if (rule.getHttp() != null && rule.getHttp().getPaths() != null) {
                        rule.getHttp().getPaths().forEach(path -> addBackend(result, path.getBackend()));
                    }
                }
            }
            return result;
        }

        private static void addBackend(List<String> result, IngressBackend backend) {
            if (backend != null && backend.getService() != null && backend.getService().getName() != null) {
                result.add(backend.getService().getName());
            }
        }
    }
}
