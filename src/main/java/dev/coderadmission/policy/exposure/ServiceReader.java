package dev.coderadmission.policy.exposure;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServiceSpec;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the Service under review into fabric8's model, but only the fields the exposure rules read
 * ({@link ServiceRules}, {@link CoderOwnership}, {@link Guard}): everything else is skipped. Binding the
 * whole model through Jackson's reflective bean deserializers was 18% of the event loop's CPU on a denied
 * Service (async-profiler, {@code run.sh} load, README "Benchmarks"), most of it fields no rule looks at.
 *
 * <p><b>A rule that reads another field of a Service must add it here</b>; {@code ServiceReaderTest}
 * compares this reader with fabric8's full binding on every Service in the test resources.
 *
 * <p>Shapes are checked where a field is read, as the full binding did: {@code spec: "NodePort"} or
 * {@code ports: {}} is an error (a 400 naming the field), a scalar where a string belongs is taken as
 * its text, and {@code null} is an absent field. kube-apiserver has already decoded the object into its
 * Go type before it calls a webhook, so a wrong shape only comes from a hand-made request or the CLI.
 */
final class ServiceReader {
    private ServiceReader() {
    }

    /** A field of the object being read: the parser is on its value, which the body must consume. */
    private interface Field {
        void read(String name) throws IOException;
    }

    static Service read(JsonParser parser) throws IOException {
        parser.nextToken();
        var service = new Service();
        object(parser, "the object", name -> {
            switch (name) {
                case "apiVersion" -> service.setApiVersion(string(parser, name));
                case "kind" -> service.setKind(string(parser, name));
                case "metadata" -> service.setMetadata(metadata(parser));
                case "spec" -> service.setSpec(spec(parser));
                default -> parser.skipChildren();
            }
        });
        return service;
    }

    private static ObjectMeta metadata(JsonParser parser) throws IOException {
        if (parser.currentToken() == JsonToken.VALUE_NULL) {
            return null;
        }
        var metadata = new ObjectMeta();
        object(parser, "metadata", name -> {
            switch (name) {
                case "name" -> metadata.setName(string(parser, name));
                case "namespace" -> metadata.setNamespace(string(parser, name));
                case "labels" -> metadata.setLabels(stringMap(parser, "metadata.labels"));
                case "annotations" -> metadata.setAnnotations(stringMap(parser, "metadata.annotations"));
                default -> parser.skipChildren();
            }
        });
        return metadata;
    }

    private static ServiceSpec spec(JsonParser parser) throws IOException {
        if (parser.currentToken() == JsonToken.VALUE_NULL) {
            return null;
        }
        var spec = new ServiceSpec();
        object(parser, "spec", name -> {
            switch (name) {
                case "type" -> spec.setType(string(parser, name));
                case "loadBalancerClass" -> spec.setLoadBalancerClass(string(parser, name));
                case "loadBalancerIP" -> spec.setLoadBalancerIP(string(parser, name));
                case "externalName" -> spec.setExternalName(string(parser, name));
                case "allocateLoadBalancerNodePorts" -> spec.setAllocateLoadBalancerNodePorts(bool(parser, name));
                case "externalIPs" -> spec.setExternalIPs(strings(parser, "spec.externalIPs"));
                case "ports" -> spec.setPorts(ports(parser));
                default -> parser.skipChildren();
            }
        });
        return spec;
    }

    private static List<ServicePort> ports(JsonParser parser) throws IOException {
        if (parser.currentToken() == JsonToken.VALUE_NULL) {
            return null;
        }
        expect(parser, JsonToken.START_ARRAY, "spec.ports");
        var ports = new ArrayList<ServicePort>();
        while (parser.nextToken() != JsonToken.END_ARRAY) {
            if (parser.currentToken() == JsonToken.VALUE_NULL) {
                ports.add(null);
                continue;
            }
            var port = new ServicePort();
            object(parser, "spec.ports entry", name -> {
                switch (name) {
                    case "name" -> port.setName(string(parser, name));
                    case "port" -> port.setPort(integer(parser, name));
                    case "nodePort" -> port.setNodePort(integer(parser, name));
                    default -> parser.skipChildren();
                }
            });
            ports.add(port);
        }
        return ports;
    }

    /** The members of the object the parser is on, each handed to {@code field} on its value. */
    private static void object(JsonParser parser, String what, Field field) throws IOException {
        expect(parser, JsonToken.START_OBJECT, what);
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            var name = parser.currentName();
            parser.nextToken();
            field.read(name);
        }
    }

    private static Map<String, String> stringMap(JsonParser parser, String what) throws IOException {
        if (parser.currentToken() == JsonToken.VALUE_NULL) {
            return null;
        }
        var map = new LinkedHashMap<String, String>();
        object(parser, what, name -> map.put(name, string(parser, what + "." + name)));
        return map;
    }

    private static List<String> strings(JsonParser parser, String what) throws IOException {
        if (parser.currentToken() == JsonToken.VALUE_NULL) {
            return null;
        }
        expect(parser, JsonToken.START_ARRAY, what);
        var list = new ArrayList<String>();
        while (parser.nextToken() != JsonToken.END_ARRAY) {
            list.add(string(parser, what + " entry"));
        }
        return list;
    }

    private static String string(JsonParser parser, String what) throws IOException {
        var token = parser.currentToken();
        if (token == JsonToken.VALUE_NULL) {
            return null;
        }
        if (!token.isScalarValue()) {
            throw new IllegalArgumentException(what + ": expected a string, found " + describe(token));
        }
        return parser.getText();
    }

    private static Integer integer(JsonParser parser, String what) throws IOException {
        return switch (parser.currentToken()) {
            case VALUE_NULL -> null;
            case VALUE_NUMBER_INT -> parser.getIntValue();
            case VALUE_STRING -> {
                try {
                    yield Integer.valueOf(parser.getText().trim());
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException(what + ": expected an integer, found \"" + parser.getText() + "\"");
                }
            }
            default -> throw new IllegalArgumentException(what + ": expected an integer, found " + describe(parser.currentToken()));
        };
    }

    private static Boolean bool(JsonParser parser, String what) throws IOException {
        return switch (parser.currentToken()) {
            case VALUE_NULL -> null;
            case VALUE_TRUE -> Boolean.TRUE;
            case VALUE_FALSE -> Boolean.FALSE;
            case VALUE_STRING -> switch (parser.getText().trim()) {
                case "true" -> Boolean.TRUE;
                case "false" -> Boolean.FALSE;
                default -> throw new IllegalArgumentException(what + ": expected true or false, found \"" + parser.getText() + "\"");
            };
            default -> throw new IllegalArgumentException(what + ": expected true or false, found " + describe(parser.currentToken()));
        };
    }

    private static void expect(JsonParser parser, JsonToken expected, String what) {
        if (parser.currentToken() != expected) {
            throw new IllegalArgumentException(what + ": expected " + describe(expected) + ", found " + describe(parser.currentToken()));
        }
    }

    private static String describe(JsonToken token) {
        if (token == null) {
            return "the end of the input";
        }
        return switch (token) {
            case START_OBJECT -> "an object";
            case START_ARRAY -> "an array";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            default -> token.toString();
        };
    }
}
