package dev.coderadmission.cli;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One object read from the input, or why it could not be read.
 *
 * @param source "FILE#N": the N-th YAML document of FILE (1-based), with "/items/K" for List items
 */
sealed interface Manifest {
    String source();

    record Object(String source, JsonNode body) implements Manifest {
    }

    record Unreadable(String source, String problem) implements Manifest {
    }
}
