package dev.coderadmission.admission;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The one-pass reader against Jackson's tree, the reference it replaced: the same envelope, the same
 * object minus metadata.managedFields, and malformed JSON anywhere (also inside an object no policy
 * reads) rejected as "not valid JSON".
 */
class ReviewReaderTest {
    private static final String HEAD = "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{\"uid\":\"u-1\","
            + "\"kind\":{\"group\":\"\",\"version\":\"v1\",\"kind\":\"Pod\"},\"namespace\":\"ns\",\"operation\":\"CREATE\",";

    private static AdmissionRequest read(String json) throws InvalidReviewException {
        return ReviewReader.read(json.getBytes(StandardCharsets.UTF_8));
    }

    private static JsonNode tree(String json) throws IOException {
        return AdmissionReviews.JSON.readTree(json);
    }

    private static JsonNode withoutManagedFields(JsonNode object) {
        var copy = object.deepCopy();
        if (copy.path("metadata") instanceof ObjectNode metadata) {
            metadata.remove("managedFields");
        }
        return copy;
    }

    /** The stored reviews: kube-apiserver's shape, managedFields included (loadtest-*: the load test's payloads). */
    static Stream<Path> reviews() throws IOException {
        var fuzz = Path.of("src/test/resources/dev/coderadmission/admission/AdmissionFuzzTestInputs/everyInputGetsAWellFormedAnswer");
        try (var files = Files.list(Path.of("src/test/resources/admission"))) {
            return Stream.concat(files.filter(f -> f.toString().endsWith(".json")).sorted().toList().stream(),
                    Stream.of("workspace-pod", "nodeport-service", "tenant-ingress").map(fuzz::resolve));
        }
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.MethodSource("reviews")
    void everyStoredReviewReadsAsJacksonReadsIt(Path file) throws Exception {
        var bytes = Files.readAllBytes(file);
        var reference = AdmissionReviews.JSON.readTree(bytes).path("request");

        var request = ReviewReader.read(bytes);

        assertThat(request.uid()).isEqualTo(reference.path("uid").asText());
        assertThat(request.kind()).isEqualTo(reference.path("kind").path("kind").asText());
        assertThat(request.group()).isEqualTo(reference.path("kind").path("group").asText());
        assertThat(request.namespace()).isEqualTo(reference.path("namespace").asText());
        assertThat(request.name()).isEqualTo(reference.path("name").asText());
        assertThat(request.operation().name()).isEqualTo(reference.path("operation").asText());
        assertThat(request.dryRun()).isEqualTo(reference.path("dryRun").asBoolean(false));
        assertThat(request.object()).isEqualTo(withoutManagedFields(reference.path("object")));
        if (reference.path("oldObject").isObject()) {
            assertThat(request.oldObject()).isEqualTo(withoutManagedFields(reference.path("oldObject")));
        } else {
            assertThat(request.oldObject().isMissingNode()).isTrue();
        }
    }

    static Stream<org.junit.jupiter.params.provider.Arguments> metadata() {
        return Stream.of(
                org.junit.jupiter.params.provider.Arguments.of("first member",
                        "{\"managedFields\":[{\"manager\":\"kubectl\",\"fieldsV1\":{\"f:spec\":{}}}],\"name\":\"p\",\"labels\":{\"a\":\"b\"}}"),
                org.junit.jupiter.params.provider.Arguments.of("middle member",
                        "{\"name\":\"p\",\"managedFields\":[{\"manager\":\"x\"}],\"labels\":{\"a\":\"b\"}}"),
                org.junit.jupiter.params.provider.Arguments.of("last member, a bracket in a key",
                        "{\"name\":\"p\",\"labels\":{\"a\":\"b\"},\"managedFields\":[{\"fieldsV1\":{\"k:{\\\"x\\\":\\\"]\\\"}\":{}}}]}"),
                org.junit.jupiter.params.provider.Arguments.of("only member", "{\"managedFields\":[]}"),
                org.junit.jupiter.params.provider.Arguments.of("pretty-printed",
                        "{ \"name\" : \"p\" ,\n  \"managedFields\" :\t[ { \"manager\" : \"x\" } ]\n  ,\"labels\" : { } }"),
                org.junit.jupiter.params.provider.Arguments.of("pretty-printed, last", "{ \"name\" : \"p\" ,\n  \"managedFields\" : [ ]\n }"),
                org.junit.jupiter.params.provider.Arguments.of("not an array", "{\"name\":\"p\",\"managedFields\":null}"));
    }

    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.MethodSource("metadata")
    void managedFieldsAreCutWhereverTheyAre(String ignored, String metadata) throws Exception {
        var object = "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":" + metadata + ",\"spec\":{\"managedFields\":1}}";

        var request = read(HEAD + "\"object\":" + object + ",\"oldObject\":" + object + ",\"dryRun\":true}}");

        var expected = withoutManagedFields(tree(object));
        assertThat(request.object()).isEqualTo(expected);
        assertThat(request.oldObject()).isEqualTo(expected);
        // only metadata's: a field of that name elsewhere is data
        assertThat(request.object().path("spec").path("managedFields").asInt()).isEqualTo(1);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "{\"a\":tru}", "{\"a\":[1,2,]}", "{\"a\":{\"b\":1,}}", "{\"a\" 1}", "{\"a\":\"unterminated}",
            "{\"a\":\"bad escape \\x\"}", "{\"a\":\"bad unicode \\u12G4\"}", "{\"a\":01}", "{\"a\":1.}", "{\"a\":-}",
            "{\"a\":1e}", "{\"a\":[1 2]}", "{\"a\":\"control \u0001 char\"}", "{1:2}", "{\"a\":nul}", "{\"a\":[}"})
    void malformedJsonInsideAnObjectIsNotValidJson(String object) {
        assertThatThrownBy(() -> read(HEAD + "\"object\":" + object + "}}"))
                .isInstanceOf(InvalidReviewException.class).hasMessageStartingWith("body is not valid JSON: ");
    }

