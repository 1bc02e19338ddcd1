package dev.coderadmission.cli;

import dev.coderadmission.admission.Webhook;
import dev.coderadmission.config.ConfigException;
import dev.coderadmission.http.AdmissionServer;
import dev.coderadmission.kube.KubernetesClients;
import dev.coderadmission.policy.Webhooks;
import io.micronaut.runtime.server.EmbeddedServer;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;

@Command(name = "serve",
        description = {"Serve the admission webhooks over HTTPS and health probes over HTTP.",
                "Without --config: the embedded defaults and a self-signed certificate for localhost."},
        footer = {"", "Example:", "  java -jar target/coder-admission.jar serve --config tenant.yaml"})
final class ServeCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Override
    public Integer call() {
        try {
            var admissionConfig = config.load();
            var client = KubernetesClients.create(admissionConfig.kubernetes());
            var context = client.map(c -> AdmissionServer.start(admissionConfig, c))
                    .orElseGet(() -> AdmissionServer.start(admissionConfig));
            LoggerFactory.getLogger(ServeCommand.class).info("webhooks {} on https port {}; health on http://{}:{}/health",
                    context.getBean(Webhooks.class).all().stream().map(Webhook::path).toList(),
                    context.getBean(EmbeddedServer.class).getPort(),
                    admissionConfig.server().host(), admissionConfig.server().managementPort());
        } catch (ConfigException e) {
            System.err.println("error: " + e.getMessage());
            return RootCommand.USAGE_OR_INPUT;
        }
        // Start-up failures (e.g. a port in use) never get here: Micronaut logs them and exits with 1.
        return RootCommand.KEEP_RUNNING;
    }
}
