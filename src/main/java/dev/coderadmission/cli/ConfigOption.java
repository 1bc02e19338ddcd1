package dev.coderadmission.cli;

import dev.coderadmission.config.AdmissionConfig;
import dev.coderadmission.config.ConfigLoader;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** {@code --config FILE}, shared by every verb that evaluates policies. */
final class ConfigOption {
    @Option(names = {"-c", "--config"}, paramLabel = "FILE",
            description = "YAML config with a coder-admission: section (default: the embedded defaults).")
    Path file;

    AdmissionConfig load() {
        return load(file);
    }

    static AdmissionConfig load(Path file) {
        return file == null ? AdmissionConfig.defaults() : ConfigLoader.load(file);
    }
}
