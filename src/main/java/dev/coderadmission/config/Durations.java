package dev.coderadmission.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;

import java.io.IOException;
import java.time.Duration;
import java.util.regex.Pattern;

/** Durations as people write them in YAML: {@code 90d}, {@code 12h}, {@code 30m}, {@code 10s}, {@code 500ms}. */
public final class Durations {
    private static final Pattern HUMAN = Pattern.compile("(\\d+)(ms|s|m|h|d)");

    private Durations() {
    }

    public static Duration parse(String text) {
        var trimmed = text.trim();
        var matcher = HUMAN.matcher(trimmed);
        if (matcher.matches()) {
            long amount = Long.parseLong(matcher.group(1));
            return switch (matcher.group(2)) {
                case "ms" -> Duration.ofMillis(amount);
                case "s" -> Duration.ofSeconds(amount);
                case "m" -> Duration.ofMinutes(amount);
                case "h" -> Duration.ofHours(amount);
                default -> Duration.ofDays(amount);
            };
        }
        throw new IllegalArgumentException("\"" + text + "\" is not a duration like 90d, 12h, 30m, 10s or 500ms");
    }

    /** Jackson binding for config records. */
    public static final class Deserializer extends JsonDeserializer<Duration> {
        @Override
        public Duration deserialize(JsonParser parser, DeserializationContext context) throws IOException {
            try {
                return parse(parser.getValueAsString(""));
            } catch (IllegalArgumentException e) {
                throw context.weirdStringException(parser.getValueAsString(""), Duration.class, e.getMessage());
            }
        }
    }
}
