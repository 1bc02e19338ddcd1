package dev.coderadmission.admission;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The patch answer is written by hand (no tree): it must be the same JSON the tree would give. */
class AdmissionReviewsTest {
    private static final String OPERATIONS = "[{\"op\":\"add\",\"path\":\"/metadata/annotations/a~1b\",\"value\":\"x\\\"y ✓\"}]";

    @ParameterizedTest
    @ValueSource(strings = {"705ab4f5-6393-11e8-b7cc-42010a800002", "quote\" backslash\\ newline\n ünïcode ✓", ""})
    void aPatchAnswerIsTheReviewTheTreeWouldWrite(String uid) throws Exception {
        var operations = AdmissionReviews.JSON.readTree(OPERATIONS);
        var written = AdmissionReviews.encode(uid, new Decision.Patch(operations, List.of()));
        // the same decision with a warning goes through the tree
        var viaTree = AdmissionReviews.JSON.readTree(AdmissionReviews.encode(uid, new Decision.Patch(operations, List.of("w"))));

        var review = AdmissionReviews.JSON.readTree(new String(written, StandardCharsets.UTF_8));

        assertThat(review.path("apiVersion").asText()).isEqualTo("admission.k8s.io/v1");
        assertThat(review.path("kind").asText()).isEqualTo("AdmissionReview");
        var response = review.path("response");
        assertThat(response.path("uid").asText()).isEqualTo(uid);
        assertThat(response.path("allowed").asBoolean()).isTrue();
        assertThat(response.path("patchType").asText()).isEqualTo("JSONPatch");
        assertThat(AdmissionReviews.JSON.readTree(Base64.getDecoder().decode(response.path("patch").asText()))).isEqualTo(operations);
        ((com.fasterxml.jackson.databind.node.ObjectNode) viaTree.path("response")).remove("warnings");
        assertThat(review).isEqualTo(viaTree);
    }
}
