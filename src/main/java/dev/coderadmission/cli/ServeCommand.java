package dev.coderadmission.cli;

import dev.coderadmission.admission.Webhook;
import dev.coderadmission.config.ConfigException;
import dev.coderadmission.config.TlsConfig;
import dev.coderadmission.runtime.LogFormat;
import dev.coderadmission.runtime.LogSetup;
import dev.coderadmission.admission.ReviewLog;
import dev.coderadmission.runtime.Shutdown;
import dev.coderadmission.runtime.Warmup;
import io.micronaut.context.ApplicationContext;
import sun.misc.Signal;
import dev.coderadmission.tls.FileCertificateSource;
import dev.coderadmission.tls.Pem;
import dev.coderadmission.http.AdmissionServer;
import dev.coderadmission.http.TlsProvider;
import dev.coderadmission.cluster.KubernetesClients;
import dev.coderadmission.policy.Webhooks;
import io.micronaut.runtime.server.EmbeddedServer;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "serve",
        description = {"Serve the admission webhooks over HTTPS and health probes over HTTP.",
                "Without --config: the embedded defaults and a self-signed certificate for localhost."},
        footer = {"", "Example:", "  java -jar target/coder-admission.jar serve --config tenant.yaml"})
final class ServeCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        return serve(config.file, spec.commandLine().getErr());
    }

    /**
     * Runs the server on the config in {@code configFile} (null: the embedded defaults); a config error
     * is one line on {@code err} and exit code 2.
     */
    static int serve(Path configFile, PrintWriter err) {
        Warmup.inBackground();
        try {
            var admissionConfig = ConfigOption.load(configFile);
            LogFormat.apply(admissionConfig.logging());
            LogSetup.reviewSink().ifPresent(ReviewLog::sink);
            preflight(admissionConfig.tls());
            var client = KubernetesClients.create(admissionConfig.kubernetes());
            var context = AdmissionServer.start(admissionConfig, client.orElse(null));
            onSigterm(context);
            LoggerFactory.getLogger(ServeCommand.class).info("webhooks {} on https port {} (TLS by {}); health on http://{}:{}/health",
                    context.getBean(Webhooks.class).all().stream().map(Webhook::path).toList(),
                    context.getBean(EmbeddedServer.class).getPort(), TlsProvider.inUse().describe(),
                    admissionConfig.server().host(), admissionConfig.server().managementPort());
        } catch (ConfigException e) {
            err.println("error: " + e.getMessage());
            err.flush();
            return RootCommand.USAGE_OR_INPUT;
        }
        // Start-up failures (e.g. a port in use) never get here: Micronaut logs them and exits with 1.
        return RootCommand.KEEP_RUNNING;
    }

    /**
     * SIGTERM (kubelet stopping the pod) drains and stops in order ({@link Shutdown}) instead of the
     * JVM's default, which runs Micronaut's shutdown hook at once and drops pooled connections.
     * {@code sun.misc.Signal} (javac warns: internal API) is the only way the JDK offers to replace
     * the handler of one signal; it is in the supported {@code jdk.unsupported} module.
     */
    private static void onSigterm(ApplicationContext context) {
        var shutdown = context.getBean(Shutdown.class);
        Signal.handle(new Signal("TERM"), signal -> Thread.ofPlatform().name("shutdown").start(() -> {
            shutdown.drainAndStop(context);
            System.exit(0);
        }));
    }

    /**
     * What the config names on disk is checked here, so a wrong path or a mismatched pair is a one-line
     * error with exit 2 (like any other config error), not a bean-creation stack trace.
     */
    static void preflight(TlsConfig tls) {
        if (tls.mode() == TlsConfig.Mode.FILES) {
            var problem = FileCertificateSource.problem(Path.of(tls.certFile()), Path.of(tls.keyFile()));
            if (problem != null) {
                throw new ConfigException(problem);
            }
        }
        if (tls.clientCaFile() != null) {
            try {
                Pem.parseCertificates(Files.readString(Path.of(tls.clientCaFile())));
            } catch (IOException | IllegalArgumentException e) {
                throw new ConfigException("tls.client-ca-file " + tls.clientCaFile() + ": "
                        + (e instanceof java.nio.file.NoSuchFileException ? "no such file" : e.getMessage()));
            }
        }
    }
}
