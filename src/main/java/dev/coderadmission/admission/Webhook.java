package dev.coderadmission.admission;

/**
 * One admission endpoint: its path, whether kube-apiserver calls it in the mutating or the
 * validating phase, and the policy behind it.
 */
public record Webhook(String name, Phase phase, Policy policy) {

    public enum Phase {
        MUTATING("/mutate/"), VALIDATING("/validate/");

        private final String prefix;

        Phase(String prefix) {
            this.prefix = prefix;
        }
    }

    public String path() {
        return phase.prefix + name;
    }
}
