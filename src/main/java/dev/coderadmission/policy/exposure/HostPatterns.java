package dev.coderadmission.policy.exposure;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Host name matching with Ingress semantics: {@code *.example.com} stands for exactly one DNS label
 * ({@code a.example.com}, not {@code a.b.example.com} nor {@code example.com}).
 */
final class HostPatterns {
    private final List<String> patterns;

    HostPatterns(List<String> patterns) {
        this.patterns = patterns.stream().map(HostPatterns::normalise).toList();
    }

    /** The first pattern that shares at least one concrete host name with {@code host}. */
    Optional<String> overlapping(String host) {
        var h = normalise(host);
        for (var pattern : patterns) {
            if (overlap(pattern, h)) {
                return Optional.of(pattern);
            }
        }
        return Optional.empty();
    }

    static boolean overlap(String a, String b) {
        if (a.equals(b)) {
            return true;
        }
        boolean wildA = a.startsWith("*.");
        boolean wildB = b.startsWith("*.");
        if (wildA && wildB) {
            return false; // two different one-label wildcards never name the same host
        }
        return wildA ? matches(a, b) : wildB && matches(b, a);
    }

    private static boolean matches(String wildcard, String host) {
        var suffix = wildcard.substring(1); // ".example.com"
        return host.length() > suffix.length()
                && host.endsWith(suffix)
                && host.indexOf('.') == host.length() - suffix.length();
    }

    static String normalise(String host) {
        var h = host.trim().toLowerCase(Locale.ROOT);
        return h.endsWith(".") ? h.substring(0, h.length() - 1) : h; // "coder.example.com." is the same name
    }
}
