package dev.coderadmission.cli;

import dev.coderadmission.config.ConfigException;
import dev.coderadmission.http.AdmissionServer;
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
            AdmissionServer.start(config.load());
        } catch (ConfigException e) {
            System.err.println("error: " + e.getMessage());
            return RootCommand.USAGE_OR_INPUT;
        }
        return RootCommand.KEEP_RUNNING;
    }
}
