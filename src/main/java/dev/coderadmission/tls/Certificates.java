package dev.coderadmission.tls;

import dev.coderadmission.config.TlsConfig.KeyType;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;

/**
 * Certificate issuing with Bouncy Castle: ECDSA P-256 keys by default (RSA 2048/3072 selectable),
 * random 159-bit serials (a fixed serial makes clients reject a renewed certificate), start dates
 * backdated to tolerate clock skew between nodes.
 */
public final class Certificates {
    private static final SecureRandom RANDOM = new SecureRandom();
    /** Nodes' clocks drift; a certificate valid "from now" fails on a node that is a minute behind. */
    private static final Duration BACKDATE = Duration.ofMinutes(5);

    private Certificates() {
    }

    /** A CA certificate and its key. */
    public record Authority(X509Certificate certificate, PrivateKey key) {
    }

    public static KeyPair newKeyPair(KeyType type) {
        try {
            if (type == KeyType.ECDSA) {
                var generator = KeyPairGenerator.getInstance("EC");
                generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
                return generator.generateKeyPair();
            }
            var generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(type == KeyType.RSA_3072 ? 3072 : 2048, RANDOM);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK cannot generate " + type + " keys", e);
        }
    }

    /** A self-signed CA that may sign only end-entity certificates (path length 0). */
    public static Authority newAuthority(String commonName, Duration validity, KeyType type, Instant now) {
        var keys = newKeyPair(type);
        var name = new X500Name("CN=" + commonName + ", O=coder-admission");
        try {
            var builder = new JcaX509v3CertificateBuilder(name, serial(), Date.from(now.minus(BACKDATE)),
                    Date.from(now.plus(validity)), name, keys.getPublic());
            var extensions = new JcaX509ExtensionUtils();
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            builder.addExtension(Extension.subjectKeyIdentifier, false, extensions.createSubjectKeyIdentifier(keys.getPublic()));
            return new Authority(sign(builder, keys.getPrivate()), keys.getPrivate());
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new IllegalStateException("cannot issue a CA certificate", e);
        }
    }

    /** A serving certificate for {@code names} (DNS names and IP addresses) signed by {@code ca}. */
    public static KeyMaterial issueServing(Authority ca, List<String> names, Duration validity, KeyType type, Instant now) {
        var keys = newKeyPair(type);
        try {
            var builder = new JcaX509v3CertificateBuilder(ca.certificate(), serial(), Date.from(now.minus(BACKDATE)),
                    Date.from(now.plus(validity)), new X500Name("CN=" + names.getFirst()), keys.getPublic());
            addServingExtensions(builder, names, keys.getPublic());
            builder.addExtension(Extension.authorityKeyIdentifier, false,
                    new JcaX509ExtensionUtils().createAuthorityKeyIdentifier(ca.certificate()));
            return new KeyMaterial(keys.getPrivate(), List.of(sign(builder, ca.key())));
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new IllegalStateException("cannot issue a serving certificate", e);
        }
    }

    /**
     * A self-signed serving certificate for {@code names}: what {@code serve} uses out of the box,
     * when no CA is configured.
     */
    public static KeyMaterial selfSignedServing(List<String> names, Duration validity, KeyType type, Instant now) {
        var keys = newKeyPair(type);
        var subject = new X500Name("CN=" + names.getFirst());
        try {
            var builder = new JcaX509v3CertificateBuilder(subject, serial(), Date.from(now.minus(BACKDATE)),
                    Date.from(now.plus(validity)), subject, keys.getPublic());
            addServingExtensions(builder, names, keys.getPublic());
            return new KeyMaterial(keys.getPrivate(), List.of(sign(builder, keys.getPrivate())));
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new IllegalStateException("cannot issue a self-signed certificate", e);
        }
    }

    private static void addServingExtensions(X509v3CertificateBuilder builder, List<String> names, PublicKey key)
            throws java.io.IOException, GeneralSecurityException {
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        // RSA key exchange in TLS 1.2 needs keyEncipherment; ECDSA and TLS 1.3 need digitalSignature only.
        builder.addExtension(Extension.keyUsage, true, new KeyUsage("RSA".equals(key.getAlgorithm())
                ? KeyUsage.digitalSignature | KeyUsage.keyEncipherment : KeyUsage.digitalSignature));
        builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
        builder.addExtension(Extension.subjectKeyIdentifier, false, new JcaX509ExtensionUtils().createSubjectKeyIdentifier(key));
        builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names.stream()
                .map(name -> new GeneralName(isIp(name) ? GeneralName.iPAddress : GeneralName.dNSName, name))
                .toArray(GeneralName[]::new)));
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey signer) throws GeneralSecurityException {
        try {
            var algorithm = "RSA".equals(signer.getAlgorithm()) ? "SHA256withRSA" : "SHA256withECDSA";
            return new JcaX509CertificateConverter().getCertificate(builder.build(new JcaContentSignerBuilder(algorithm).build(signer)));
        } catch (OperatorCreationException e) {
            throw new GeneralSecurityException(e);
        }
    }

    static boolean isIp(String name) {
        return name.chars().allMatch(c -> Character.isDigit(c) || c == '.') || name.contains(":");
    }

    private static BigInteger serial() {
        return new BigInteger(159, RANDOM).add(BigInteger.ONE);
    }
}
