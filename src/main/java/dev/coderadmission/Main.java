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
        int code = RootCommand.commandLine().execute(args);
        if (code != RootCommand.KEEP_RUNNING) {
            System.exit(code);
        }
    }
}
