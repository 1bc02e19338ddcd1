package dev.coderadmission.config;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import java.time.Duration;

/**
 * The background audit of {@code serve} ({@code coder-admission.audit.*}): what the {@code audit} command
 * reports, every {@code interval}, as metrics and Events, in the elected replica only.
 *
 * @param enabled  off by default: it lists Services, Ingresses and workspace Pods, which needs RBAC to list them
 * @param interval time between the end of one pass and the start of the next
 * @param events   a Warning Event on each object a pass finds newly offending (once per distinct finding)
 * @param pageSize objects per list request
 */
@JsonNaming(PropertyNamingStrategies.KebabCaseStrategy.class)
public record AuditConfig(Boolean enabled, Duration interval, Boolean events, Integer pageSize) {

    public AuditConfig {
        enabled = Defaults.value(enabled, Boolean.FALSE);
        interval = Defaults.value(interval, Duration.ofMinutes(10));
        events = Defaults.value(events, Boolean.TRUE);
        pageSize = Defaults.value(pageSize, 250);
        if (interval.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException("audit.interval must be at least 1s");
        }
        if (pageSize < 1 || pageSize > 10_000) {
            throw new IllegalArgumentException("audit.page-size must be between 1 and 10000");
        }
    }

    public static AuditConfig defaults() {
        return new AuditConfig(null, null, null, null);
    }
}
