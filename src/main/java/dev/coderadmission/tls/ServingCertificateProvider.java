package dev.coderadmission.tls;

import io.micronaut.http.ssl.CertificateProvider;
import jakarta.inject.Named;
import jakarta.inject.Singleton;
import dev.coderadmission.config.AdmissionConfig;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The serving certificate, as Micronaut's {@link CertificateProvider} named {@value #NAME}
 * ({@code micronaut.server.ssl.key-name}). Micronaut rebuilds the Netty SSL context on every key
 * store this publishes, so replacing the certificate needs no restart and drops no open connection.
 */
@Singleton
@Named(ServingCertificateProvider.NAME)
public final class ServingCertificateProvider implements CertificateProvider {
    public static final String NAME = "coder-admission";

    private final AtomicReference<KeyMaterial> current = new AtomicReference<>();
    private final Set<KeySubscription> subscriptions = ConcurrentHashMap.newKeySet();

    private final KeyStore clientTrust;

    public ServingCertificateProvider(ServingCertificateSource source, AdmissionConfig config) {
        current.set(source.initial());
        clientTrust = config.tls().clientCaFile() == null ? emptyStore() : clientTrust(Path.of(config.tls().clientCaFile()));
        source.attach(this);
    }

    /** The CAs whose client certificates are accepted ({@code tls.client-ca-file}). */
    private static KeyStore clientTrust(Path file) {
        try {
            var store = emptyStore();
            int i = 0;
            for (var certificate : Pem.parseCertificates(Files.readString(file))) {
                store.setCertificateEntry("client-ca-" + i++, certificate);
            }
            return store;
        } catch (java.io.IOException | java.security.GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalStateException("tls.client-ca-file " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * An in-memory store. Empty, it is the trust store without client authentication: nothing is verified
     * against it, and it spares loading the JDK's 150 CA certificates at start-up, which Micronaut's
     * default trust manager does.
     */
    private static KeyStore emptyStore() {
        try {
            var store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            return store;
        } catch (java.io.IOException | java.security.GeneralSecurityException e) {
            throw new IllegalStateException("cannot create an in-memory key store", e);
        }
    }

    @Override
    public Publisher<KeyStore> getTrustStore() {
        return subscriber -> subscriber.onSubscribe(new Subscription() {
            private boolean done;

            @Override
            public void request(long n) {
                if (!done && n > 0) {
                    done = true;
                    subscriber.onNext(clientTrust);
                }
            }

            @Override
            public void cancel() {
                done = true;
            }
        });
    }

    public KeyMaterial current() {
        return current.get();
    }

    /** Serve {@code material} from now on; existing connections keep the certificate they shook hands with. */
    public void update(KeyMaterial material) {
        current.set(material);
        var store = material.toKeyStore();
        subscriptions.forEach(s -> s.offer(store));
    }

    @Override
    public String getName() {
        return NAME;
    }

    @Override
    public Publisher<KeyStore> getKeyStore() {
        return subscriber -> {
            var subscription = new KeySubscription(subscriber);
            subscriptions.add(subscription);
            subscriber.onSubscribe(subscription);
            // Emit synchronously on subscription, as CertificateProvider recommends, so the server
            // never starts without a certificate.
            subscription.offer(current.get().toKeyStore());
        };
    }

    /** A hot subscription that keeps only the newest key store while the subscriber has no demand. */
    private final class KeySubscription implements Subscription {
        private final Subscriber<? super KeyStore> subscriber;
        private final AtomicLong demand = new AtomicLong();
        private final AtomicReference<KeyStore> pending = new AtomicReference<>();
        private volatile boolean cancelled;

        KeySubscription(Subscriber<? super KeyStore> subscriber) {
            this.subscriber = subscriber;
        }

        void offer(KeyStore store) {
            pending.set(store);
            drain();
        }

        private synchronized void drain() {
            while (!cancelled && demand.get() > 0) {
                var store = pending.getAndSet(null);
                if (store == null) {
                    return;
                }
                if (demand.get() != Long.MAX_VALUE) {
                    demand.decrementAndGet();
                }
                subscriber.onNext(store);
            }
        }

        @Override
        public void request(long n) {
            if (n <= 0) {
                cancel();
                subscriber.onError(new IllegalArgumentException("request must be positive (rule 3.9)"));
                return;
            }
            demand.accumulateAndGet(n, (a, b) -> a + b < 0 ? Long.MAX_VALUE : a + b);
            drain();
        }

        @Override
        public void cancel() {
            cancelled = true;
            subscriptions.remove(this);
        }
    }
}
