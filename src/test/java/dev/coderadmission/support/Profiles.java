package dev.coderadmission.support;

import dev.coderadmission.config.AdmissionConfig;
import dev.coderadmission.config.ConfigLoader;
import dev.coderadmission.config.Enforcement;
import dev.coderadmission.config.ExposureConfig;

import java.nio.file.Path;

/** The configs the tests run under: the embedded defaults and the README's two example clusters. */
public final class Profiles {
    public static final Path EXAMPLES = Path.of("src/examples");

    private Profiles() {
    }

    public static AdmissionConfig named(String profile) {
        return switch (profile) {
            case "default" -> AdmissionConfig.defaults();
            case "tenant" -> ConfigLoader.load(EXAMPLES.resolve("config-tenant.yaml"));
            case "management" -> ConfigLoader.load(EXAMPLES.resolve("config-management.yaml"));
            case "warn" -> {
                var tenant = named("tenant");
                yield tenant.withExposure(tenant.exposure().withEnforcement(Enforcement.WARN));
            }
            case "disabled" -> AdmissionConfig.defaults().withExposure(new ExposureConfig(
                    false, null, null, null, null, null, null));
            default -> throw new IllegalArgumentException("unknown profile " + profile);
        };
    }
}
