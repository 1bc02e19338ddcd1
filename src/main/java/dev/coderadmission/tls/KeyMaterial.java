package dev.coderadmission.tls;

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

    public X509Certificate leaf() {
        return chain.getFirst();
    }

    public KeyStore toKeyStore() {
        try {
            var store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry(ALIAS, key, PASSWORD, chain.toArray(X509Certificate[]::new));
            return store;
        } catch (java.io.IOException | java.security.GeneralSecurityException e) {
            throw new IllegalStateException("cannot build an in-memory key store", e);
        }
    }
}
