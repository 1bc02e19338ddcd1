package dev.coderadmission.cluster;

import dev.coderadmission.admission.NotSynced;
import dev.coderadmission.config.AgentUrlConfig;
import dev.coderadmission.policy.agenturl.AgentUrl;
import dev.coderadmission.policy.agenturl.AgentUrls;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The internal Coder URL, live from one ConfigMap through a fabric8 informer: a watch, not a GET per
 * admission request. Falls back to {@code agent-url.url} while the ConfigMap has no valid value.
 */
public final class ConfigMapAgentUrl implements AgentUrl, Synced, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ConfigMapAgentUrl.class);

    private final AgentUrlConfig config;
    private final String description;
    private final AtomicReference<Optional<String>> live = new AtomicReference<>(Optional.empty());
    private final SharedIndexInformer<ConfigMap> informer;

    public ConfigMapAgentUrl(KubernetesClient client, AgentUrlConfig config) {
        this.config = config;
        this.description = "ConfigMap " + config.configMap() + " key " + config.configMapKey()
                + config.staticUrl().map(u -> ", else agent-url.url").orElse("");
        informer = client.configMaps().inNamespace(config.configMapNamespace()).withName(config.configMapName())
                .runnableInformer(0);
        informer.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(ConfigMap configMap) {
                apply(configMap);
            }

            @Override
            public void onUpdate(ConfigMap old, ConfigMap configMap) {
                apply(configMap);
            }

            @Override
            public void onDelete(ConfigMap configMap, boolean finalStateUnknown) {
                live.set(Optional.empty());
                LOG.warn("{} was deleted; agent URL now {}", config.configMap(), current().orElse("unknown"));
            }
        });
        Informers.start(informer, name());
    }

    private void apply(ConfigMap configMap) {
        var url = AgentUrls.fromConfigMapData(configMap.getData(), config.configMapKey(),
                "ConfigMap " + config.configMap() + " key " + config.configMapKey(), LOG::error);
        var previous = live.getAndSet(url);
        if (!previous.equals(url)) {
            LOG.info("agent URL from {}: {}", config.configMap(), url.orElse("none"));
        }
    }

    @Override
    public Optional<String> current() {
        if (!informer.hasSynced()) {
            // the ConfigMap may say another URL than the fallback: injecting a guess would move agents twice
            throw new NotSynced(name());
        }
        var value = live.get();
        return value.isPresent() ? value : config.staticUrl();
    }

    /** What the ConfigMap says right now, without the fallback. */
    Optional<String> fromConfigMap() {
        return live.get();
    }

    @Override
    public String source() {
        return description;
    }

    @Override
    public String name() {
        return "configmap " + config.configMap();
    }

    @Override
    public boolean hasSynced() {
        return informer.hasSynced();
    }

    @Override
    public boolean isWatching() {
        return informer.hasSynced() && informer.isWatching();
    }

    @Override
    public void close() {
        informer.close();
    }
}
