package dev.coderadmission.support;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;

/** TLS clients for tests: trusting only given CAs, optionally presenting a client certificate. */
public final class Tls {
    private Tls() {
    }

    public static SSLContext trusting(List<X509Certificate> anchors) {
        return context(anchors, null, null);
    }

    public static SSLContext context(List<X509Certificate> anchors, PrivateKey clientKey, List<X509Certificate> clientChain) {
        try {
            var trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            for (int i = 0; i < anchors.size(); i++) {
                trust.setCertificateEntry("anchor-" + i, anchors.get(i));
            }
            var trustFactory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trustFactory.init(trust);
            KeyManagerFactory keyFactory = null;
            if (clientKey != null) {
                var keys = KeyStore.getInstance("PKCS12");
                keys.load(null, null);
                keys.setKeyEntry("client", clientKey, new char[0], clientChain.toArray(X509Certificate[]::new));
                keyFactory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                keyFactory.init(keys, new char[0]);
            }
            var context = SSLContext.getInstance("TLS");
            context.init(keyFactory == null ? null : keyFactory.getKeyManagers(), trustFactory.getTrustManagers(), null);
            return context;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Handshakes with {@code host:port} (hostname verified) and returns the server's leaf certificate. */
    public static X509Certificate served(SSLContext context, String host, int port) throws Exception {
        try (var socket = (SSLSocket) context.getSocketFactory().createSocket(host, port)) {
            socket.setSoTimeout(5000);
            var parameters = socket.getSSLParameters();
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            socket.setSSLParameters(parameters);
            socket.startHandshake();
            return (X509Certificate) socket.getSession().getPeerCertificates()[0];
        }
    }
}
