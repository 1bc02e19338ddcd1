package dev.coderadmission.policy.agenturl;

import com.fasterxml.jackson.databind.JsonNode;
import dev.coderadmission.admission.AdmissionReviews;
import dev.coderadmission.admission.JsonScanner;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The parts of a pod the agent-url policy reads, found in one pass over its JSON ({@link JsonScanner}):
 * two labels, the agent-url annotation, and per container its name, restartPolicy, env, command and
 * args, as positions in the bytes. Nothing else is decoded and no tree is built: the tree of an 11 KB
 * workspace pod was 40% of its review, and the 4.5 KB bootstrap script it carries is rewritten where
 * it lies ({@link AccessUrlRewrite}). Where a tree keeps the last of two members of the same name,
 * so does this.
 */
final class PodJson {
    /** A value's bytes {@code [start, end)} in the pod's JSON; {@code escaped}: a string with an escape in it. */
    record Token(int start, int end, boolean escaped) {
    }

    /** A container of the pod; {@code env}, {@code command} and {@code args} are null when not arrays. */
    static final class Container {
        final String list;
        final int index;
        Token name;
        Token restartPolicy;
        boolean hasEnv;
        List<Env> env;
        List<Token> command;
        List<Token> args;

        Container(String list, int index) {
            this.list = list;
            this.index = index;
        }
    }

    /** An element of a container's env: its fields are null when absent, or when the element is not an object. */
    static final class Env {
        final int index;
        boolean isObject;
        Token name;
        Token value;
        Token valueFrom;

        Env(int index) {
            this.index = index;
        }
    }

    final byte[] json;
    boolean hasMetadata;
    boolean metadataIsObject;
    Token coderResourceLabel;
    Token appNameLabel;
    boolean hasAnnotations;
    boolean annotationsIsObject;
    Token agentUrlAnnotation;
    /** The object elements of spec.containers and spec.initContainers. */
    List<Container> containers = List.of();
    List<Container> initContainers = List.of();

    private final JsonScanner scan;

    private PodJson(byte[] json, int start, int end) {
        this.json = json;
        this.scan = new JsonScanner(json, start, end, true);
    }

    /** Reads a pod; {@code json} is one JSON object, checked already (the request's, or one Jackson wrote). */
    static PodJson read(byte[] json) throws JsonScanner.Malformed {
        return read(json, 0, json.length);
    }

    /**
     * Reads the pod in {@code json[start, end)}, one JSON object checked already (the request's body, where
     * the object lies: positions are the body's).
     */
    static PodJson read(byte[] json, int start, int end) throws JsonScanner.Malformed {
        var pod = new PodJson(json, start, end);
        pod.scan.members(field -> {
            switch (field) {
                case "metadata" -> pod.metadata();
                case "spec" -> pod.spec();
                default -> pod.scan.value();
            }
        });
        return pod;
    }

    private void metadata() throws JsonScanner.Malformed {
        hasMetadata = true;
        metadataIsObject = scan.peek() == '{';
        coderResourceLabel = null;
        appNameLabel = null;
        hasAnnotations = false;
        annotationsIsObject = false;
        agentUrlAnnotation = null;
        if (!metadataIsObject) {
            scan.value();
            return;
        }
        scan.members(field -> {
            switch (field) {
                case "labels" -> {
                    coderResourceLabel = null;
                    appNameLabel = null;
                    if (scan.peek() != '{') {
                        scan.value();
                        return;
                    }
                    scan.members(label -> {
                        switch (label) {
                            case "com.coder.resource" -> coderResourceLabel = token();
                            case "app.kubernetes.io/name" -> appNameLabel = token();
                            default -> scan.value();
                        }
                    });
                }
                case "annotations" -> {
                    hasAnnotations = true;
                    annotationsIsObject = scan.peek() == '{';
                    agentUrlAnnotation = null;
                    if (!annotationsIsObject) {
                        scan.value();
                        return;
                    }
                    scan.members(annotation -> {
                        if (AgentUrlPolicy.ANNOTATION.equals(annotation)) {
                            agentUrlAnnotation = token();
                        } else {
                            scan.value();
                        }
                    });
                }
                default -> scan.value();
            }
        });
    }

    private void spec() throws JsonScanner.Malformed {
        containers = List.of();
        initContainers = List.of();
        if (scan.peek() != '{') {
            scan.value();
            return;
        }
        scan.members(field -> {
            switch (field) {
                case "containers" -> containers = containers("containers");
                case "initContainers" -> initContainers = containers("initContainers");
                default -> scan.value();
            }
        });
    }

    private List<Container> containers(String list) throws JsonScanner.Malformed {
        if (scan.peek() != '[') {
            scan.value();
            return List.of();
        }
        var result = new ArrayList<Container>();
        scan.elements(index -> {
            if (scan.peek() == '{') {
                result.add(container(list, index));
            } else {
                scan.value();
            }
        });
        return result;
    }

    private Container container(String list, int index) throws JsonScanner.Malformed {
        var container = new Container(list, index);
        scan.members(field -> {
            switch (field) {
                case "name" -> container.name = token();
                case "restartPolicy" -> container.restartPolicy = token();
                case "env" -> {
                    container.hasEnv = true;
                    container.env = scan.peek() == '[' ? env() : skipped();
                }
                case "command" -> container.command = scan.peek() == '[' ? tokens() : skipped();
                case "args" -> container.args = scan.peek() == '[' ? tokens() : skipped();
                default -> scan.value();
            }
        });
        return container;
    }

    private List<Env> env() throws JsonScanner.Malformed {
        var result = new ArrayList<Env>();
        scan.elements(index -> {
            var env = new Env(index);
            result.add(env);
            if (scan.peek() != '{') {
                scan.value();
                return;
            }
            env.isObject = true;
            scan.members(field -> {
                switch (field) {
                    case "name" -> env.name = token();
                    case "value" -> env.value = token();
                    case "valueFrom" -> env.valueFrom = token();
                    default -> scan.value();
                }
            });
        });
        return result;
    }

    private List<Token> tokens() throws JsonScanner.Malformed {
        var result = new ArrayList<Token>();
        scan.elements(index -> result.add(token()));
        return result;
    }

    /** Skips a value that is not the array a field should be; null. */
    private <T> List<T> skipped() throws JsonScanner.Malformed {
        scan.value();
        return null;
    }

    private Token token() throws JsonScanner.Malformed {
        scan.peek();
        int start = scan.position();
        boolean escaped = false;
        if (json[start] == '"') {
            scan.string();
            escaped = scan.escaped();
        } else {
            scan.value();
        }
        return new Token(start, scan.position(), escaped);
    }

    boolean isString(Token token) {
        return token != null && json[token.start()] == '"';
    }

    /**
     * The value as {@code JsonNode.asText(absent)} reads it: a string's text, a scalar's text, "" for an
     * object or array, {@code absent} when there is no value or it is null.
     */
    String text(Token token, String absent) {
        if (token == null) {
            return absent;
        }
        try {
            if (isString(token)) {
                return JsonScanner.text(json, token.start(), token.end(), token.escaped());
            }
            // a number, boolean, null, object or array where a string belongs: rare, and Jackson says what its text is
            JsonNode node = AdmissionReviews.JSON.readTree(json, token.start(), token.end() - token.start());
            return node.asText(absent);
        } catch (JsonScanner.Malformed | IOException e) {
            throw new IllegalStateException("a token the scanner checked does not parse", e);
        }
    }

    /** Whether the value is the string {@code text}. */
    boolean isText(Token token, String text) {
        return isString(token) && text.equals(text(token, null));
    }
}
