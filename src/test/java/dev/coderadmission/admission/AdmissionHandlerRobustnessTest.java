package dev.coderadmission.admission;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.coderadmission.config.AdmissionConfig;
import dev.coderadmission.policy.Webhooks;
import dev.coderadmission.support.Reviews;
import dev.coderadmission.policy.Lookups;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Structure-aware random mutation of real reviews (a seeded, repeatable stand-in for a fuzzer):
 * whatever arrives, the handler answers 200 with an AdmissionReview for the same UID, or 400 with a
 * Status. Never an exception, never a 500.
 */
class AdmissionHandlerRobustnessTest {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private final Webhook webhook = Webhooks.create(AdmissionConfig.defaults(), Lookups.fromConfig(AdmissionConfig.defaults()))
            .byPath("/validate/exposure").orElseThrow();

    @Test
    void mutatedReviewsAlwaysGetAWellFormedAnswer() throws Exception {
        var seeds = List.of(
                Reviews.yaml(Files.readString(Path.of("src/test/resources/admission/service-nodeport-create.json"))),
                Reviews.review("CREATE", Reviews.file(Path.of("src/examples/tenant/coder-chart-nginx-ingress.yaml")), null, false),
                Reviews.review("UPDATE", Reviews.file(Path.of("src/examples/tenant/coder-funnel.yaml")),
                        Reviews.file(Path.of("src/examples/tenant/coder-tailscale-ingress.yaml")), false));
        var random = new Random(20261121L);
        int answered200 = 0;
        for (int i = 0; i < 20_000; i++) {
            var review = seeds.get(random.nextInt(seeds.size())).deepCopy();
            for (int m = 1 + random.nextInt(4); m > 0; m--) {
                mutate(review, random);
            }
            var answer = AdmissionHandler.handle(webhook, review.toString().getBytes(StandardCharsets.UTF_8));
            assertThat(answer.status()).as(review.toString()).isIn(200, 400);
            var body = Reviews.yaml(new String(answer.body(), StandardCharsets.UTF_8));
            if (answer.status() == 200) {
                answered200++;
                assertThat(body.path("response").path("uid").asText())
                        .isEqualTo(review.path("request").path("uid").asText());
                assertThat(body.path("response").path("allowed").isBoolean()).isTrue();
            } else {
                assertThat(body.path("kind").asText()).isEqualTo("Status");
                assertThat(body.path("message").asText()).isNotBlank();
            }
        }
        // the mutations must leave most reviews valid, or this would only test the decoder
        assertThat(answered200).isGreaterThan(5_000);
    }

    @Test
    void randomBytesGet400() {
        var random = new Random(7);
        for (int i = 0; i < 5_000; i++) {
            var bytes = new byte[random.nextInt(256)];
            random.nextBytes(bytes);
            var answer = AdmissionHandler.handle(webhook, bytes);
            assertThat(answer.status()).isEqualTo(400);
        }
    }

    @Test
    void deeplyNestedJsonGets400NotAStackOverflow() {
        var deep = "[".repeat(100_000) + "]".repeat(100_000);
        var answer = AdmissionHandler.handle(webhook, deep.getBytes(StandardCharsets.UTF_8));
        assertThat(answer.status()).isEqualTo(400);
    }

    /** Replaces, removes or retypes one random node of the tree. */
    private static void mutate(JsonNode root, Random random) {
        var containers = new ArrayList<JsonNode>();
        collect(root, containers);
        var parent = containers.get(random.nextInt(containers.size()));
        var replacement = randomValue(random);
        if (parent instanceof ObjectNode object && !object.isEmpty()) {
            var names = new ArrayList<String>();
            object.fieldNames().forEachRemaining(names::add);
            var name = names.get(random.nextInt(names.size()));
            switch (random.nextInt(3)) {
                case 0 -> object.remove(name);
                case 1 -> object.set(name, replacement);
                default -> object.set(name + "x", replacement);
            }
        } else if (parent instanceof ArrayNode array) {
            if (!array.isEmpty() && random.nextBoolean()) {
                array.set(random.nextInt(array.size()), replacement);
            } else {
                array.add(replacement);
            }
        }
    }

    private static void collect(JsonNode node, List<JsonNode> into) {
        if (node.isContainerNode()) {
            into.add(node);
            node.forEach(child -> collect(child, into));
        }
    }

    private static JsonNode randomValue(Random random) {
        return switch (random.nextInt(8)) {
            case 0 -> NODES.nullNode();
            case 1 -> NODES.numberNode(random.nextInt());
            case 2 -> NODES.booleanNode(random.nextBoolean());
            case 3 -> NODES.textNode("NodePort");
            case 4 -> NODES.textNode("203.0.113." + random.nextInt(256));
            case 5 -> NODES.objectNode().put("type", "LoadBalancer");
            case 6 -> NODES.arrayNode().add("x").add(1);
            default -> NODES.textNode("");
        };
    }
}
