package dev.coderadmission.policy.exposure;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Host name overlap. With Ingress semantics ({@code kubernetes}) {@code *.example.com} stands for exactly
 * one DNS label ({@code a.example.com}, not {@code a.b.example.com} nor {@code example.com}). Some
 * controllers read it as any depth (ingress-nginx serves {@code coder.enigma.vgijssel.nl} from a
 * {@code *.vgijssel.nl} rule), so by default ({@code suffix}) the guard reads it that way too: fail closed.
 */
final class HostPatterns {
    private final List<String> patterns;
    private final boolean suffix;

    HostPatterns(List<String> patterns) {
        this(patterns, false);
    }

    HostPatterns(List<String> patterns, boolean suffix) {
        this.patterns = patterns.stream().map(HostPatterns::normalise).toList();
        this.suffix = suffix;
    }

    /** The first pattern that shares at least one concrete host name with {@code host}. */
    Optional<String> overlapping(String host) {
        var h = normalise(host);
        for (var pattern : patterns) {
            if (suffix ? overlapSuffix(pattern, h) : overlap(pattern, h)) {
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

    /** Any-depth wildcards: {@code *.b.c} and {@code *.c} overlap, and {@code *.c} covers {@code a.b.c}. */
    static boolean overlapSuffix(String a, String b) {
        if (a.equals(b)) {
            return true;
        }
        boolean wildA = a.startsWith("*.");
        boolean wildB = b.startsWith("*.");
        if (wildA && wildB) {
            return a.endsWith(b.substring(1)) || b.endsWith(a.substring(1));
        }
        return wildA ? b.endsWith(a.substring(1)) : wildB && a.endsWith(b.substring(1));
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
