package dev.coderadmission.gitops;

/** The input cannot be rendered as the GitOps tool would: the message names the file and the feature. */
public final class RenderException extends RuntimeException {
    public RenderException(String message) {
        super(message);
    }
}
