package dev.coderadmission.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * The log of {@code serve} ({@code coder-admission.logging.*}).
 *
 * @param format {@code text} (one human-readable line per event) or {@code json} (one JSON object per
 *               line, with the review's fields as keys, for log pipelines such as Loki or Elasticsearch)
 */
@JsonNaming(PropertyNamingStrategies.KebabCaseStrategy.class)
public record LoggingConfig(Format format) {

    public enum Format {
        @JsonProperty("text") TEXT,
        @JsonProperty("json") JSON
    }

    public LoggingConfig {
        format = Defaults.value(format, Format.TEXT);
    }

    public static LoggingConfig defaults() {
        return new LoggingConfig(null);
    }
}
