package dev.coderadmission.policy.agenturl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.coderadmission.admission.AdmissionRequest;
import dev.coderadmission.admission.AdmissionReviews;
import dev.coderadmission.admission.Decision;
import dev.coderadmission.admission.Operation;
import dev.coderadmission.config.ConfigLoader;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link AgentUrlPolicy} reads pods from their bytes and rewrites the access URL in the escaped JSON;
 * {@link TreeAgentUrlPolicy}, the way it was written before, reads the tree and matches the decoded
 * text with a regular expression. Both judge the same AdmissionReviews here, thousands of random pods
 * written with random escapes (kube-apiserver's, Jackson's, and ones neither writes, like {@code \/}
 * and a letter as a six-character unicode escape), and must agree on the decision, the warnings and the patch: as a tree, and as
 * the JSON the server answers with.
 */
class AgentUrlPolicyOracleTest {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final String ACCESS = "https://coder.example.com";
    private static final String INTERNAL = "http://coder.coder.svc.cluster.local:80";
    /** Pieces of the strings the pods hold: the URL, things that make it not whole, and what needs escaping. */
    private static final List<String> PIECES = List.of(ACCESS, ACCESS, ACCESS + "/bin/coder", ACCESS + ".evil.io",
            ACCESS + ":8443", ACCESS + "-x", ACCESS + "\n", ACCESS + "\"", "\"" + ACCESS + "\"", "https://coder.example.co",
            "http://coder.example.com", "\n", "\t", "\"", "\\", "/", " && ", "<tag>", "é", "😀", "\u2028", "\u0001",
            "export CODER_AGENT_URL=", "h", "https://", "coder", ".", ":", "-", "a");

    private final Random random = new Random(20261123);

    @Test
    void agreesWithTheTreePolicyOnRandomPods() throws Exception {
        var bytes = policy(ACCESS);
        var tree = treePolicy(ACCESS);
        int patched = 0;
        for (int i = 0; i < 3000; i++) {
            var pod = pod();
            var review = review(pod, random.nextInt(3));
            var expected = tree.admit(AdmissionReviews.decode(review));
            var actual = bytes.admit(AdmissionReviews.decode(review));
            agree(review, expected, actual);
            patched += actual instanceof Decision.Patch ? 1 : 0;
        }
        // the pods are mostly workspaces: most reviews must have exercised a patch
        assertThat(patched).isGreaterThan(1500);
    }

    @Test
    void agreesOnTheLoadTestsWorkspacePodAndOnTreesGivenOffline() throws Exception {
        var bytes = policy("https://coder.enigma.vgijssel.nl");
        var tree = treePolicy("https://coder.enigma.vgijssel.nl");
        var review = Files.readAllBytes(Path.of("src/test/resources/admission/loadtest-pod-workspace.json"));
        var expected = tree.admit(AdmissionReviews.decode(review));
        agree(review, expected, bytes.admit(AdmissionReviews.decode(review)));
        assertThat(expected).isInstanceOf(Decision.Patch.class);

        // offline (dry-run, test, audit) a policy is given a tree, with no bytes behind it
        var request = AdmissionReviews.decode(review);
        var offline = new AdmissionRequest(request.uid(), "", "v1", "Pod", request.namespace(), request.name(),
                Operation.CREATE, request.object(), null, true);
        assertThat(offline.unparsedObjectJson()).isNull();
        assertThat(bytes.admit(offline)).isEqualTo(expected);
    }

    private static dev.coderadmission.config.AdmissionConfig config(String accessUrl) {
        return ConfigLoader.parse("""
                coder-admission:
                  coder: {access-url: "%s"}
                  agent-url: {url: "%s", config-map: ""}
                  kubernetes: {enabled: false}
                """.formatted(accessUrl, INTERNAL), "oracle");
    }

    private static AgentUrlPolicy policy(String accessUrl) {
        var config = config(accessUrl);
        return new AgentUrlPolicy(config.agentUrl(), config.coder(), AgentUrl.fixed(Optional.of(INTERNAL), "config"));
    }

