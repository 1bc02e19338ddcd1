package dev.coderadmission.tls;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * {@code tls.mode: files}: a certificate and key mounted from elsewhere (cert-manager, any issuer).
 * The files are re-read every interval and a changed pair is served from then on. Reading the bytes
 * (not watching inotify) copes with Kubernetes' symlink swaps of Secret volumes; a pair that does not
 * parse (a half-written update) is logged and the previous one kept.
 */
public final class FileCertificateSource implements ServingCertificateSource, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FileCertificateSource.class);

    private final Path certFile;
    private final Path keyFile;
    private final Duration interval;
    private final ScheduledExecutorService scheduler =
            Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("tls-files").daemon().factory());
    private byte[] lastSeen = new byte[0];

    public FileCertificateSource(Path certFile, Path keyFile, Duration interval) {
        this.certFile = certFile;
        this.keyFile = keyFile;
        this.interval = interval;
    }

    @Override
    public synchronized KeyMaterial initial() {
        try {
            var bytes = read();
            var material = parse(bytes);
            lastSeen = bytes;
            return material;
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalStateException("tls.cert-file " + certFile + " / tls.key-file " + keyFile + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void attach(ServingCertificateProvider provider) {
        scheduler.scheduleWithFixedDelay(() -> reload(provider), interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    private synchronized void reload(ServingCertificateProvider provider) {
        try {
            var bytes = read();
            if (Arrays.equals(bytes, lastSeen)) {
                return;
            }
            var material = parse(bytes);
            lastSeen = bytes;
            provider.update(material);
            LOG.info("serving certificate reloaded from {} (serial {}, expires {})", certFile,
                    material.leaf().getSerialNumber().toString(16), material.leaf().getNotAfter().toInstant());
        } catch (IOException | IllegalArgumentException e) {
            LOG.warn("cannot reload {} / {}: {}; still serving the previous certificate", certFile, keyFile, e.getMessage());
        }
    }

    private byte[] read() throws IOException {
        var cert = Files.readAllBytes(certFile);
        var key = Files.readAllBytes(keyFile);
        var both = Arrays.copyOf(cert, cert.length + key.length);
        System.arraycopy(key, 0, both, cert.length, key.length);
        return both;
    }

    private KeyMaterial parse(byte[] ignored) throws IOException {
        return new KeyMaterial(Pem.parsePrivateKey(Files.readString(keyFile)), Pem.parseCertificates(Files.readString(certFile)));
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
    }
}