    @Test
    void nestingIsLimitedLikeJacksons() throws Exception {
        var deepest = "[".repeat(JsonScanner.MAX_DEPTH - 2) + "]".repeat(JsonScanner.MAX_DEPTH - 2);
        assertThat(read(HEAD + "\"object\":{\"a\":" + deepest + "}}}").object().path("a").isArray()).isTrue();

        var tooDeep = "[".repeat(JsonScanner.MAX_DEPTH + 1) + "]".repeat(JsonScanner.MAX_DEPTH + 1);
        assertThatThrownBy(() -> read(HEAD + "\"object\":{\"a\":" + tooDeep + "}}}"))
                .isInstanceOf(InvalidReviewException.class).hasMessageContaining("nesting deeper than 1000");
    }

    @Test
    void validJsonOfEveryShapeIsAccepted() throws Exception {
        var object = "{\"n\":[0,-0,1,-1.5,1e5,1.5E-3,2e+2,123456789012345678901234567890],\"t\":true,\"f\":false,\"z\":null,"
                + "\"s\":\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u00e9 \\ud83d\\ude00 ü ✓\",\"e\":{},\"a\":[],\"o\":{\"x\":[{}]}}";

        assertThat(read(HEAD + "\"object\":" + object + "}}").object()).isEqualTo(tree(object));
    }

    @Test
    void escapedEnvelopeStringsAndNamesAreDecoded() throws Exception {
        var json = "{\"apiVersion\":\"admission.k8s.io\\/v1\",\"kind\":\"AdmissionReview\",\"request\":{\"\\u0075id\":\"a\\\"b\\u00e9\","
                + "\"kind\":{\"group\":\"\",\"version\":\"v1\",\"kind\":\"Pod\"},\"na\\u006de\":\"p\\n1\",\"operation\":\"DELETE\"}}";

        var request = read(json);

        assertThat(request.uid()).isEqualTo("a\"bé");
        assertThat(request.name()).isEqualTo("p\n1");
        assertThat(request.object().isMissingNode()).isTrue();
        assertThat(request.oldObject().isMissingNode()).isTrue();
    }

