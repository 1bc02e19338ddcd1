package dev.coderadmission.support;

import org.bouncycastle.tls.DefaultTlsClient;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.ServerOnlyTlsAuthentication;
import org.bouncycastle.tls.TlsAuthentication;
import org.bouncycastle.tls.TlsClientProtocol;
import org.bouncycastle.tls.TlsServerCertificate;
import org.bouncycastle.tls.crypto.impl.bc.BcTlsCrypto;

import java.io.IOException;
import java.net.Socket;
import java.security.SecureRandom;

/**
 * A Bouncy Castle TLS client that offers exactly one protocol version. The JDK's own client refuses
 * TLS 1.1 by itself (jdk.tls.disabledAlgorithms), so it cannot show that the server refuses it.
 */
public final class LegacyTlsClient {
    private LegacyTlsClient() {
    }

    /** Completes a handshake offering only {@code version}; throws if the server refuses it. */
    public static void handshake(int port, ProtocolVersion version) throws IOException {
        try (var socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(5000);
            var protocol = new TlsClientProtocol(socket.getInputStream(), socket.getOutputStream());
            protocol.connect(new DefaultTlsClient(new BcTlsCrypto(new SecureRandom())) {
                @Override
                protected ProtocolVersion[] getSupportedVersions() {
                    return new ProtocolVersion[] {version};
                }

                @Override
                public TlsAuthentication getAuthentication() {
                    return new ServerOnlyTlsAuthentication() {
                        @Override
                        public void notifyServerCertificate(TlsServerCertificate certificate) {
                            // Trust is not what this client tests; the protocol version is.
                        }
                    };
                }
            });
            protocol.close();
        }
    }
}
