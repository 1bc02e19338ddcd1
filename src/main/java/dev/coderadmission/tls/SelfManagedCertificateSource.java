package dev.coderadmission.tls;

import dev.coderadmission.config.TlsConfig;
import dev.coderadmission.cluster.Informers;
import dev.coderadmission.cluster.Leadership;
import dev.coderadmission.cluster.Synced;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhook;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhook;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.WebhookClientConfig;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.HttpURLConnection;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * {@code tls.mode: self-managed}: a CA and serving certificate kept in one Secret that every replica
 * serves from (watched by an informer). Start-up creates the Secret if it is absent; when two replicas
 * race, the API server accepts one create (409 for the other, which then reads the winner's), so all
 * serve one pair. The elected leader renews on schedule ({@link Rotation}) with optimistic concurrency
 * (resourceVersion) and keeps the caBundle of the named webhook configurations in sync: continuously,
 * so a Helm upgrade that resets a caBundle is corrected on the next check.
 */
public final class SelfManagedCertificateSource implements ServingCertificateSource, Synced, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SelfManagedCertificateSource.class);

    private final KubernetesClient client;
    private final TlsConfig config;
    private final String namespace;
    private final List<String> names;
    private final Leadership leadership;
    private final Clock clock;
    private final ScheduledExecutorService scheduler =
            Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("tls-rotation").daemon().factory());
    private volatile TlsBundle bundle;
    private SharedIndexInformer<Secret> informer;

    public SelfManagedCertificateSource(KubernetesClient client, TlsConfig config, String namespace, Leadership leadership,
                                        Clock clock) {
        this.client = client;
        this.config = config;
        this.namespace = namespace;
        this.names = config.dnsNames(namespace);
        this.leadership = leadership;
        this.clock = clock;
    }

    public TlsBundle bundle() {
        return bundle;
    }

    @Override
    public KeyMaterial initial() {
        bundle = loadOrCreate();
        return bundle.serving();
    }

    private TlsBundle loadOrCreate() {
        var secrets = client.secrets().inNamespace(namespace);
        for (int attempt = 0; attempt < 5; attempt++) {
            var existing = secrets.withName(config.secretName()).get();
            if (existing != null) {
                var parsed = parse(existing);
                if (parsed.isPresent()) {
                    return parsed.get();
                }
                LOG.warn("Secret {}/{} holds no usable certificates; replacing it", namespace, config.secretName());
            }
            var fresh = Rotation.plan(Optional.empty(), names, config, clock.instant()).orElseThrow();
            try {
                if (existing == null) {
                    secrets.resource(secret(fresh, null)).create();
                } else {
                    secrets.resource(secret(fresh, existing.getMetadata().getResourceVersion())).update();
                }
                LOG.info("created the webhook CA and serving certificate in Secret {}/{}", namespace, config.secretName());
                return fresh;
            } catch (KubernetesClientException e) {
                if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
                    throw e;
                }
                // another replica stored its pair first: serve that one, so every replica serves the same
            }
        }
        throw new IllegalStateException("Secret " + namespace + "/" + config.secretName() + " keeps changing; giving up");
    }

    private Secret secret(TlsBundle value, String resourceVersion) {
        return new SecretBuilder()
                .withNewMetadata().withName(config.secretName()).withNamespace(namespace).withResourceVersion(resourceVersion)
                .addToLabels("app.kubernetes.io/managed-by", "coder-admission").endMetadata()
                .withType("Opaque")
                .withData(value.toSecretData())
                .build();
    }

    private Optional<TlsBundle> parse(Secret secret) {
        try {
            return Optional.of(TlsBundle.fromSecretData(secret.getData()));
        } catch (RuntimeException e) {
            LOG.warn("Secret {}/{} does not parse: {}", namespace, config.secretName(), e.getMessage());
            return Optional.empty();
        }
    }

    @Override
    public void attach(ServingCertificateProvider provider) {
        informer = client.secrets().inNamespace(namespace).withName(config.secretName()).runnableInformer(0);
        informer.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Secret secret) {
                serve(secret, provider);
            }

            @Override
            public void onUpdate(Secret old, Secret secret) {
                serve(secret, provider);
            }

            @Override
            public void onDelete(Secret secret, boolean finalStateUnknown) {
                LOG.warn("Secret {}/{} was deleted; the leader will recreate it", namespace, config.secretName());
            }
        });
        Informers.start(informer, name());
        leadership.addListener(() -> scheduler.execute(this::reconcileSafely));
        scheduler.scheduleWithFixedDelay(this::reconcileSafely, config.checkInterval().toMillis(),
                config.checkInterval().toMillis(), TimeUnit.MILLISECONDS);
    }

    private void serve(Secret secret, ServingCertificateProvider provider) {
        parse(secret).ifPresent(parsed -> {
            bundle = parsed;
            if (!parsed.serving().leaf().equals(provider.current().leaf())) {
                provider.update(parsed.serving());
                LOG.info("serving certificate {} (expires {}) from Secret {}/{}",
                        parsed.serving().leaf().getSerialNumber().toString(16),
                        parsed.serving().leaf().getNotAfter().toInstant(), namespace, config.secretName());
            }
        });
    }

    private void reconcileSafely() {
        try {
            if (leadership.isLeader()) {
                reconcile();
            }
        } catch (RuntimeException e) {
            LOG.error("certificate check failed; retrying in {}", config.checkInterval(), e);
        }
    }

    /**
     * One leader pass: make the caBundles say what the Secret says, then renew what is due, gating the
     * switch to a new CA on every named webhook configuration trusting it.
     */
    void reconcile() {
        var secrets = client.secrets().inNamespace(namespace);
        var stored = secrets.withName(config.secretName()).get();
        var current = stored == null ? Optional.<TlsBundle>empty() : parse(stored);
        current.ifPresent(bundle -> injectCaBundle(bundle.caBundlePem()));
        var nextTrusted = current.flatMap(TlsBundle::next).map(next -> trustedEverywhere(next.certificate())).orElse(true);
        var now = clock.instant();
        if (!nextTrusted && current.map(bundle -> Rotation.overlapOver(bundle, config, now)).orElse(false)) {
            LOG.warn("CA rotation is waiting: not every webhook configuration in tls.webhook-configurations trusts the new "
                    + "CA yet, so the old CA keeps signing (see the caBundle warnings above)");
        }
        var planned = Rotation.plan(current, names, config, now, nextTrusted);
        if (planned.isEmpty()) {
            return;
        }
        try {
            if (stored == null) {
                secrets.resource(secret(planned.get(), null)).create();
            } else {
                secrets.resource(secret(planned.get(), stored.getMetadata().getResourceVersion())).update();
            }
        } catch (KubernetesClientException e) {
            if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
                throw e;
            }
            LOG.info("Secret {}/{} changed meanwhile; checking again next time", namespace, config.secretName());
            return;
        }
        var effective = planned.get();
        LOG.info("rotated certificates in Secret {}/{}: serving {} expires {}, CAs trusted {}", namespace,
                config.secretName(), effective.serving().leaf().getSerialNumber().toString(16),
                effective.serving().leaf().getNotAfter().toInstant(), effective.trusted().size());
        injectCaBundle(effective.caBundlePem());
    }

    private void injectCaBundle(String pem) {
        var caBundle = Base64.getEncoder().encodeToString(pem.getBytes(StandardCharsets.US_ASCII));
        var admission = client.admissionRegistration().v1();
        for (var name : config.webhookConfigurations().mutating()) {
            inject("MutatingWebhookConfiguration", name, admission.mutatingWebhookConfigurations().withName(name),
                    c -> c.getWebhooks().stream().map(MutatingWebhook::getClientConfig).toList(), caBundle);
        }
        for (var name : config.webhookConfigurations().validating()) {
            inject("ValidatingWebhookConfiguration", name, admission.validatingWebhookConfigurations().withName(name),
                    c -> c.getWebhooks().stream().map(ValidatingWebhook::getClientConfig).toList(), caBundle);
        }
    }

    /** Sets caBundle on every webhook of one configuration, if any differs; a failure is logged and retried next pass. */
    private static <T extends HasMetadata> void inject(String kind, String name, Resource<T> resource,
                                                       Function<T, List<WebhookClientConfig>> clientConfigs, String caBundle) {
        try {
            var existing = resource.get();
            if (existing == null) {
                LOG.warn("{} {} named in tls.webhook-configurations does not exist (yet); its caBundle cannot be set",
                        kind, name);
                return;
            }
            if (clientConfigs.apply(existing).stream().anyMatch(c -> !caBundle.equals(c.getCaBundle()))) {
                resource.edit(c -> {
                    clientConfigs.apply(c).forEach(clientConfig -> clientConfig.setCaBundle(caBundle));
                    return c;
                });
                LOG.info("caBundle of {} {} updated", kind, name);
            }
        } catch (KubernetesClientException e) {
            LOG.warn("cannot set the caBundle of {} {}: {}; retrying on the next check", kind, name, e.getMessage());
        }
    }

    /** Whether every webhook of every named configuration has {@code ca} in its caBundle. */
    private boolean trustedEverywhere(X509Certificate ca) {
        var admission = client.admissionRegistration().v1();
        var bundles = new java.util.ArrayList<String>();
        try {
            for (var name : config.webhookConfigurations().mutating()) {
                var configuration = admission.mutatingWebhookConfigurations().withName(name).get();
                if (configuration == null) {
                    return false;
                }
                configuration.getWebhooks().forEach(w -> bundles.add(w.getClientConfig().getCaBundle()));
            }
            for (var name : config.webhookConfigurations().validating()) {
                var configuration = admission.validatingWebhookConfigurations().withName(name).get();
                if (configuration == null) {
                    return false;
                }
                configuration.getWebhooks().forEach(w -> bundles.add(w.getClientConfig().getCaBundle()));
            }
        } catch (KubernetesClientException e) {
            return false;
        }
        return bundles.stream().allMatch(bundle -> contains(bundle, ca));
    }

    private static boolean contains(String caBundle, X509Certificate ca) {
        if (caBundle == null || caBundle.isEmpty()) {
            return false;
        }
        try {
            return Pem.parseCertificates(new String(Base64.getDecoder().decode(caBundle), StandardCharsets.US_ASCII)).contains(ca);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    @Override
    public String name() {
        return "Secret " + namespace + "/" + config.secretName();
    }

    @Override
    public boolean hasSynced() {
        return informer != null && informer.hasSynced();
    }

    @Override
    public boolean isWatching() {
        return hasSynced() && informer.isWatching();
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
        if (informer != null) {
            informer.close();
        }
    }
}
