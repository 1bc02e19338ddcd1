package dev.coderadmission.admission;

import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Every answer is written by hand (no tree): it must be, byte for byte, what Jackson writes for the
 * AdmissionReview tree the webhook used to build, for every decision shape and awkward text.
 */
class AdmissionReviewsTest {
    private static final String OPERATIONS = "[{\"op\":\"add\",\"path\":\"/metadata/annotations/a~1b\",\"value\":\"x\\\"y ✓\"}]";
    private static final List<String> UIDS = List.of("705ab4f5-6393-11e8-b7cc-42010a800002", "quote\" backslash\\ newline\n ünïcode ✓", "");
    private static final String AWKWARD = "Service coder/coder: [service-type] type \"NodePort\" \\ opens\tport\u0001 on every node; "
            + "use <ClusterIP> & ✓ \uD83D\uDE80 \u2028";

    static Stream<Arguments> answers() throws Exception {
        var operations = AdmissionReviews.JSON.readTree(OPERATIONS);
        var decisions = List.<Decision>of(
                Decision.allow(),
                Decision.allow(List.of("coder-admission Ingress web/x: a warning", AWKWARD)),
                new Decision.Deny(403, AWKWARD, List.of()),
                new Decision.Deny(403, "denied", List.of("already had this", AWKWARD)),
                new Decision.Deny(400, "Service coder/coder: request.object is not a valid Service: spec: expected an object", List.of()),
                new Decision.Patch(operations, List.of()),
                new Decision.Patch(operations, List.of("rewrote the backend", AWKWARD)),
                // written as JSON while built, into a buffer with room to spare: the answer encodes only what was written
                new PatchBuilder().replace("/metadata/annotations/a~1b", com.fasterxml.jackson.databind.node.TextNode.valueOf("x\"y ✓"))
                        .decide(List.of()),
                new PatchBuilder().replaceString("/spec/containers/0/env/11/value", scriptToken())
                        .add("/metadata/annotations/coder-admission.dev~1agent-url",
                                com.fasterxml.jackson.databind.node.TextNode.valueOf("http://coder.coder.svc.cluster.local:80"))
                        .decide(List.of(AWKWARD)));
        var cases = new ArrayList<Arguments>();
        for (var uid : UIDS) {
            for (var decision : decisions) {
                cases.add(Arguments.of(uid, decision));
            }
        }
        return cases.stream();
    }

    /** A 5 KB init script as a JSON string token, the size of the load test's (it makes the patch's buffer grow). */
    private static byte[] scriptToken() {
        var script = new StringBuilder("#!/bin/sh\nset -eux\n");
        while (script.length() < 5000) {
            script.append("export CODER_AGENT_URL=\"https://coder.example.com/\"\t# \u2713\n");
        }
        return new JsonBytes(16).string(script.toString()).toByteArray();
    }

    @ParameterizedTest
    @MethodSource("answers")
    void anAnswerIsTheBytesJacksonWritesForTheReviewTree(String uid, Decision decision) throws Exception {
        var written = AdmissionReviews.encode(uid, decision);

        assertThat(new String(written, StandardCharsets.UTF_8)).isEqualTo(new String(tree(uid, decision), StandardCharsets.UTF_8));
        var response = AdmissionReviews.JSON.readTree(written).path("response");
        assertThat(response.path("uid").asText()).isEqualTo(uid);
        if (decision instanceof Decision.Patch patch) {
            assertThat(AdmissionReviews.JSON.readTree(Base64.getDecoder().decode(response.path("patch").asText())))
                    .isEqualTo(patch.operations());
        }
    }

    @Test
    void aDenialWithoutAMessageFailsWhereItIsMadeNotWhenItIsWritten() {
        // made in a policy, the exception is the handler's 500 with the UID (AdmissionHandlerRobustnessTest)
        assertThatThrownBy(() -> new Decision.Deny(403, null, List.of())).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("needs a message");
    }

    /**
     * Jackson as the oracle, with one setting off its default: it writes a character outside the BMP
     * (an emoji in an annotation a message quotes) as two 3-byte surrogates, which is not UTF-8 and which
     * Go's decoder in kube-apiserver turns into two U+FFFD. The hand-written answer writes the 4-byte UTF-8.
     */
    private static final ObjectMapper ORACLE = JsonMapper.builder().enable(JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8).build();

    /** The answer as it was built before (a Jackson tree). */
    private static byte[] tree(String uid, Decision decision) throws Exception {
        var nodes = AdmissionReviews.JSON.getNodeFactory();
        ObjectNode response = nodes.objectNode();
        response.put("uid", uid);
        switch (decision) {
            case Decision.Allow ignored -> response.put("allowed", true);
            case Decision.Deny deny -> {
                response.put("allowed", false);
                var status = response.putObject("status");
                status.put("code", deny.code());
                status.put("reason", deny.code() == 403 ? "Forbidden" : "BadRequest");
                status.put("message", deny.message());
            }
            case Decision.Patch patch -> {
                response.put("allowed", true);
                response.put("patchType", "JSONPatch");
                response.put("patch", Base64.getEncoder().encodeToString(AdmissionReviews.JSON.writeValueAsBytes(patch.operations())));
            }
        }
        if (!decision.warnings().isEmpty()) {
            var array = response.putArray("warnings");
            decision.warnings().forEach(array::add);
        }
        ObjectNode review = nodes.objectNode();
        review.put("apiVersion", "admission.k8s.io/v1");
        review.put("kind", "AdmissionReview");
        review.set("response", (JsonNode) response);
        return ORACLE.writeValueAsBytes(review);
    }
}
