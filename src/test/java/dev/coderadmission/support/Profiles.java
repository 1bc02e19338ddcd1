package dev.coderadmission.support;

import dev.coderadmission.config.AdmissionConfig;
import dev.coderadmission.config.ConfigLoader;
import dev.coderadmission.config.Enforcement;
import dev.coderadmission.config.CoderConfig;
import dev.coderadmission.config.ExposureConfig;

import java.util.List;

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
            case "exact-hosts" -> {
                var tenant = named("tenant");
                var coder = tenant.coder();
                yield tenant.withCoder(new CoderConfig(coder.namespaces(), coder.hosts(), coder.tenantServiceNamespaces(),
                        coder.accessUrl(), CoderConfig.HostMatching.KUBERNETES));
            }
            case "trusted-controllers" -> {
                var tenant = named("tenant");
                var e = tenant.exposure();
                yield tenant.withExposure(new ExposureConfig(e.enabled(), e.enforcement(), e.allowedIngressClasses(),
                        e.allowedLoadBalancerClasses(), e.internalLoadBalancer(), e.allowedCidrs(), e.exposingAnnotations(),
                        e.loadBalancerIpAnnotations(), e.nodePortLoadBalancerClasses(), List.of("tailscale.com/ts-ingress"),
                        e.allowedGatewayClasses(), e.allowedGatewayControllers(), e.unknownGateway()));
            }
            case "disabled" -> AdmissionConfig.defaults().withExposure(new ExposureConfig(
                    false, null, null, null, null, null, null, null, null, null, null, null, null));
            default -> throw new IllegalArgumentException("unknown profile " + profile);
        };
    }
}
