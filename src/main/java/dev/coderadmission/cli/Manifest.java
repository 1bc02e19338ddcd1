package dev.coderadmission.cli;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One object read from the input, or why it could not be read.
 *
 * @param source "FILE#N": the N-th YAML document of FILE (1-based), with "/items/K" for List items; for an
 *               object a kustomization renders, the chain from the kustomization to that document
 */
sealed interface Manifest {
    String source();

    record Object(String source, JsonNode body) implements Manifest {
    }

    record Unreadable(String source, String problem) implements Manifest {
    }

    /** A file found in a directory that is not a Kubernetes manifest (package.json, moon.yml): noted, not judged. */
    record Skipped(String source, String reason) implements Manifest {
    }
}
