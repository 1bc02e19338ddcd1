package dev.coderadmission.policy.exposure;

import dev.coderadmission.admission.JsonScanner;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServiceSpec;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the Service under review into fabric8's model, but only the fields the exposure rules read
 * ({@link ServiceRules}, {@link CoderOwnership}, {@link Guard}): everything else is skipped. Binding the
 * whole model through Jackson's reflective bean deserializers was 18% of the event loop's CPU on a denied
 * Service (async-profiler, {@code run.sh} load, README "Benchmarks"), most of it fields no rule looks at;
 * Jackson's streaming parser, which replaced it, was still 13%, decoding every name and string it
 * skipped. This walks the object where it lies in the request's body ({@link JsonScanner}, told the bytes
 * were checked already, so skipped strings are passed over to their closing quote) and decodes only what
 * it keeps.
 *
 * <p><b>A rule that reads another field of a Service must add it here</b>; {@code ServiceReaderTest}
 * compares this reader with fabric8's full binding on every Service in the test resources.
 *
 * <p>Shapes are checked where a field is read, as the full binding did: {@code spec: "NodePort"} or
 * {@code ports: {}} is an error (a 400 naming the field), a scalar where a string belongs is taken as
 * its text, and {@code null} is an absent field. Of two members of the same name the last counts, as in
 * a tree. kube-apiserver has already decoded the object into its Go type before it calls a webhook, so a
 * wrong shape only comes from a hand-made request or the CLI.
 */
final class ServiceReader {
    private final byte[] bytes;
    private final JsonScanner scan;

    private ServiceReader(byte[] bytes, int start, int end) {
        this.bytes = bytes;
        this.scan = new JsonScanner(bytes, start, end, true);
    }

