package dev.coderadmission.tls;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemWriter;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

/** PEM in and out, with Bouncy Castle: certificates, and keys as PKCS#8 (read: PKCS#8, PKCS#1, SEC1). */
public final class Pem {
    private Pem() {
    }

    public static String certificates(List<X509Certificate> certificates) {
        var out = new StringWriter();
        try (var writer = new PemWriter(out)) {
            for (var certificate : certificates) {
                writer.writeObject(new PemObject("CERTIFICATE", certificate.getEncoded()));
            }
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot encode a certificate", e);
        }
        return out.toString();
    }

    public static String privateKey(PrivateKey key) {
        var out = new StringWriter();
        try (var writer = new PemWriter(out)) {
            writer.writeObject(new JcaPKCS8Generator(key, null).generate());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    /** @throws IllegalArgumentException when the text holds no certificate or something that does not parse */
    public static List<X509Certificate> parseCertificates(String pem) {
        var result = new ArrayList<X509Certificate>();
        try (var parser = new PEMParser(new StringReader(pem))) {
            Object object;
            while ((object = parser.readObject()) != null) {
                if (object instanceof X509CertificateHolder holder) {
                    result.add(new JcaX509CertificateConverter().getCertificate(holder));
                }
            }
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("not a valid PEM certificate: " + e.getMessage(), e);
        }
        if (result.isEmpty()) {
            throw new IllegalArgumentException("no PEM certificate found");
        }
        return result;
    }

    /** @throws IllegalArgumentException when the text holds no unencrypted private key */
    public static PrivateKey parsePrivateKey(String pem) {
        try (var parser = new PEMParser(new StringReader(pem))) {
            Object object;
            var converter = new JcaPEMKeyConverter();
            while ((object = parser.readObject()) != null) {
                switch (object) {
                    case PrivateKeyInfo info -> {
                        return converter.getPrivateKey(info);
                    }
                    case PEMKeyPair pair -> {
                        return converter.getKeyPair(pair).getPrivate();
                    }
                    default -> { }
                }
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("not a valid PEM private key: " + e.getMessage(), e);
        }
        throw new IllegalArgumentException("no unencrypted PEM private key found");
    }
}