    private static TreeAgentUrlPolicy treePolicy(String accessUrl) {
        var config = config(accessUrl);
        return new TreeAgentUrlPolicy(config.agentUrl(), config.coder(), AgentUrl.fixed(Optional.of(INTERNAL), "config"));
    }

    private static void agree(byte[] review, Decision expected, Decision actual) throws Exception {
        var what = new String(review, StandardCharsets.UTF_8);
        assertThat(actual.getClass()).as(what).isEqualTo(expected.getClass());
        assertThat(actual.warnings()).as(what).isEqualTo(expected.warnings());
        if (expected instanceof Decision.Patch patch) {
            assertThat(((Decision.Patch) actual).operations()).as(what).isEqualTo(patch.operations());
            // and the bytes the server answers with say the same
            var answer = AdmissionReviews.JSON.readTree(AdmissionReviews.encode("u", actual));
            var sent = AdmissionReviews.JSON.readTree(Base64.getDecoder().decode(answer.path("response").path("patch").asText()));
            assertThat(sent).as(what).isEqualTo(patch.operations());
            assertThat(((Decision.Patch) actual).size()).isEqualTo(patch.operations().size());
        }
    }

    /**
     * managedFields as kube-apiserver sends them, naming the label and the annotation the policy reads,
     * and a trap: a "labels" member inside an entry. The tree policy never sees them (cut before the tree
     * is built); the bytes policy walks over them where they lie in the request.
     */
    private static void managedFields(ObjectNode metadata) {
        var entry = metadata.putArray("managedFields").addObject().put("manager", "kubectl").put("operation", "Update")
                .put("fieldsType", "FieldsV1");
        var fields = entry.putObject("fieldsV1").putObject("f:metadata");
        fields.putObject("f:labels").putObject("f:com.coder.resource");
        fields.putObject("f:annotations").putObject("f:" + AgentUrlPolicy.ANNOTATION);
        entry.putObject("labels").put("com.coder.resource", "true");
    }

    /** A pod with random parts, mostly well-formed, sometimes with a field of the wrong type. */
    private ObjectNode pod() {
        var pod = NODES.objectNode().put("apiVersion", "v1").put("kind", "Pod");
        if (random.nextInt(12) > 0) {
            var metadata = pod.putObject("metadata").put("generateName", "ws-").put("namespace", "coder-workspace");
            boolean managedFieldsFirst = random.nextBoolean();
            if (managedFieldsFirst) {
                managedFields(metadata);
            }
            if (random.nextInt(3) == 0) {
                var labels = metadata.putObject("labels").put("app", "x");
                switch (random.nextInt(4)) {
                    case 0 -> labels.put("com.coder.resource", "true");
                    case 1 -> labels.put("com.coder.resource", true);
                    case 2 -> labels.put("app.kubernetes.io/name", "coder-workspace");
                    default -> labels.put("com.coder.resource", "false");
                }
            }
            switch (random.nextInt(5)) {
                case 0 -> metadata.putObject("annotations").put(AgentUrlPolicy.ANNOTATION, INTERNAL);
                case 1 -> metadata.putObject("annotations").put(AgentUrlPolicy.ANNOTATION, ACCESS);
                case 2 -> metadata.putObject("annotations").put("other", "x");
                case 3 -> metadata.put("annotations", random.nextBoolean() ? "none" : null);
                default -> { }
            }
            if (!managedFieldsFirst) {
                managedFields(metadata);
            }
        } else if (random.nextBoolean()) {
            pod.put("metadata", "not an object");
        }
        var spec = pod.putObject("spec");
        var containers = spec.putArray("containers");
        for (int i = random.nextInt(4); i > 0; i--) {
            containers.add(random.nextInt(15) == 0 ? NODES.textNode("not a container") : container());
        }
        if (random.nextInt(3) == 0) {
            var init = spec.putArray("initContainers");
            for (int i = random.nextInt(3); i > 0; i--) {
                var container = container();
                switch (random.nextInt(4)) {
                    case 0, 1 -> container.put("restartPolicy", "Always");
                    case 2 -> container.put("restartPolicy", "OnFailure");
                    default -> { }
                }
                init.add(container);
            }
        }
        spec.putArray("volumes").addObject().put("name", "home").putObject("emptyDir");
        return pod;
    }

