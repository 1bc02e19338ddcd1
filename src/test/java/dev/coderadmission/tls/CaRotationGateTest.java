package dev.coderadmission.tls;

import dev.coderadmission.config.LeaderElectionConfig;
import dev.coderadmission.config.TlsConfig;
import dev.coderadmission.cluster.Leadership;
import dev.coderadmission.support.FaultyApiServer;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfigurationBuilder;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** The leader switches to a new CA only once the API server is seen to trust it. */
class CaRotationGateTest {
    private static final String NAMESPACE = "coder-admission";
    private static final List<String> NAMES = List.of("coder-admission", "coder-admission.coder-admission.svc");

    @Test
    void aFailingCaBundleWriteHoldsTheCaRotationUntilItSucceeds() {
        var config = TlsConfig.builder().mode(TlsConfig.Mode.SELF_MANAGED).service(null, NAMESPACE)
                .webhookConfigurations(List.of(), List.of("coder-admission")).build();
        var t0 = Instant.parse("2026-01-01T00:00:00Z");
        var nearCaExpiry = t0.plus(Duration.ofDays(3650 - 364));
        // phase A of a CA rotation, stored by an earlier pass: the new CA is trusted in the Secret, not signing
        var phaseA = Rotation.plan(Rotation.plan(Optional.empty(), NAMES, config, t0), NAMES, config, nearCaExpiry).orElseThrow();
        var oldCa = phaseA.signer().certificate();
        var newCa = phaseA.next().orElseThrow().certificate();
        var afterOverlap = Clock.fixed(nearCaExpiry.plus(Duration.ofMinutes(10)), ZoneOffset.UTC);

        try (var api = new FaultyApiServer()) {
            var client = api.client();
            client.secrets().inNamespace(NAMESPACE).resource(new SecretBuilder().withNewMetadata().withName("coder-admission-tls")
                    .withNamespace(NAMESPACE).endMetadata().withData(phaseA.toSecretData()).build()).create();
            client.admissionRegistration().v1().validatingWebhookConfigurations().resource(new ValidatingWebhookConfigurationBuilder()
                    .withNewMetadata().withName("coder-admission").endMetadata()
                    .addNewWebhook().withName("exposure.coder-admission.dev").withNewClientConfig().withCaBundle(b64(oldCa))
                    .withNewService().withName("coder-admission").withNamespace(NAMESPACE).withPath("/validate/exposure")
                    .endService().endClientConfig().endWebhook().build()).create();
            var leadership = new Leadership(client, LeaderElectionConfig.defaults(), NAMESPACE, "a");
            try (var source = new SelfManagedCertificateSource(client, config, NAMESPACE, leadership, afterOverlap)) {
                // the API server refuses every write to the webhook configuration (wrong RBAC, an admission policy)
                api.fail(request -> request.getPath().contains("validatingwebhookconfigurations") && !"GET".equals(request.getMethod()));
                source.reconcile();
                source.reconcile();
                assertThat(stored(client).signer().certificate()).as("the old CA keeps signing").isEqualTo(oldCa);

                api.heal();
                source.reconcile(); // writes the caBundle with both CAs, sees it, and only then switches
                assertThat(stored(client).signer().certificate()).isEqualTo(newCa);
                assertThat(Rotation.signedBy(stored(client).serving().leaf(), newCa)).isTrue();
                var caBundle = client.admissionRegistration().v1().validatingWebhookConfigurations().withName("coder-admission")
                        .get().getWebhooks().getFirst().getClientConfig().getCaBundle();
                assertThat(Pem.parseCertificates(new String(Base64.getDecoder().decode(caBundle), StandardCharsets.US_ASCII)))
                        .contains(oldCa, newCa);
            }
            leadership.close();
        }
    }

    private static TlsBundle stored(io.fabric8.kubernetes.client.KubernetesClient client) {
        return TlsBundle.fromSecretData(client.secrets().inNamespace(NAMESPACE).withName("coder-admission-tls").get().getData());
    }

    private static String b64(java.security.cert.X509Certificate ca) {
        return Base64.getEncoder().encodeToString(Pem.certificates(List.of(ca)).getBytes(StandardCharsets.US_ASCII));
    }
}
