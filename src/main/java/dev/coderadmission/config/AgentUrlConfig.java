package dev.coderadmission.config;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import java.util.List;
import java.util.Optional;

/**
 * Agent URL injection ({@code coder-admission.agent-url.*}).
 *
 * @param enabled           whether {@code /mutate/agent-url} mutates anything (disabled: allows all unchanged)
 * @param namespaces        namespaces of Coder workspace pods
 * @param url               the internal URL when the ConfigMap has none (absent: none)
 * @param configMap         "namespace/name" of the ConfigMap holding the internal URL ("" : do not watch one)
 * @param configMapKey      the key in that ConfigMap
 * @param rewriteInitScript also replace {@code coder.access-url} by the internal URL in the agent
 *                          containers' command, args and literal env values
 */
@JsonNaming(PropertyNamingStrategies.KebabCaseStrategy.class)
public record AgentUrlConfig(
        Boolean enabled,
        List<String> namespaces,
        String url,
        String configMap,
        String configMapKey,
        Boolean rewriteInitScript) {

    public AgentUrlConfig {
        enabled = Defaults.value(enabled, Boolean.TRUE);
        namespaces = Defaults.list(namespaces, List.of("coder-workspace"));
        url = url == null || url.isBlank() ? null : HttpUrls.require(url, "agent-url.url");
        configMap = Defaults.value(configMap, "coder/coder-workspace-config").trim();
        configMapKey = Defaults.value(configMapKey, "coder_url");
        rewriteInitScript = Defaults.value(rewriteInitScript, Boolean.TRUE);
        if (!configMap.isEmpty() && (configMap.indexOf('/') <= 0 || configMap.indexOf('/') != configMap.lastIndexOf('/')
                || configMap.endsWith("/"))) {
            throw new IllegalArgumentException("agent-url.config-map \"" + configMap
                    + "\" must be namespace/name, or \"\" to watch no ConfigMap");
        }
    }

    public static AgentUrlConfig defaults() {
        return new AgentUrlConfig(null, null, null, null, null, null);
    }

    public Optional<String> staticUrl() {
        return Optional.ofNullable(url);
    }

    public String configMapNamespace() {
        return configMap.substring(0, configMap.indexOf('/'));
    }

    public String configMapName() {
        return configMap.substring(configMap.indexOf('/') + 1);
    }

    public boolean watchesConfigMap() {
        return !configMap.isEmpty();
    }

    public AgentUrlConfig withUrl(String value) {
        return new AgentUrlConfig(enabled, namespaces, value, configMap, configMapKey, rewriteInitScript);
    }
}
