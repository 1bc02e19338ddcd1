package dev.coderadmission.runtime;

import org.slf4j.LoggerFactory;

import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;

/**
 * Start-up work that depends on nothing {@code serve} reads, done on a second thread while the main
 * one parses the config and builds the bean context. Both are one-time static set-up of the JDK and
 * Netty that the main thread would otherwise run in series, on the path to readiness (async-profiler,
 * wall clock, in the README's start-up section):
 * <ul>
 *   <li>BoringSSL ({@code io.netty.handler.ssl.OpenSsl}): finding, extracting and loading the native
 *       library and Netty's own set-up around it, about half a second cold, which the HTTPS listener
 *       waits for when it builds its TLS context;</li>
 *   <li>the P-256 precomputed table ({@code Secp256R1GeneratorMontgomeryMultiplier}), built by the
 *       first EC key pair: the ephemeral serving certificate's, or the first TLS 1.3 key share;</li>
 *   <li>Netty's {@code JdkSslServerContext} class, whose initializer builds a throwaway key, key
 *       manager and the JDK's default {@code SSLContext} (which reads the cacerts file); the server
 *       needs it only when BoringSSL cannot load, so it comes last.</li>
 * </ul>
 * Nothing here has a side effect beyond class initialization, which the JVM runs exactly once
 * whichever thread gets there first (the other waits): a failure is ignored and happens again,
 * with its real error, where the server needs the class.
 */
public final class Warmup {
    private Warmup() {
    }

    public static void inBackground() {
        // Logging is set up here, first: Netty logs while it initializes, and SLF4J warns on stderr
        // about calls it had to replay when a second thread logs while the first sets it up.
        LoggerFactory.getILoggerFactory();
        Thread.ofPlatform().name("warmup").daemon().start(Warmup::run);
    }

    private static void run() {
        var boringSsl = initialize("io.netty.handler.ssl.OpenSsl") && io.netty.handler.ssl.OpenSsl.isAvailable();
        try {
            var generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            generator.generateKeyPair();
        } catch (java.security.GeneralSecurityException e) {
            // see the class comment: the server meets the same error where it matters
        }
        if (!boringSsl) {
            initialize("io.netty.handler.ssl.JdkSslServerContext");
        }
    }

    private static boolean initialize(String className) {
        try {
            Class.forName(className, true, Warmup.class.getClassLoader());
            return true;
        } catch (ReflectiveOperationException | LinkageError e) {
            return false; // see the class comment
        }
    }
}
