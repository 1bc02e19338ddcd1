package dev.coderadmission.gitops;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One object as a GitOps tool would apply it, and where it came from.
 *
 * @param origin the chain from the file a person edits to the object, e.g.
 *               {@code apps/coder-prod/kustomization.yaml › apps/coder-prod/service.yaml#1}
 */
public record Rendered(String origin, ObjectNode object) {
    public static final String SEPARATOR = " › ";
}
