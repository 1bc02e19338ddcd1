package dev.coderadmission.tls;

/**
 * Where the serving certificate comes from ({@code tls.mode}). {@link #initial()} is called once,
 * before the server listens; then {@link #attach} hands over the provider to update on renewal.
 */
public interface ServingCertificateSource extends AutoCloseable {
    KeyMaterial initial();

    /** Start pushing renewed certificates to {@code provider}; the default never renews. */
    default void attach(ServingCertificateProvider provider) {
    }

    /** Stop renewing; the default has nothing to stop. */
    @Override
    default void close() {
    }
}
