package dev.coderadmission.tls;

/**
 * Where the first serving certificate comes from. The default (ephemeral mode) issues a self-signed
 * one; tests and other TLS modes register their own.
 */
@FunctionalInterface
public interface ServingCertificateSource {
    KeyMaterial initial();
}
