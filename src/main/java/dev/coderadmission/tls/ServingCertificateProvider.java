package dev.coderadmission.tls;

import io.micronaut.http.ssl.CertificateProvider;
import jakarta.inject.Named;
import jakarta.inject.Singleton;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

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

    public ServingCertificateProvider(ServingCertificateSource source) {
        current.set(source.initial());
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
