package dev.coderadmission.config;

import java.util.List;
import java.util.Map;

/** Absent YAML keys arrive as {@code null}; these helpers give them their documented defaults. */
final class Defaults {
    private Defaults() {
    }

    static <T> List<T> list(List<T> value, List<T> fallback) {
        return value == null ? fallback : List.copyOf(value);
    }

    static <K, V> Map<K, V> map(Map<K, V> value, Map<K, V> fallback) {
        return value == null ? fallback : Map.copyOf(value);
    }

    static <T> T value(T value, T fallback) {
        return value == null ? fallback : value;
    }
}
