package dev.coderadmission.config;

import com.fasterxml.jackson.annotation.JsonProperty;

/** What a violated validating rule does: Kyverno's Enforce/Audit, Gatekeeper's deny/warn. */
public enum Enforcement {
    @JsonProperty("deny") DENY,
    @JsonProperty("warn") WARN
}
