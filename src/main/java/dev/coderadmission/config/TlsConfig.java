package dev.coderadmission.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The serving certificate of {@code serve} ({@code coder-admission.tls.*}).
 *
 * @param mode                  {@code ephemeral}, {@code self-managed} or {@code files}
 * @param keyType               {@code ecdsa} (P-256), {@code rsa-2048} or {@code rsa-3072}
 * @param serviceName           the webhook Service's name (self-managed: the certificate's DNS names)
 * @param serviceNamespace      its namespace (default: POD_NAMESPACE, else "default")
 * @param extraDnsNames         more DNS names or IPs for the serving certificate
 * @param secretName            self-managed: the Secret that holds CA and serving pair for every replica
 * @param servingValidity       self-managed: lifetime of a serving certificate
 * @param renewBefore           self-managed: renew a serving certificate this long before it expires
 * @param caValidity            self-managed: lifetime of the CA
 * @param caRenewBefore         self-managed: start the CA rotation this long before the CA expires
 * @param caOverlap             self-managed: how long a new CA is only trusted (in caBundle) before it signs
 * @param checkInterval         self-managed: how often the leader checks expiry and caBundles
 * @param webhookConfigurations self-managed: webhook configurations whose caBundle is kept in sync
 * @param certFile              files: PEM certificate chain
 * @param keyFile               files: PEM private key (PKCS#8 or PKCS#1/SEC1)
 * @param reloadInterval        files: how often the files are checked for changes
 * @param clientCaFile          optional: PEM CA(s) whose client certificates are required
 */
@JsonNaming(PropertyNamingStrategies.KebabCaseStrategy.class)
public record TlsConfig(
        Mode mode,
        KeyType keyType,
        String serviceName,
        String serviceNamespace,
        List<String> extraDnsNames,
        String secretName,
        Duration servingValidity,
        Duration renewBefore,
        Duration caValidity,
        Duration caRenewBefore,
        Duration caOverlap,
        Duration checkInterval,
        WebhookConfigurations webhookConfigurations,
        String certFile,
        String keyFile,
        Duration reloadInterval,
        String clientCaFile) {

    public enum Mode {
        @JsonProperty("ephemeral") EPHEMERAL,
        @JsonProperty("self-managed") SELF_MANAGED,
        @JsonProperty("files") FILES
    }

    public enum KeyType {
        @JsonProperty("ecdsa") ECDSA,
        @JsonProperty("rsa-2048") RSA_2048,
        @JsonProperty("rsa-3072") RSA_3072
    }

    /** Names of the webhook configurations that trust this webhook's CA. */
    @JsonNaming(PropertyNamingStrategies.KebabCaseStrategy.class)
    public record WebhookConfigurations(List<String> mutating, List<String> validating) {
        public WebhookConfigurations {
            mutating = Defaults.list(mutating, List.of());
            validating = Defaults.list(validating, List.of());
        }
    }

    public TlsConfig {
        mode = Defaults.value(mode, Mode.EPHEMERAL);
        keyType = Defaults.value(keyType, KeyType.ECDSA);
        serviceName = Defaults.value(serviceName, "coder-admission");
        extraDnsNames = Defaults.list(extraDnsNames, List.of());
        secretName = Defaults.value(secretName, "coder-admission-tls");
        servingValidity = Defaults.value(servingValidity, Duration.ofDays(90));
        renewBefore = Defaults.value(renewBefore, Duration.ofDays(30));
        caValidity = Defaults.value(caValidity, Duration.ofDays(3650));
        caRenewBefore = Defaults.value(caRenewBefore, Duration.ofDays(365));
        caOverlap = Defaults.value(caOverlap, Duration.ofMinutes(5));
        checkInterval = Defaults.value(checkInterval, Duration.ofMinutes(1));
        webhookConfigurations = Defaults.value(webhookConfigurations, new WebhookConfigurations(null, null));
        reloadInterval = Defaults.value(reloadInterval, Duration.ofSeconds(10));
        if (renewBefore.compareTo(servingValidity) >= 0) {
            throw new IllegalArgumentException("tls.renew-before must be shorter than tls.serving-validity");
        }
        if (caRenewBefore.compareTo(caValidity) >= 0 || servingValidity.compareTo(caRenewBefore) > 0) {
            throw new IllegalArgumentException("tls.ca-renew-before must be shorter than tls.ca-validity and at least "
                    + "tls.serving-validity, so no serving certificate outlives the CA that signed it");
        }
        for (var interval : List.of(Map.entry("tls.check-interval", checkInterval), Map.entry("tls.reload-interval", reloadInterval))) {
            if (interval.getValue().isZero() || interval.getValue().isNegative()) {
                throw new IllegalArgumentException(interval.getKey() + " must be positive");
            }
        }
        if (mode == Mode.FILES && (certFile == null || keyFile == null)) {
            throw new IllegalArgumentException("tls.mode files needs tls.cert-file and tls.key-file");
        }
    }

    public static TlsConfig defaults() {
        return builder().build();
    }

    /** Every key unset (its default), for code that sets a few: the canonical constructor takes 17. */
    public static Builder builder() {
        return new Builder();
    }

    /** Named setters over the canonical constructor; unset keys get their defaults, and validation is the constructor's. */
    public static final class Builder {
        private Mode mode;
        private KeyType keyType;
        private String serviceName;
        private String serviceNamespace;
        private List<String> extraDnsNames;
        private String secretName;
        private Duration servingValidity;
        private Duration renewBefore;
        private Duration caValidity;
        private Duration caRenewBefore;
        private Duration caOverlap;
        private Duration checkInterval;
        private WebhookConfigurations webhookConfigurations;
        private String certFile;
        private String keyFile;
        private Duration reloadInterval;
        private String clientCaFile;

        private Builder() {
        }

        public Builder mode(Mode value) {
            mode = value;
            return this;
        }

        public Builder keyType(KeyType value) {
            keyType = value;
            return this;
        }

        public Builder service(String name, String namespace) {
            serviceName = name;
            serviceNamespace = namespace;
            return this;
        }

        public Builder extraDnsNames(List<String> value) {
            extraDnsNames = value;
            return this;
        }

        public Builder secretName(String value) {
            secretName = value;
            return this;
        }

        public Builder serving(Duration validity, Duration renew) {
            servingValidity = validity;
            renewBefore = renew;
            return this;
        }

        public Builder ca(Duration validity, Duration renew, Duration overlap) {
            caValidity = validity;
            caRenewBefore = renew;
            caOverlap = overlap;
            return this;
        }

        public Builder checkInterval(Duration value) {
            checkInterval = value;
            return this;
        }

        public Builder webhookConfigurations(List<String> mutating, List<String> validating) {
            webhookConfigurations = new WebhookConfigurations(mutating, validating);
            return this;
        }

        public Builder files(String cert, String key, Duration reload) {
            mode = Mode.FILES;
            certFile = cert;
            keyFile = key;
            reloadInterval = reload;
            return this;
        }

        public Builder clientCaFile(String value) {
            clientCaFile = value;
            return this;
        }

        public TlsConfig build() {
            return new TlsConfig(mode, keyType, serviceName, serviceNamespace, extraDnsNames, secretName, servingValidity,
                    renewBefore, caValidity, caRenewBefore, caOverlap, checkInterval, webhookConfigurations, certFile,
                    keyFile, reloadInterval, clientCaFile);
        }
    }

    public String serviceNamespace(Map<String, String> environment) {
        if (serviceNamespace != null && !serviceNamespace.isBlank()) {
            return serviceNamespace;
        }
        var fromPod = environment.get("POD_NAMESPACE");
        return fromPod == null || fromPod.isBlank() ? "default" : fromPod;
    }

    /** The names a Service's clients use: svc, svc.ns, svc.ns.svc, svc.ns.svc.cluster.local, and the extras. */
    public List<String> dnsNames(String namespace) {
        var names = new ArrayList<>(List.of(serviceName, serviceName + "." + namespace, serviceName + "." + namespace + ".svc",
                serviceName + "." + namespace + ".svc.cluster.local"));
        extraDnsNames.stream().filter(n -> !names.contains(n)).forEach(names::add);
        return names;
    }
}
