package dev.coderadmission.admission;

/**
 * The request's object, parsed when a policy first read it, is not JSON an object tree can be built
 * from (HTTP 400). {@link ReviewReader} tokenizes the whole body first, so this is a last line.
 */
final class UnreadableObjectException extends RuntimeException {
    UnreadableObjectException(String message, Throwable cause) {
        super(message, cause);
    }
}
