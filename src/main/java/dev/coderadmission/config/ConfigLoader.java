package dev.coderadmission.config;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Collectors;

/**
 * Reads the {@code coder-admission:} section of a YAML config file into {@link AdmissionConfig}.
 * Unknown keys are errors, not silently ignored: a typo in a security policy must not quietly
 * fall back to a default. Other top-level sections (e.g. {@code micronaut:}) are left to their owners.
 */
public final class ConfigLoader {
    public static final String ROOT = "coder-admission";

    private static final ObjectMapper YAML = YAMLMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
            // a key given twice is a merge mistake; YAML's "last one wins" would hide half of it
            .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .addModule(new SimpleModule("durations").addDeserializer(Duration.class, new Durations.Deserializer()))
            .build();

    private ConfigLoader() {
    }

    public static AdmissionConfig load(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new ConfigException("config " + file + ": cannot read: " + e.getMessage(), e);
        }
        return parse(text, file.toString());
    }

    public static AdmissionConfig parse(String yaml, String origin) {
        try {
            JsonNode root = YAML.readTree(yaml);
            if (root == null || root.isMissingNode() || root.isNull()) {
                return AdmissionConfig.defaults();
            }
            if (!root.isObject()) {
                throw new ConfigException("config " + origin + ": expected a YAML mapping at the top level");
            }
            JsonNode section = root.get(ROOT);
            if (section == null || section.isNull()) {
                return AdmissionConfig.defaults();
            }
            return YAML.treeToValue(section, AdmissionConfig.class);
        } catch (UnrecognizedPropertyException e) {
            throw new ConfigException("config " + origin + ": unknown key " + keyPath(e)
                    + " (known keys there: " + e.getKnownPropertyIds().stream().map(String::valueOf).sorted()
                    .collect(Collectors.joining(", ")) + ")", e);
        } catch (JsonMappingException e) {
            var cause = rootCause(e);
            var detail = cause instanceof IllegalArgumentException ? cause.getMessage() : e.getOriginalMessage();
            throw new ConfigException("config " + origin + ": invalid value at " + keyPath(e) + ": " + detail, e);
        } catch (JacksonException e) {
            throw new ConfigException("config " + origin + ": not valid YAML: " + e.getOriginalMessage(), e);
        }
    }

    private static Throwable rootCause(Throwable e) {
        var cause = e;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return cause;
    }

    private static String keyPath(JsonMappingException e) {
        var path = new StringBuilder(ROOT);
        for (var ref : e.getPath()) {
            if (ref.getFieldName() != null) {
                path.append('.').append(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                path.append('[').append(ref.getIndex()).append(']');
            }
        }
        return path.toString();
    }
}