    @ParameterizedTest(name = "dryRun {0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            true      | true
            false     | false
            "true"    | true
            " true "  | true
            "yes"     | false
            1         | true
            0         | false
            -0        | false
            2.5       | false
            null      | false
            {}        | false
            [true]    | false
            """)
    void dryRunReadsAsJacksonsAsBoolean(String value, boolean expected) throws Exception {
        var json = HEAD + "\"object\":{},\"dryRun\":" + value + "}}";
        assertThat(read(json).dryRun()).isEqualTo(expected)
                .isEqualTo(tree(json).path("request").path("dryRun").asBoolean(false));
    }

    @ParameterizedTest
    @ValueSource(strings = {"[]", "\"review\"", "42", "null", "   ", "[1,"})
    void aBodyThatIsNotAnObjectSaysSo(String body) {
        assertThatThrownBy(() -> read(body)).isInstanceOf(InvalidReviewException.class)
                .hasMessage(body.equals("[1,") ? "body is not valid JSON: unexpected end of input at byte 3, expected a value"
                        : "body is not a JSON object");
    }

    @Test
    void anObjectThatIsNotUtf8IsA400WhenAPolicyReadsIt() {
        var webhook = new Webhook("test", Webhook.Phase.VALIDATING, request -> {
            request.object();
            return Decision.allow();
        });
        var prefix = (HEAD + "\"object\":{\"a\":\"").getBytes(StandardCharsets.UTF_8);
        var suffix = "\"}}}".getBytes(StandardCharsets.UTF_8);
        var body = new byte[prefix.length + 2 + suffix.length];
        System.arraycopy(prefix, 0, body, 0, prefix.length);
        body[prefix.length] = (byte) 0xC3; // a two-byte sequence cut short
        body[prefix.length + 1] = (byte) 0x28;
        System.arraycopy(suffix, 0, body, prefix.length + 2, suffix.length);

        var answer = AdmissionHandler.handle(webhook, body);

        assertThat(answer.status()).isEqualTo(400);
        assertThat(new String(answer.body(), StandardCharsets.UTF_8)).contains("request object is not valid JSON");
        // a policy that never reads the object answers without parsing it
        assertThat(AdmissionHandler.handle(new Webhook("test", Webhook.Phase.VALIDATING, request -> Decision.allow()), body)
                .status()).isEqualTo(200);
    }

    @Test
    void theObjectIsParsedOnceAndKept() throws Exception {
        var request = read(HEAD + "\"object\":{\"metadata\":{\"generateName\":\"p-\"}}}}");
        assertThat(request.object()).isSameAs(request.object());
        assertThat(request.describe()).isEqualTo("Pod ns/p-<generated>");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            {"metadata":{"generateName":"p-","namespace":"team"}}                          | p-  | team
            {"metadata":{"generateName":"p-\\u0031","namespace":"t\\u0065am"}}             | p-1 | team
            {"metadata":{"generateName":7,"namespace":null}}                              | 7   | ''
            {"metadata":{"namespace":"old"},"metadata":{"generateName":"new-"}}           | new- | ''
            {"metadata":"none"}                                                           | ''  | ''
            {"spec":{}}                                                                   | ''  | ''
            """)
    void theNameAndNamespaceALogLineNeedsAreReadWithoutATree(String object, String generateName, String namespace)
            throws Exception {
        var request = read(HEAD.replace("\"namespace\":\"ns\",", "\"namespace\":\"\",") + "\"object\":" + object + "}}");
        assertThat(request.displayName()).isEqualTo(generateName + "<generated>");
        assertThat(request.effectiveNamespace()).isEqualTo(namespace);
        // and what a tree says, where the strings were enough to say it without one
        var tree = request.object().path("metadata");
        assertThat(request.displayName()).isEqualTo(tree.path("generateName").asText("") + "<generated>");
        assertThat(request.effectiveNamespace()).isEqualTo(tree.path("namespace").asText(""));
    }

    @Test
    void aStringNameLeavesTheObjectUnparsed() throws Exception {
        var request = read(HEAD + "\"object\":{\"metadata\":{\"generateName\":\"p-\"}}}}");
        assertThat(request.describe()).isEqualTo("Pod ns/p-<generated>");
        assertThat(request.unparsedObjectJson()).as("no tree was built").isNotNull();
    }
}
