package dev.coderadmission.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Optional;

/** Absolute http(s) URLs, the only kind that may be handed to a Coder agent. */
public final class HttpUrls {
    private HttpUrls() {
    }

    /**
     * The URL without a trailing slash (so that replacing it keeps the slashes of the text around it),
     * or empty when {@code raw} is not an absolute http or https URL with a host.
     */
    public static Optional<String> parse(String raw) {
        if (raw == null) {
            return Optional.empty();
        }
        var trimmed = raw.trim();
        try {
            var uri = new URI(trimmed);
            var scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!uri.isAbsolute() || !(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null
                    || uri.getRawQuery() != null || uri.getRawFragment() != null) {
                return Optional.empty();
            }
        } catch (URISyntaxException e) {
            return Optional.empty();
        }
        while (trimmed.endsWith("/")) {
            trimmed = trimmed.substring(0, trimmed.length() - 1);
        }
        return Optional.of(trimmed);
    }

    static String require(String raw, String key) {
        return parse(raw).orElseThrow(() -> new IllegalArgumentException(
                key + " \"" + raw + "\" is not an absolute http:// or https:// URL"));
    }
}
