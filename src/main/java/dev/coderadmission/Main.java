package dev.coderadmission;

import dev.coderadmission.cli.RootCommand;

/** One jar, five verbs: {@code serve}, {@code dry-run}, {@code test}, {@code audit} and {@code certs}. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        systemProperties();
        var direct = RootCommand.serveDirectly(args);
        int code = direct.isPresent() ? direct.getAsInt() : RootCommand.commandLine(args).execute(args);
        if (code != RootCommand.KEEP_RUNNING) {
            System.exit(code);
        }
    }

    /** The JDK and Netty settings read once, at their first use: set before anything uses them. */
    static void systemProperties() {
        // before anything touches JSSE, which reads it once (see AdmissionServer.start)
        System.setProperty("jdk.tls.rejectClientInitiatedRenegotiation", "true");
        // Key stores here only live in memory (Micronaut and Netty build PKCS12 ones from our PEM key);
        // PKCS12's default 10,000 PBKDF2 rounds per key entry cost a fifth of serve's start-up and
        // protect nothing. Nothing in this process writes a PKCS12 file.
        System.setProperty("keystore.pkcs12.keyPbeIterationCount", "1");
        // Netty 4.2 records its buffer allocations as JFR events when JFR is available: the first
        // allocation then initializes JFR's metadata repository (0.17 s of the first review here, and
        // 120 classes resident for good) to record events nobody enabled. -Dio.netty.jfr.enabled=true
        // turns them back on for a profiling session.
        if (System.getProperty("io.netty.jfr.enabled") == null) {
            System.setProperty("io.netty.jfr.enabled", "false");
        }
    }
}
