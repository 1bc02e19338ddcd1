package dev.coderadmission.policy.agenturl;

import java.util.Optional;

/**
 * Where the internal Coder URL for agents comes from right now. Reads are in-memory (a watched
 * ConfigMap, config, or a dry-run state file), never an API call on the admission path.
 */
public interface AgentUrl {
    /** The URL to inject, without trailing slash; empty when none is known. */
    Optional<String> current();

    /** Where {@link #current()} comes from, for messages ("ConfigMap coder/coder-workspace-config key coder_url"). */
    String source();

    static AgentUrl fixed(Optional<String> url, String source) {
        return new AgentUrl() {
            @Override
            public Optional<String> current() {
                return url;
            }

            @Override
            public String source() {
                return source;
            }
        };
    }
}
