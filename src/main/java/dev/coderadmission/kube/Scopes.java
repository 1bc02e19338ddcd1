package dev.coderadmission.kube;

import java.util.Set;

/**
 * Which kinds have no namespace. The built-in kinds are listed by group; an unknown kind (a CRD's) is
 * taken to be namespaced, as kubectl does without discovery, and keeps the namespace it declares.
 */
public final class Scopes {
    private static final Set<String> CLUSTER_SCOPED = Set.of(
            "/Namespace", "/Node", "/PersistentVolume", "/ComponentStatus",
            "rbac.authorization.k8s.io/ClusterRole", "rbac.authorization.k8s.io/ClusterRoleBinding",
            "apiextensions.k8s.io/CustomResourceDefinition", "apiregistration.k8s.io/APIService",
            "admissionregistration.k8s.io/ValidatingWebhookConfiguration",
            "admissionregistration.k8s.io/MutatingWebhookConfiguration",
            "admissionregistration.k8s.io/ValidatingAdmissionPolicy",
            "admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding",
            "admissionregistration.k8s.io/MutatingAdmissionPolicy",
            "admissionregistration.k8s.io/MutatingAdmissionPolicyBinding",
            "storage.k8s.io/StorageClass", "storage.k8s.io/CSIDriver", "storage.k8s.io/CSINode",
            "storage.k8s.io/VolumeAttachment", "scheduling.k8s.io/PriorityClass", "node.k8s.io/RuntimeClass",
            "networking.k8s.io/IngressClass", "certificates.k8s.io/CertificateSigningRequest",
            "flowcontrol.apiserver.k8s.io/FlowSchema", "flowcontrol.apiserver.k8s.io/PriorityLevelConfiguration",
            "gateway.networking.k8s.io/GatewayClass", "cert-manager.io/ClusterIssuer", "kyverno.io/ClusterPolicy",
            "snapshot.storage.k8s.io/VolumeSnapshotClass");

    private Scopes() {
    }

    /** @param apiVersion "group/version", or "version" for the core group */
    public static boolean clusterScoped(String apiVersion, String kind) {
        var slash = apiVersion.indexOf('/');
        var group = slash < 0 ? "" : apiVersion.substring(0, slash);
        return CLUSTER_SCOPED.contains(group + "/" + kind);
    }
}
