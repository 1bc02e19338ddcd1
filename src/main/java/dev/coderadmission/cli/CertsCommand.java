package dev.coderadmission.cli;

import dev.coderadmission.config.TlsConfig.KeyType;
import dev.coderadmission.tls.Certificates;
import dev.coderadmission.tls.Pem;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "certs",
        description = {"Write a CA and a serving certificate (PEM) for running the webhook outside a cluster,",
                "e.g. behind a clientConfig.url webhook. Prints the base64 caBundle on stdout."},
        footer = {"", "Example:",
                "  CA_BUNDLE=$(java -jar target/coder-admission.jar certs --dns coder-admission.example.internal --ip 192.168.50.20)"})
final class CertsCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "certs",
            description = "Output folder (default: ${DEFAULT-VALUE}); writes ca.crt, ca.key, tls.crt, tls.key.")
    Path out;

    @Option(names = "--dns", paramLabel = "NAME", description = "DNS name of the serving certificate (repeatable).")
    List<String> dns = new ArrayList<>();

    @Option(names = "--ip", paramLabel = "IP", description = "IP address of the serving certificate (repeatable).")
    List<String> ips = new ArrayList<>();

    @Option(names = "--days", defaultValue = "365", description = "Serving certificate lifetime (default: ${DEFAULT-VALUE}).")
    int days;

    @Option(names = "--ca-days", defaultValue = "3650", description = "CA lifetime (default: ${DEFAULT-VALUE}).")
    int caDays;

    @Option(names = "--key-type", paramLabel = "ecdsa|rsa|rsa-3072", defaultValue = "ecdsa",
            converter = KeyConverter.class, description = "Key type: ECDSA P-256, RSA 2048 or RSA 3072 (default: ${DEFAULT-VALUE}).")
    KeyType keyType;

    @Option(names = "--new-ca", description = "Make a new CA even if DIR already has one.")
    boolean newCa;

    @Override
    public Integer call() throws IOException {
        var err = spec.commandLine().getErr();
        var names = new ArrayList<String>(dns);
        names.addAll(ips);
        if (names.isEmpty()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "at least one --dns or --ip is required");
        }
        if (days <= 0 || caDays <= 0 || days > caDays) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--days and --ca-days must be positive, --days <= --ca-days");
        }
        Files.createDirectories(out);
        var caCrt = out.resolve("ca.crt");
        var caKey = out.resolve("ca.key");
        var now = Instant.now();
        Certificates.Authority ca;
        if (!newCa && Files.exists(caCrt) && Files.exists(caKey)) {
            try {
                ca = new Certificates.Authority(Pem.parseCertificates(Files.readString(caCrt)).getFirst(),
                        Pem.parsePrivateKey(Files.readString(caKey)));
            } catch (IllegalArgumentException e) {
                err.println("error: " + caCrt + " / " + caKey + ": " + e.getMessage() + " (use --new-ca to replace them)");
                return RootCommand.USAGE_OR_INPUT;
            }
            err.println("reusing the CA in " + out);
        } else if (!newCa && (Files.exists(caCrt) || Files.exists(caKey))) {
            err.println("error: " + out + " has only one of ca.crt and ca.key; restore it or use --new-ca");
            return RootCommand.USAGE_OR_INPUT;
        } else {
            ca = Certificates.newAuthority("coder-admission-ca", Duration.ofDays(caDays), keyType, now);
            write(caCrt, Pem.certificates(List.of(ca.certificate())), false);
            write(caKey, Pem.privateKey(ca.key()), true);
        }
        var serving = Certificates.issueServing(ca, names, Duration.ofDays(days), keyType, now);
        // a server reloading these files (tls.mode: files) serves a pair only once key and certificate match
        write(out.resolve("tls.key"), Pem.privateKey(serving.key()), true);
        write(out.resolve("tls.crt"), Pem.certificates(List.of(serving.leaf(), ca.certificate())), false);
        err.println("wrote " + out.resolve("tls.crt") + " for " + names + ", valid until " + serving.leaf().getNotAfter().toInstant());
        spec.commandLine().getOut().println(Base64.getEncoder().encodeToString(
                Pem.certificates(List.of(ca.certificate())).getBytes(StandardCharsets.US_ASCII)));
        spec.commandLine().getOut().flush();
        return RootCommand.OK;
    }

    /**
     * Written to a temporary file beside the target and renamed over it, so a reader sees the old file or
     * the new one, never half of one. Keys are readable by their owner only (0600, set before the key is
     * written); on file systems without POSIX permissions, as they come.
     */
    private static void write(Path file, String content, boolean secret) throws IOException {
        var temporary = Files.createTempFile(file.toAbsolutePath().getParent(), "." + file.getFileName(), ".tmp");
        try {
            if (secret && FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
                Files.setPosixFilePermissions(temporary, PosixFilePermissions.fromString("rw-------"));
            }
            Files.writeString(temporary, content);
            Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temporary);
        }
    }

    static final class KeyConverter implements CommandLine.ITypeConverter<KeyType> {
        @Override
        public KeyType convert(String value) {
            return switch (value.toLowerCase(java.util.Locale.ROOT)) {
                case "ecdsa" -> KeyType.ECDSA;
                case "rsa", "rsa-2048" -> KeyType.RSA_2048;
                case "rsa-3072" -> KeyType.RSA_3072;
                default -> throw new CommandLine.TypeConversionException("expected ecdsa, rsa or rsa-3072, not " + value);
            };
        }
    }
}