    private ObjectNode container() {
        var container = NODES.objectNode();
        switch (random.nextInt(8)) {
            case 0 -> { }
            case 1 -> container.put("name", 7);
            default -> container.put("name", "c" + random.nextInt(100));
        }
        container.put("image", "codercom/enterprise-base:ubuntu");
        switch (random.nextInt(8)) {
            case 0 -> { }
            case 1 -> container.putNull("env");
            default -> container.set("env", env());
        }
        for (var field : List.of("command", "args")) {
            if (random.nextInt(3) == 0) {
                var strings = container.putArray(field);
                for (int i = random.nextInt(4); i > 0; i--) {
                    if (random.nextInt(10) == 0) {
                        strings.add(random.nextInt(3));
                    } else {
                        strings.add(text());
                    }
                }
            }
        }
        return container;
    }

    private ArrayNode env() {
        var env = NODES.arrayNode();
        for (int i = random.nextInt(6); i > 0; i--) {
            if (random.nextInt(20) == 0) {
                env.add("not an entry");
                continue;
            }
            var entry = env.addObject();
            var names = List.of("CODER_AGENT_TOKEN", "CODER_AGENT_TOKEN_FILE", "CODER_AGENT_URL", "ENVBUILDER_INIT_SCRIPT",
                    "HOME", "HOME");
            entry.put("name", names.get(random.nextInt(names.size())));
            switch (random.nextInt(10)) {
                case 0 -> entry.putObject("valueFrom").putObject("secretKeyRef").put("name", "s").put("key", "k");
                case 1 -> { }
                case 2 -> entry.put("value", 42);
                case 3 -> entry.put("value", INTERNAL);
                case 4 -> entry.putNull("value");
                default -> entry.put("value", text());
            }
        }
        return env;
    }

    /** A string of random pieces: often with the access URL in it, whole or not. */
    private String text() {
        var text = new StringBuilder();
        for (int i = random.nextInt(12); i > 0; i--) {
            text.append(PIECES.get(random.nextInt(PIECES.size())));
        }
        return text.toString();
    }

    /**
     * The AdmissionReview, written with {@code style} of escapes: 0 as Jackson writes (quote, backslash,
     * control characters), 1 as kube-apiserver's Go encoder (and {@code < > &}, U+2028), 2 with escapes
     * no encoder here writes ({@code \/}, and ASCII letters as six-character unicode escapes) that send a string to the
     * decoding path.
     */
    private byte[] review(ObjectNode pod, int style) {
        var request = NODES.objectNode().put("uid", "u-1");
        request.putObject("kind").put("group", "").put("version", "v1").put("kind", "Pod");
        request.put("namespace", "coder-workspace").put("operation", "CREATE");
        request.set("object", pod);
        var review = NODES.objectNode().put("apiVersion", AdmissionReviews.API_VERSION).put("kind", AdmissionReviews.KIND);
        review.set("request", request);
        var out = new StringBuilder();
        write(review, style, out);
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    private void write(JsonNode node, int style, StringBuilder out) {
        if (node.isObject()) {
            out.append('{');
            boolean first = true;
            for (var field : node.properties()) {
                out.append(first ? "" : ",");
                first = false;
                string(field.getKey(), style, out);
                out.append(':');
                write(field.getValue(), style, out);
            }
            out.append('}');
        } else if (node.isArray()) {
            out.append('[');
            for (int i = 0; i < node.size(); i++) {
                out.append(i > 0 ? "," : "");
                write(node.get(i), style, out);
            }
            out.append(']');
        } else if (node.isTextual()) {
            string(node.textValue(), style, out);
        } else {
            out.append(node);
        }
    }

    private void string(String text, int style, StringBuilder out) {
        out.append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\t' -> out.append("\\t");
                default -> {
                    boolean go = style == 1 && (c == '<' || c == '>' || c == '&' || c == '\u2028');
                    boolean odd = style == 2 && random.nextInt(40) == 0 && (c == '/' || Character.isLetter(c));
                    if (c < 0x20 || go || (odd && c != '/')) {
                        out.append("\\u%04x".formatted((int) c));
                    } else if (odd) {
                        out.append("\\/");
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
