package dev.coderadmission.cluster;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.time.format.DateTimeFormatter;

/**
 * Kubernetes Events on the objects this webhook judged or repaired, so {@code kubectl describe} shows
 * them where people look. A failed write is logged, never thrown: an Event is a courtesy, not state.
 */
public final class EventRecorder {
    private static final Logger LOG = LoggerFactory.getLogger(EventRecorder.class);
    public static final String COMPONENT = "coder-admission";
    /** The API server refuses longer notes on events.k8s.io; core Events are kept to the same size. */
    static final int MAX_MESSAGE = 1024;

    private final KubernetesClient client;
    private final String identity;

    public EventRecorder(KubernetesClient client, String identity) {
        this.client = client;
        this.identity = identity;
    }

    public static ObjectReference reference(String apiVersion, String kind, String namespace, String name, String uid) {
        return new ObjectReferenceBuilder().withApiVersion(apiVersion).withKind(kind).withNamespace(namespace)
                .withName(name).withUid(uid).build();
    }

    /** @return whether the Event was written */
    public boolean record(ObjectReference involved, String type, String reason, String message) {
        var now = DateTimeFormatter.ISO_INSTANT.format(Instant.now());
        var note = message.length() <= MAX_MESSAGE ? message : message.substring(0, MAX_MESSAGE - 1) + "…";
        var event = new EventBuilder()
                .withNewMetadata().withGenerateName(involved.getName() + ".").withNamespace(involved.getNamespace()).endMetadata()
                .withInvolvedObject(involved)
                .withType(type).withReason(reason).withMessage(note)
                .withNewSource().withComponent(COMPONENT).withHost(identity).endSource()
                .withReportingComponent(COMPONENT).withReportingInstance(identity)
                .withFirstTimestamp(now).withLastTimestamp(now).withCount(1)
                .build();
        try {
            client.v1().events().inNamespace(involved.getNamespace()).resource(event).create();
            return true;
        } catch (KubernetesClientException e) {
            LOG.warn("could not record event {} on {} {}/{}: {}", reason, involved.getKind(), involved.getNamespace(),
                    involved.getName(), e.getMessage());
            return false;
        }
    }
}
