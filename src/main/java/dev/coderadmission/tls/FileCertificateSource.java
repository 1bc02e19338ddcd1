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
 * (not watching inotify) copes with Kubernetes' symlink swaps of Secret volumes. Both files are read
 * together and the pair is checked before it is served ({@link KeyMaterial#verified}): a pair that does
 * not parse or does not match (a half-written update, the certificate written before its key) is
 * logged once and the last good pair kept, so no handshake ever sees a key from another certificate.
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
            return load();
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalStateException(describe(e), e);
        }
    }

    /**
     * Checks the files as {@code serve} will load them, for a one-line error before start-up.
     *
     * @return the problem, or null when the pair can be served
     */
    public static String problem(Path certFile, Path keyFile) {
        var source = new FileCertificateSource(certFile, keyFile, Duration.ofSeconds(1));
        try {
            source.load();
            return null;
        } catch (IOException | IllegalArgumentException e) {
            return source.describe(e);
        } finally {
            source.close();
        }
    }

    private String describe(Exception e) {
        var what = e instanceof java.nio.file.NoSuchFileException ? "no such file " + e.getMessage() : e.getMessage();
        return "tls.cert-file " + certFile + " / tls.key-file " + keyFile + ": " + what;
    }

    private KeyMaterial load() throws IOException {
        var bytes = read();
        var material = parse(bytes);
        lastSeen = bytes;
        return material;
    }

    @Override
    public void attach(ServingCertificateProvider provider) {
        scheduler.scheduleWithFixedDelay(() -> reload(provider), interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    private synchronized void reload(ServingCertificateProvider provider) {
        byte[] bytes;
        try {
            bytes = read();
        } catch (IOException e) {
            LOG.warn("cannot read {} / {}: {}; still serving the previous certificate", certFile, keyFile, e.getMessage());
            return;
        }
        if (Arrays.equals(bytes, lastSeen)) {
            return;
        }
        // remembered even when unusable: one warning per state of the files, not one per interval
        lastSeen = bytes;
        try {
            var material = parse(bytes);
            provider.update(material);
            LOG.info("serving certificate reloaded from {} (serial {}, expires {})", certFile,
                    material.leaf().getSerialNumber().toString(16), material.leaf().getNotAfter().toInstant());
        } catch (IllegalArgumentException e) {
            LOG.warn("not reloading {} / {}: {}; still serving the previous certificate until both files match",
                    certFile, keyFile, e.getMessage());
        }
    }

    /** Both files in one buffer (certificate, NUL, key), so the parsed pair is exactly what was compared. */
    private byte[] read() throws IOException {
        var cert = Files.readAllBytes(certFile);
        var key = Files.readAllBytes(keyFile);
        var both = Arrays.copyOf(cert, cert.length + 1 + key.length);
        System.arraycopy(key, 0, both, cert.length + 1, key.length);
        return both;
    }

    private static KeyMaterial parse(byte[] both) {
        int split = 0;
        while (both[split] != 0) {
            split++;
        }
        var cert = new String(both, 0, split, java.nio.charset.StandardCharsets.US_ASCII);
        var key = new String(both, split + 1, both.length - split - 1, java.nio.charset.StandardCharsets.US_ASCII);
        return KeyMaterial.verified(Pem.parsePrivateKey(key), Pem.parseCertificates(cert));
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
    }
}
