package dev.coderadmission.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The outcome of {@link Evaluator} for one object.
 *
 * @param original  the object as read (rendered, or listed from the cluster)
 * @param object    the object after every mutating webhook: what the API server would store
 * @param mutatedBy the mutating webhooks that patched it, in order
 * @param deniedBy  the webhooks that denied it
 */
public record Evaluation(String source, String apiVersion, String kind, String namespace, String name,
                         Verdict verdict, List<String> messages, List<String> warnings, ArrayNode patch,
                         JsonNode original, JsonNode object, List<String> mutatedBy, List<String> deniedBy) {

    /** Rule names as the exposure guard tags its findings: {@code [service-type]}, {@code [ingress-class]}. */
    private static final Pattern RULE = Pattern.compile("\\[([a-z][a-z0-9-]*)]");

    public enum Verdict { ALLOWED, MUTATED, DENIED }

    public Evaluation {
        messages = List.copyOf(messages);
        warnings = List.copyOf(warnings);
        mutatedBy = List.copyOf(mutatedBy);
        deniedBy = List.copyOf(deniedBy);
    }

    /** The rules a denial names, else the webhooks that denied (a message without a rule tag). */
    public Set<String> deniedRules() {
        var rules = new LinkedHashSet<String>();
        for (var message : messages) {
            var matcher = RULE.matcher(message);
            while (matcher.find()) {
                rules.add(matcher.group(1));
            }
        }
        if (rules.isEmpty()) {
            rules.addAll(deniedBy);
        }
        return rules;
    }
}
