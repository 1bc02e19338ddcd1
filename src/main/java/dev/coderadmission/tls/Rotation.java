package dev.coderadmission.tls;

import dev.coderadmission.config.TlsConfig;
import dev.coderadmission.tls.Certificates.Authority;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;

/**
 * What the certificates should be at an instant: a pure function of the current bundle, the names
 * and the clock (cert-controller's rotator). The leader applies it; nothing here does I/O.
 *
 * <p>A CA rotation is two-phase so no request fails: first the new CA is only added to the caBundle
 * (every API server trusts both), and only after {@code tls.ca-overlap} <em>and</em> once every named
 * webhook configuration is seen to carry it ({@code nextTrusted}) does it start signing: a caBundle
 * write that keeps failing (a wrong name, missing RBAC) holds the rotation instead of breaking every
 * call. The old CA stays in the bundle until it expires, so certificates it signed stay trusted meanwhile.
 */
public final class Rotation {
    private Rotation() {
    }

    /** The bundle to store, or empty when {@code current} is fine as it is. */
    public static Optional<TlsBundle> plan(Optional<TlsBundle> current, List<String> names, TlsConfig config, Instant now) {
        return plan(current, names, config, now, true);
    }

    /** @param nextTrusted whether every webhook configuration trusts {@code current}'s next CA already */
    public static Optional<TlsBundle> plan(Optional<TlsBundle> current, List<String> names, TlsConfig config, Instant now,
                                           boolean nextTrusted) {
        if (current.isEmpty()) {
            var ca = Certificates.newAuthority("coder-admission-ca", config.caValidity(), config.keyType(), now);
            return Optional.of(new TlsBundle(ca, Optional.empty(), Optional.empty(), List.of(ca.certificate()),
                    serving(ca, names, config, now)));
        }
        var bundle = current.get();
        var signer = bundle.signer();
        var next = bundle.next();
        var nextSince = bundle.nextSince();
        var trusted = new ArrayList<X509Certificate>(bundle.trusted());
        var serving = bundle.serving();

        if (next.isEmpty() && expiresWithin(signer.certificate(), config.caRenewBefore(), now)) {
            var fresh = Certificates.newAuthority("coder-admission-ca", config.caValidity(), config.keyType(), now);
            next = Optional.of(fresh);
            nextSince = Optional.of(now);
            trusted.addFirst(fresh.certificate());
        }
        if (next.isPresent() && nextTrusted && overlapOver(bundle, config, now)) {
            signer = next.get();
            next = Optional.empty();
            nextSince = Optional.empty();
            serving = serving(signer, names, config, now);
        }
        if (expiresWithin(serving.leaf(), config.renewBefore(), now) || !covers(serving.leaf(), names)
                || !signedBy(serving.leaf(), signer.certificate())) {
            serving = serving(signer, names, config, now);
        }
        var keep = new ArrayList<X509Certificate>();
        for (var ca : trusted) {
            var expired = ca.getNotAfter().toInstant().isBefore(now);
            if ((!expired || ca.equals(signer.certificate())) && !keep.contains(ca)) {
                keep.add(ca);
            }
        }
        if (!keep.contains(signer.certificate())) {
            keep.addFirst(signer.certificate());
        }
        var planned = new TlsBundle(signer, next, nextSince, keep, serving);
        return unchanged(bundle, planned) ? Optional.empty() : Optional.of(planned);
    }

    private static KeyMaterial serving(Authority ca, List<String> names, TlsConfig config, Instant now) {
        var issued = Certificates.issueServing(ca, names, config.servingValidity(), config.keyType(), now);
        var chain = new ArrayList<>(issued.chain());
        chain.add(ca.certificate());
        return new KeyMaterial(issued.key(), chain);
    }

    /** Whether {@code bundle}'s next CA has been trusted for {@code tls.ca-overlap} (it may sign, once trusted everywhere). */
    public static boolean overlapOver(TlsBundle bundle, TlsConfig config, Instant now) {
        return bundle.nextSince().map(since -> !now.isBefore(since.plus(config.caOverlap()))).orElse(false);
    }

    /**
     * Whether {@code certificate}'s signature verifies with {@code ca}'s key. Issuer names cannot tell:
     * every CA this webhook makes is called coder-admission-ca.
     */
    static boolean signedBy(X509Certificate certificate, X509Certificate ca) {
        try {
            certificate.verify(ca.getPublicKey());
            return true;
        } catch (java.security.GeneralSecurityException e) {
            return false;
        }
    }

    static boolean expiresWithin(X509Certificate certificate, Duration window, Instant now) {
        return certificate.getNotAfter().toInstant().minus(window).isBefore(now);
    }

    static boolean covers(X509Certificate certificate, List<String> names) {
        try {
            var sans = new HashSet<String>();
            var alternatives = certificate.getSubjectAlternativeNames();
            if (alternatives != null) {
                alternatives.forEach(entry -> sans.add(String.valueOf(entry.get(1))));
            }
            return sans.containsAll(names.stream().filter(n -> !Certificates.isIp(n)).toList());
        } catch (CertificateParsingException e) {
            return false;
        }
    }

    private static boolean unchanged(TlsBundle before, TlsBundle after) {
        return before.signer().certificate().equals(after.signer().certificate())
                && before.next().map(Authority::certificate).equals(after.next().map(Authority::certificate))
                && before.trusted().equals(after.trusted())
                && before.serving().leaf().equals(after.serving().leaf());
    }
}
