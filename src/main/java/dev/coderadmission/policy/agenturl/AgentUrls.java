package dev.coderadmission.policy.agenturl;

import dev.coderadmission.config.HttpUrls;

import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/** Reading the internal URL out of the ConfigMap, the same way online and offline. */
public final class AgentUrls {
    private AgentUrls() {
    }

    /**
     * The URL under {@code key}, if it is an absolute http(s) URL. Anything else is reported to
     * {@code invalid} and ignored: a bad value must never reach an agent.
     */
    public static Optional<String> fromConfigMapData(Map<String, String> data, String key, String source,
                                                     Consumer<String> invalid) {
        var raw = data == null ? null : data.get(key);
        if (raw == null || raw.isBlank()) {
            return Optional.empty();
        }
        var url = HttpUrls.parse(raw);
        if (url.isEmpty()) {
            invalid.accept(source + " holds \"" + raw + "\", which is not an absolute http:// or https:// URL; ignored");
        }
        return url;
    }
}
