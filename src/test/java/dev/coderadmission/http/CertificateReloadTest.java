package dev.coderadmission.http;

import dev.coderadmission.config.AdmissionConfig;
import dev.coderadmission.support.TestServer;
import dev.coderadmission.tls.Certificates;
import dev.coderadmission.tls.ServingCertificateProvider;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** A new serving certificate is used by new connections at once, with no restart; tls.key-type holds in every mode. */
class CertificateReloadTest {

    @Test
    void anUpdatedCertificateIsServedToNewConnections() throws Exception {
        try (var server = TestServer.start(AdmissionConfig.defaults())) {
            var provider = server.context().getBean(ServingCertificateProvider.class);
            var first = provider.current().leaf();
            var second = Certificates.selfSignedServing(List.of("localhost"), Duration.ofDays(1), dev.coderadmission.config.TlsConfig.KeyType.ECDSA, Instant.now());

            assertThat(servedCertificate(server.httpsPort(), first, second.leaf())).isEqualTo(first);
            provider.update(second);
            assertThat(servedCertificate(server.httpsPort(), first, second.leaf())).isEqualTo(second.leaf());
        }
    }

    @Test
    void theEphemeralCertificateHasTheConfiguredKeyType() throws Exception {
        var rsa = dev.coderadmission.config.TlsConfig.builder().keyType(dev.coderadmission.config.TlsConfig.KeyType.RSA_2048).build();
        try (var server = TestServer.start(AdmissionConfig.defaults().withTls(rsa))) {
            var leaf = server.context().getBean(ServingCertificateProvider.class).current().leaf();
            var served = servedCertificate(server.httpsPort(), leaf);
            assertThat(served.getPublicKey().getAlgorithm()).isEqualTo("RSA");
            assertThat(((java.security.interfaces.RSAPublicKey) served.getPublicKey()).getModulus().bitLength()).isEqualTo(2048);
        }
    }

    private static X509Certificate servedCertificate(int port, X509Certificate... trusted) throws Exception {
        var store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        for (int i = 0; i < trusted.length; i++) {
            store.setCertificateEntry("c" + i, trusted[i]);
        }
        var trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(store);
        var context = SSLContext.getInstance("TLS");
        context.init(null, trust.getTrustManagers(), null);
        try (var socket = (SSLSocket) context.getSocketFactory().createSocket("localhost", port)) {
            socket.setSoTimeout(5000);
            socket.startHandshake();
            return (X509Certificate) socket.getSession().getPeerCertificates()[0];
        }
    }
}
