package dev.coderadmission.tls;

import javax.crypto.spec.PBEParameterSpec;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * A private key and its certificate chain (leaf first).
 */
public record KeyMaterial(PrivateKey key, List<X509Certificate> chain) {
    /** Alias of the single entry in {@link #toKeyStore()}. */
    public static final String ALIAS = "coder-admission";
    /**
     * The key store only lives in memory; its password protects nothing, but JSSE's key manager
     * requires one, so it is the empty one.
     */
    public static final char[] PASSWORD = new char[0];

    public KeyMaterial {
        chain = List.copyOf(chain);
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("a certificate chain needs at least the leaf certificate");
        }
    }

    /**
     * A pair read from outside (files, a Secret) after checking that it can serve: the key belongs to the
     * leaf (a signature made with it verifies with the leaf's public key) and each certificate of the
     * chain is signed by the next. A mismatched pair would make every handshake fail.
     *
     * @throws IllegalArgumentException naming what does not match
     */
    public static KeyMaterial verified(PrivateKey key, List<X509Certificate> chain) {
        var material = new KeyMaterial(key, chain);
        material.verify();
        return material;
    }

    private void verify() {
        var challenge = "coder-admission key check".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        try {
            var algorithm = switch (key.getAlgorithm()) {
                case "EC" -> "SHA256withECDSA";
                case "RSA" -> "SHA256withRSA";
                case "Ed25519", "EdDSA" -> "Ed25519";
                case "Ed448" -> "Ed448";
                default -> throw new IllegalArgumentException("private key algorithm " + key.getAlgorithm() + " is not supported");
            };
            var signer = java.security.Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(challenge);
            var signature = signer.sign();
            var verifier = java.security.Signature.getInstance(algorithm);
            verifier.initVerify(leaf().getPublicKey());
            verifier.update(challenge);
            if (!verifier.verify(signature)) {
                throw new IllegalArgumentException("the private key does not belong to the certificate "
                        + leaf().getSubjectX500Principal().getName());
            }
        } catch (java.security.InvalidKeyException e) {
            throw new IllegalArgumentException("the private key (" + key.getAlgorithm() + ") does not belong to the "
                    + "certificate " + leaf().getSubjectX500Principal().getName() + " (" + leaf().getPublicKey().getAlgorithm()
                    + " key)");
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot check the key against the certificate: " + e.getMessage());
        }
        for (int i = 0; i + 1 < chain.size(); i++) {
            try {
                chain.get(i).verify(chain.get(i + 1).getPublicKey());
            } catch (java.security.GeneralSecurityException e) {
                throw new IllegalArgumentException("certificate " + (i + 1) + " of the chain ("
                        + chain.get(i).getSubjectX500Principal().getName() + ") is not signed by the next one ("
                        + chain.get(i + 1).getSubjectX500Principal().getName() + ")");
            }
        }
    }

    public X509Certificate leaf() {
        return chain.getFirst();
    }

    public KeyStore toKeyStore() {
        try {
            var store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            // The store never leaves memory, so the key's PBE protection needs no work factor: PKCS12's
            // default (10,000 PBKDF2 rounds to write, as many to read) was a fifth of the start-up time.
            store.setEntry(ALIAS, new KeyStore.PrivateKeyEntry(key, chain.toArray(X509Certificate[]::new)),
                    new KeyStore.PasswordProtection(PASSWORD, "PBEWithHmacSHA256AndAES_128",
                            new PBEParameterSpec(new byte[16], 1)));
            return store;
        } catch (java.io.IOException | java.security.GeneralSecurityException e) {
            throw new IllegalStateException("cannot build an in-memory key store", e);
        }
    }
}