    /**
     * Reads the Service in {@code bytes[start, end)}: one JSON value, checked already (the request's body,
     * or JSON that Jackson wrote).
     *
     * @throws IllegalArgumentException naming the field when the JSON does not fit a Service
     */
    static Service read(byte[] bytes, int start, int end) {
        try {
            return new ServiceReader(bytes, start, end).service();
        } catch (JsonScanner.Malformed e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    private Service service() throws JsonScanner.Malformed {
        var service = new Service();
        object("the object", name -> {
            switch (name) {
                case "apiVersion" -> service.setApiVersion(string(name));
                case "kind" -> service.setKind(string(name));
                case "metadata" -> service.setMetadata(metadata());
                case "spec" -> service.setSpec(spec());
                default -> scan.value();
            }
        });
        return service;
    }

    private ObjectMeta metadata() throws JsonScanner.Malformed {
        if (skippedNull()) {
            return null;
        }
        var metadata = new ObjectMeta();
        object("metadata", name -> {
            switch (name) {
                case "name" -> metadata.setName(string(name));
                case "namespace" -> metadata.setNamespace(string(name));
                case "labels" -> metadata.setLabels(stringMap("metadata.labels"));
                case "annotations" -> metadata.setAnnotations(stringMap("metadata.annotations"));
                default -> scan.value();
            }
        });
        return metadata;
    }

    private ServiceSpec spec() throws JsonScanner.Malformed {
        if (skippedNull()) {
            return null;
        }
        var spec = new ServiceSpec();
        object("spec", name -> {
            switch (name) {
                case "type" -> spec.setType(string(name));
                case "loadBalancerClass" -> spec.setLoadBalancerClass(string(name));
                case "loadBalancerIP" -> spec.setLoadBalancerIP(string(name));
                case "externalName" -> spec.setExternalName(string(name));
                case "allocateLoadBalancerNodePorts" -> spec.setAllocateLoadBalancerNodePorts(bool(name));
                case "externalIPs" -> spec.setExternalIPs(strings("spec.externalIPs"));
                case "ports" -> spec.setPorts(ports());
                default -> scan.value();
            }
        });
        return spec;
    }

    private List<ServicePort> ports() throws JsonScanner.Malformed {
        if (skippedNull()) {
            return null;
        }
        expect('[', "spec.ports");
        var ports = new ArrayList<ServicePort>();
        scan.elements(index -> {
            if (skippedNull()) {
                ports.add(null);
                return;
            }
            var port = new ServicePort();
            object("spec.ports entry", name -> {
                switch (name) {
                    case "name" -> port.setName(string(name));
                    case "port" -> port.setPort(integer(name));
                    case "nodePort" -> port.setNodePort(integer(name));
                    default -> scan.value();
                }
            });
            ports.add(port);
        });
        return ports;
    }

    /** The members of the object at the position, each handed to {@code member} on its value. */
    private void object(String what, JsonScanner.Member member) throws JsonScanner.Malformed {
        expect('{', what);
        scan.members(member);
    }

    private Map<String, String> stringMap(String what) throws JsonScanner.Malformed {
        if (skippedNull()) {
            return null;
        }
        var map = new LinkedHashMap<String, String>();
        object(what, name -> map.put(name, string(what, ".", name)));
        return map;
    }

    private List<String> strings(String what) throws JsonScanner.Malformed {
        if (skippedNull()) {
            return null;
        }
        expect('[', what);
        var list = new ArrayList<String>();
        scan.elements(index -> list.add(string(what, " ", "entry")));
        return list;
    }

    private String string(String what) throws JsonScanner.Malformed {
        return string(what, "", "");
    }

    /**
     * A string, or a scalar's text. {@code what + separator + detail} names the field in an error, joined
     * only then: a label's value is read for every label of every Service.
     */
    private String string(String what, String separator, String detail) throws JsonScanner.Malformed {
        int c = scan.peek();
        switch (c) {
            case '"' -> {
                int start = scan.string();
                return scan.text(start);
            }
            case 'n' -> {
                scan.value();
                return null;
            }
            case '{', '[' -> throw new IllegalArgumentException(
                    what + separator + detail + ": expected a string, found " + describe(c));
            default -> {
                return literal();
            }
        }
    }

    private Integer integer(String what) throws JsonScanner.Malformed {
        int c = scan.peek();
        if (c == 'n') {
            scan.value();
            return null;
        }
        if (c == '"') {
            int start = scan.string();
            var text = scan.text(start);
            try {
                return Integer.valueOf(text.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(what + ": expected an integer, found \"" + text + "\"");
            }
        }
        if (c != '-' && (c < '0' || c > '9')) {
            throw new IllegalArgumentException(what + ": expected an integer, found " + describe(c));
        }
        var number = literal();
        for (int i = 0; i < number.length(); i++) {
            char d = number.charAt(i);
            if (d == '.' || d == 'e' || d == 'E') {
                throw new IllegalArgumentException(what + ": expected an integer, found a number (" + number + ")");
            }
        }
        try {
            return Integer.valueOf(number);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + ": expected an integer, found " + number + " (out of range)");
        }
    }

    private Boolean bool(String what) throws JsonScanner.Malformed {
        int c = scan.peek();
        switch (c) {
            case 'n' -> {
                scan.value();
                return null;
            }
            case 't', 'f' -> {
                scan.value();
                return c == 't';
            }
            case '"' -> {
                int start = scan.string();
                var text = scan.text(start);
                return switch (text.trim()) {
                    case "true" -> Boolean.TRUE;
                    case "false" -> Boolean.FALSE;
                    default -> throw new IllegalArgumentException(what + ": expected true or false, found \"" + text + "\"");
                };
            }
            default -> throw new IllegalArgumentException(what + ": expected true or false, found " + describe(c));
        }
    }

    /** A number or true/false as its JSON text (ASCII), as Jackson's {@code getText} gives it. */
    private String literal() throws JsonScanner.Malformed {
        int start = scan.position();
        scan.value();
        return new String(bytes, start, scan.position() - start, StandardCharsets.ISO_8859_1);
    }

    /** Consumes a {@code null} at the position and says so; anything else is left. */
    private boolean skippedNull() throws JsonScanner.Malformed {
        if (scan.peek() == 'n') {
            scan.value();
            return true;
        }
        return false;
    }

    private void expect(char open, String what) {
        int c = scan.peek();
        if (c != open) {
            throw new IllegalArgumentException(what + ": expected " + describe(open) + ", found " + describe(c));
        }
    }

    private static String describe(int c) {
        return switch (c) {
            case -1 -> "the end of the input";
            case '{' -> "an object";
            case '[' -> "an array";
            case '"' -> "a string";
            case 't', 'f' -> "a boolean";
            case 'n' -> "null";
            default -> "a number";
        };
    }
}
