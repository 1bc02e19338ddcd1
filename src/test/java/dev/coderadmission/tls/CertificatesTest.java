package dev.coderadmission.tls;

import dev.coderadmission.config.TlsConfig.KeyType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class CertificatesTest {
    private static final List<String> NAMES = List.of("coder-admission", "coder-admission.coder-admission",
            "coder-admission.coder-admission.svc", "coder-admission.coder-admission.svc.cluster.local", "10.96.0.42");

    @ParameterizedTest
    @EnumSource(KeyType.class)
    void aServingChainVerifiesAgainstItsCaWithTheRightExtensions(KeyType type) throws Exception {
        var now = Instant.now();
        var ca = Certificates.newAuthority("test-ca", Duration.ofDays(3650), type, now);
        var serving = Certificates.issueServing(ca, NAMES, Duration.ofDays(90), type, now);
        var leaf = serving.leaf();

        // CA: a CA that may only sign end entities, for certificates and CRLs
        assertThat(ca.certificate().getBasicConstraints()).isEqualTo(0);
        assertThat(ca.certificate().getKeyUsage()[5]).as("keyCertSign").isTrue();
        // serving: not a CA, serverAuth, digitalSignature, all the Service's names
        assertThat(leaf.getBasicConstraints()).isEqualTo(-1);
        assertThat(leaf.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1");
        assertThat(leaf.getKeyUsage()[0]).as("digitalSignature").isTrue();
        assertThat(leaf.getKeyUsage()[2]).as("keyEncipherment only for RSA").isEqualTo(type != KeyType.ECDSA);
        var sans = new ArrayList<String>();
        leaf.getSubjectAlternativeNames().forEach(entry -> sans.add(entry.get(0) + ":" + entry.get(1)));
        assertThat(sans).containsExactly("2:coder-admission", "2:coder-admission.coder-admission",
                "2:coder-admission.coder-admission.svc", "2:coder-admission.coder-admission.svc.cluster.local", "7:10.96.0.42");
        // validity: backdated for clock skew, ends after the lifetime asked for
        assertThat(leaf.getNotBefore()).isBefore(Date.from(now));
        assertThat(leaf.getNotAfter()).isEqualTo(Date.from(now.plus(Duration.ofDays(90)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS)));
        // key type
        switch (type) {
            case ECDSA -> assertThat(((ECPublicKey) leaf.getPublicKey()).getParams().getCurve().getField().getFieldSize()).isEqualTo(256);
            case RSA_2048 -> assertThat(((RSAPublicKey) leaf.getPublicKey()).getModulus().bitLength()).isEqualTo(2048);
            case RSA_3072 -> assertThat(((RSAPublicKey) leaf.getPublicKey()).getModulus().bitLength()).isEqualTo(3072);
        }
        // the chain verifies with the CA as the only trust anchor
        var path = CertificateFactory.getInstance("X.509").generateCertPath(List.of(leaf));
        var parameters = new PKIXParameters(Set.of(new TrustAnchor(ca.certificate(), null)));
        parameters.setRevocationEnabled(false);
        CertPathValidator.getInstance("PKIX").validate(path, parameters);
    }

    @ParameterizedTest
    @EnumSource(KeyType.class)
    void serialsAreRandomAndPositive(KeyType type) {
        var now = Instant.now();
        var ca = Certificates.newAuthority("test-ca", Duration.ofDays(30), type, now);
        var a = Certificates.issueServing(ca, NAMES, Duration.ofDays(1), type, now).leaf().getSerialNumber();
        var b = Certificates.issueServing(ca, NAMES, Duration.ofDays(1), type, now).leaf().getSerialNumber();

        assertThat(a).isNotEqualTo(b);
        assertThat(a.signum()).isPositive();
        assertThat(a.bitLength()).isGreaterThan(100);
    }
}
