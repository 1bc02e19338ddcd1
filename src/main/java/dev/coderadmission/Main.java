package dev.coderadmission;

import dev.coderadmission.cli.RootCommand;
import picocli.CommandLine;

/** One jar, five verbs: {@code serve}, {@code dry-run}, {@code test}, {@code audit} and {@code certs}. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        // before anything touches JSSE, which reads it once (see AdmissionServer.start)
        System.setProperty("jdk.tls.rejectClientInitiatedRenegotiation", "true");
        // Key stores here only live in memory (Micronaut and Netty build PKCS12 ones from our PEM key);
        // PKCS12's default 10,000 PBKDF2 rounds per key entry cost a fifth of serve's start-up and
        // protect nothing. Nothing in this process writes a PKCS12 file.
        System.setProperty("keystore.pkcs12.keyPbeIterationCount", "1");
        int code = RootCommand.commandLine(args).execute(args);
        if (code != RootCommand.KEEP_RUNNING) {
            System.exit(code);
        }
    }
}
