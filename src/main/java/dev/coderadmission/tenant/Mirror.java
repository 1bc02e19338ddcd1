package dev.coderadmission.tenant;

import dev.coderadmission.kube.Kube;
import io.fabric8.kubernetes.api.model.Service;

import java.util.List;
import java.util.Optional;

/**
 * A Service that KubeVirt's cloud-controller-manager created in the management cluster for a tenant
 * cluster's LoadBalancer Service: named "a" + the tenant Service's UID (dashes removed, 32 characters),
 * labelled with the tenant Service's namespace and name and the tenant cluster's name.
 */
public record Mirror(String namespace, String name, String uid, String tenantNamespace, String tenantName,
                     String cluster, List<Port> ports) {

    /** A port of the mirror: CCM keeps the tenant Service's port names and numbers. */
    public record Port(String name, int port) {
        @Override
        public String toString() {
            return name == null || name.isEmpty() ? String.valueOf(port) : port + "/" + name;
        }
    }

    public Mirror {
        ports = List.copyOf(ports);
    }

    /** The mirror a Service is, or empty when it lacks the CCM's tenant labels. */
    public static Optional<Mirror> of(Service service) {
        var labels = Kube.labels(service);
        var tenantNamespace = labels.get(Kube.TENANT_SERVICE_NAMESPACE_LABEL);
        var tenantName = labels.get(Kube.TENANT_SERVICE_NAME_LABEL);
        var metadata = service.getMetadata();
        if (tenantNamespace == null || tenantName == null || metadata == null || metadata.getName() == null) {
            return Optional.empty();
        }
        var ports = service.getSpec() == null || service.getSpec().getPorts() == null ? List.<Port>of()
                : service.getSpec().getPorts().stream()
                .filter(p -> p.getPort() != null)
                .map(p -> new Port(p.getName() == null ? "" : p.getName(), p.getPort())).toList();
        return Optional.of(new Mirror(metadata.getNamespace() == null ? "" : metadata.getNamespace(), metadata.getName(),
                metadata.getUid() == null ? "" : metadata.getUid(), tenantNamespace, tenantName,
                labels.getOrDefault(Kube.CLUSTER_NAME_LABEL, ""), ports));
    }

    public String tenantService() {
        return tenantNamespace + "/" + tenantName;
    }

    public String describe() {
        return name + " (mirror of tenant Service " + tenantService()
                + (cluster.isEmpty() ? "" : " in cluster " + cluster) + ")";
    }
}
