package dev.coderadmission.tls;

import dev.coderadmission.config.TlsConfig;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** The rotation plan as a pure function of bundle, names and clock. */
class RotationTest {
    private static final List<String> NAMES = List.of("coder-admission", "coder-admission.coder-admission.svc");
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    /** 90 d serving renewed 30 d before expiry; 10 y CA rotated 1 y before expiry with 5 min overlap. */
    private static final TlsConfig CONFIG = TlsConfig.defaults();

    private static TlsBundle fresh() {
        return Rotation.plan(Optional.empty(), NAMES, CONFIG, T0).orElseThrow();
    }

    @Test
    void aFreshBundleHasOneCaThatSignsTheServingCertificate() {
        var bundle = fresh();

        assertThat(bundle.trusted()).containsExactly(bundle.signer().certificate());
        assertThat(bundle.next()).isEmpty();
        assertThat(bundle.serving().chain()).containsExactly(bundle.serving().leaf(), bundle.signer().certificate());
        assertThat(Rotation.covers(bundle.serving().leaf(), NAMES)).isTrue();
    }

    @Test
    void nothingChangesWhileEverythingIsFresh() {
        var bundle = fresh();

        assertThat(Rotation.plan(Optional.of(bundle), NAMES, CONFIG, T0.plus(Duration.ofDays(59)))).isEmpty();
    }

    @Test
    void theServingCertificateIsRenewedBeforeItExpiresByTheSameCa() {
        var bundle = fresh();

        var renewed = Rotation.plan(Optional.of(bundle), NAMES, CONFIG, T0.plus(Duration.ofDays(61))).orElseThrow();

        assertThat(renewed.serving().leaf()).isNotEqualTo(bundle.serving().leaf());
        assertThat(renewed.signer().certificate()).isEqualTo(bundle.signer().certificate());
        assertThat(renewed.trusted()).isEqualTo(bundle.trusted());
    }

    @Test
    void newNamesGetANewServingCertificate() {
        var bundle = fresh();
        var more = List.of("coder-admission", "coder-admission.coder-admission.svc", "webhook.example.internal");

        var reissued = Rotation.plan(Optional.of(bundle), more, CONFIG, T0.plus(Duration.ofDays(1))).orElseThrow();

        assertThat(Rotation.covers(reissued.serving().leaf(), more)).isTrue();
    }

    @Test
    void aCaRotationFirstTrustsBothThenSignsWithTheNewOneAndDropsTheOldAtItsExpiry() {
        var bundle = fresh();
        var oldCa = bundle.signer().certificate();
        var nearCaExpiry = T0.plus(Duration.ofDays(3650 - 364));

        // phase A: the new CA is trusted, not yet signing; serving renewed (near its own expiry too) by the old CA
        var phaseA = Rotation.plan(Optional.of(bundle), NAMES, CONFIG, nearCaExpiry).orElseThrow();
        var newCa = phaseA.next().orElseThrow().certificate();
        assertThat(phaseA.trusted()).containsExactly(newCa, oldCa);
        assertThat(phaseA.signer().certificate()).isEqualTo(oldCa);
        assertThat(phaseA.serving().leaf().getIssuerX500Principal()).isEqualTo(oldCa.getSubjectX500Principal());
        assertThat(Rotation.plan(Optional.of(phaseA), NAMES, CONFIG, nearCaExpiry.plusSeconds(60))).isEmpty();

        // phase B, after the overlap: the new CA signs a new serving certificate; the old one stays trusted
        var phaseB = Rotation.plan(Optional.of(phaseA), NAMES, CONFIG, nearCaExpiry.plus(Duration.ofMinutes(6))).orElseThrow();
        assertThat(phaseB.signer().certificate()).isEqualTo(newCa);
        assertThat(phaseB.next()).isEmpty();
        assertThat(phaseB.serving().leaf().getIssuerX500Principal()).isEqualTo(newCa.getSubjectX500Principal());
        assertThat(phaseB.trusted()).containsExactly(newCa, oldCa);

        // once the old CA has expired it leaves the bundle
        var afterOldExpiry = T0.plus(Duration.ofDays(3651));
        var cleaned = Rotation.plan(Optional.of(phaseB), NAMES, CONFIG, afterOldExpiry).orElseThrow();
        assertThat(cleaned.trusted()).containsExactly(newCa);
    }

    @Test
    void theNewCaDoesNotSignUntilEveryWebhookConfigurationTrustsIt() {
        var nearCaExpiry = T0.plus(Duration.ofDays(3650 - 364));
        var phaseA = Rotation.plan(Optional.of(fresh()), NAMES, CONFIG, nearCaExpiry).orElseThrow();
        var afterOverlap = nearCaExpiry.plus(Duration.ofMinutes(6));

        assertThat(Rotation.plan(Optional.of(phaseA), NAMES, CONFIG, afterOverlap, false)).isEmpty();
        var switched = Rotation.plan(Optional.of(phaseA), NAMES, CONFIG, afterOverlap, true).orElseThrow();
        assertThat(switched.signer().certificate()).isEqualTo(phaseA.next().orElseThrow().certificate());
    }

    @Test
    void aServingCertificateFromAnotherCaOfTheSameNameIsReissued() {
        var bundle = fresh();
        // every CA this webhook makes is called coder-admission-ca: only the signature tells them apart
        var impostor = Certificates.newAuthority("coder-admission-ca", Duration.ofDays(3650), TlsConfig.KeyType.ECDSA, T0);
        var foreign = Certificates.issueServing(impostor, NAMES, Duration.ofDays(90), TlsConfig.KeyType.ECDSA, T0);
        var mixed = new TlsBundle(bundle.signer(), bundle.next(), bundle.nextSince(), bundle.trusted(), foreign);
        assertThat(foreign.leaf().getIssuerX500Principal()).isEqualTo(bundle.signer().certificate().getSubjectX500Principal());

        var fixed = Rotation.plan(Optional.of(mixed), NAMES, CONFIG, T0.plus(Duration.ofDays(1))).orElseThrow();

        assertThat(Rotation.signedBy(fixed.serving().leaf(), bundle.signer().certificate())).isTrue();
        assertThat(Rotation.signedBy(foreign.leaf(), bundle.signer().certificate())).isFalse();
    }

    @Test
    void theBundleRoundTripsThroughSecretData() {
        var bundle = Rotation.plan(Optional.of(fresh()), NAMES, CONFIG, T0.plus(Duration.ofDays(3650 - 364))).orElseThrow();

        var back = TlsBundle.fromSecretData(bundle.toSecretData());

        assertThat(back.signer().certificate()).isEqualTo(bundle.signer().certificate());
        assertThat(back.signer().key()).isEqualTo(bundle.signer().key());
        assertThat(back.next().map(Certificates.Authority::certificate)).isEqualTo(bundle.next().map(Certificates.Authority::certificate));
        assertThat(back.nextSince()).isEqualTo(bundle.nextSince());
        assertThat(back.trusted()).isEqualTo(bundle.trusted());
        assertThat(back.serving().chain()).isEqualTo(bundle.serving().chain());
        assertThat(back.serving().key()).isEqualTo(bundle.serving().key());
    }
}
