package dev.coderadmission.tls;

import dev.coderadmission.tls.Certificates.Authority;

import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Everything the self-managed mode keeps in its Secret, the source of truth that every replica serves
 * from: the signing CA, the CA that will replace it (during a CA rotation), every CA the webhook
 * configurations must trust, and the serving pair.
 *
 * @param signer    the CA that signs serving certificates now
 * @param next      the CA being introduced: trusted (in {@link #trusted}) but not yet signing
 * @param nextSince when {@code next} was introduced (the overlap runs from here)
 * @param trusted   the caBundle: every CA a serving certificate may currently be signed by
 * @param serving   the serving key and chain (leaf, then {@code signer})
 */
public record TlsBundle(Authority signer, Optional<Authority> next, Optional<Instant> nextSince,
                        List<X509Certificate> trusted, KeyMaterial serving) {

    static final String CA_CRT = "ca.crt";
    static final String CA_KEY = "ca.key";
    static final String CA_BUNDLE = "ca-bundle.crt";
    static final String NEXT_CRT = "ca-next.crt";
    static final String NEXT_KEY = "ca-next.key";
    static final String NEXT_SINCE = "ca-next-since";
    static final String TLS_CRT = "tls.crt";
    static final String TLS_KEY = "tls.key";

    public TlsBundle {
        trusted = List.copyOf(trusted);
    }

    public String caBundlePem() {
        return Pem.certificates(trusted);
    }

    /** The Secret's {@code data}: base64 of each PEM, as Kubernetes stores it. */
    public Map<String, String> toSecretData() {
        var data = new LinkedHashMap<String, String>();
        data.put(CA_CRT, b64(Pem.certificates(List.of(signer.certificate()))));
        data.put(CA_KEY, b64(Pem.privateKey(signer.key())));
        data.put(CA_BUNDLE, b64(caBundlePem()));
        next.ifPresent(n -> {
            data.put(NEXT_CRT, b64(Pem.certificates(List.of(n.certificate()))));
            data.put(NEXT_KEY, b64(Pem.privateKey(n.key())));
        });
        nextSince.ifPresent(t -> data.put(NEXT_SINCE, b64(t.toString())));
        data.put(TLS_CRT, b64(Pem.certificates(serving.chain())));
        data.put(TLS_KEY, b64(Pem.privateKey(serving.key())));
        return data;
    }

    /** @throws IllegalArgumentException when a key is missing or does not parse */
    public static TlsBundle fromSecretData(Map<String, String> data) {
        if (data == null) {
            throw new IllegalArgumentException("the Secret has no data");
        }
        var signer = new Authority(Pem.parseCertificates(text(data, CA_CRT)).getFirst(), Pem.parsePrivateKey(text(data, CA_KEY)));
        Optional<Authority> next = data.containsKey(NEXT_CRT)
                ? Optional.of(new Authority(Pem.parseCertificates(text(data, NEXT_CRT)).getFirst(),
                Pem.parsePrivateKey(text(data, NEXT_KEY))))
                : Optional.empty();
        Optional<Instant> nextSince = data.containsKey(NEXT_SINCE) ? Optional.of(Instant.parse(text(data, NEXT_SINCE)))
                : Optional.empty();
        var serving = new KeyMaterial(Pem.parsePrivateKey(text(data, TLS_KEY)), Pem.parseCertificates(text(data, TLS_CRT)));
        return new TlsBundle(signer, next, nextSince, new ArrayList<>(Pem.parseCertificates(text(data, CA_BUNDLE))), serving);
    }

    private static String text(Map<String, String> data, String key) {
        var value = data.get(key);
        if (value == null) {
            throw new IllegalArgumentException("the Secret has no " + key);
        }
        return new String(Base64.getDecoder().decode(value), StandardCharsets.US_ASCII);
    }

    private static String b64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.US_ASCII));
    }
}
