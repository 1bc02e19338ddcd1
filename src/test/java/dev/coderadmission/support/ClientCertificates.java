package dev.coderadmission.support;

import dev.coderadmission.config.TlsConfig.KeyType;
import dev.coderadmission.tls.Certificates;
import dev.coderadmission.tls.KeyMaterial;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;

/** A client certificate (clientAuth), as kube-apiserver would present to a webhook. */
public final class ClientCertificates {
    private ClientCertificates() {
    }

    public static KeyMaterial issue(Certificates.Authority ca, String commonName) {
        try {
            var keys = Certificates.newKeyPair(KeyType.ECDSA);
            var now = Instant.now();
            var builder = new JcaX509v3CertificateBuilder(ca.certificate(), BigInteger.valueOf(now.toEpochMilli()),
                    Date.from(now.minusSeconds(60)), Date.from(now.plus(Duration.ofDays(1))), new X500Name("CN=" + commonName),
                    keys.getPublic());
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
            var certificate = new JcaX509CertificateConverter().getCertificate(
                    builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(ca.key())));
            return new KeyMaterial(keys.getPrivate(), List.of(certificate));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
