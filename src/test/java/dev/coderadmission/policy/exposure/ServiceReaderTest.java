package dev.coderadmission.policy.exposure;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.coderadmission.admission.AdmissionReviews;
import dev.coderadmission.admission.Typed;
import dev.coderadmission.kube.Kube;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The lean Service reader against fabric8's full binding: on every Service in the test resources, the
 * examples and the load-test payloads, the fields the exposure rules read come out the same, from bytes
 * and from a tree.
 */
class ServiceReaderTest {
    private static final ObjectMapper JSON = AdmissionReviews.JSON;
    private static final YAMLMapper YAML = new YAMLMapper();

    static Stream<Arguments> services() throws IOException {
        var found = new ArrayList<Arguments>();
        for (var root : List.of(Path.of("src/test/resources"), Path.of("src/examples"))) {
            try (var files = Files.walk(root)) {
                for (var file : files.filter(Files::isRegularFile).toList()) {
                    var name = file.toString();
                    List<JsonNode> documents = new ArrayList<>();
                    try {
                        if (name.endsWith(".json")) {
                            documents.add(JSON.readTree(file.toFile()));
                        } else if (name.endsWith(".yaml") || name.endsWith(".yml")) {
                            try (var parser = YAML.createParser(file.toFile())) {
                                documents.addAll(YAML.readValues(parser, JsonNode.class).readAll());
                            }
                        }
                    } catch (IOException e) {
                        continue; // a deliberately malformed fixture: not a Service to compare
                    }
                    int index = 0;
                    for (var document : documents) {
                        for (var service : servicesIn(document)) {
                            found.add(Arguments.of(root.relativize(file) + "#" + index++, service));
                        }
                    }
                }
            }
        }
        assertThat(found).as("Services in the test resources").hasSizeGreaterThan(30);
        return found.stream();
    }

    private static List<JsonNode> servicesIn(JsonNode node) {
        var result = new ArrayList<JsonNode>();
        if (node == null) {
            return result;
        }
        if (node.isObject() && "Service".equals(node.path("kind").asText()) && "v1".equals(node.path("apiVersion").asText())
                && node.path("metadata").isObject() && (node.path("spec").isObject() || node.path("spec").isMissingNode())) {
            result.add(node);
        }
        node.forEach(child -> result.addAll(servicesIn(child)));
        return result;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("services")
    void readsWhatTheRulesReadAsFabric8Does(String where, JsonNode object) throws IOException {
        var expected = project(Kube.as(object, Service.class));

        var compact = JSON.writeValueAsBytes(object);
        assertThat(ServiceReader.read(compact, 0, compact.length)).as("from bytes").isEqualTo(expected);
        var pretty = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(object);
        assertThat(ServiceReader.read(pretty, 0, pretty.length)).as("from indented bytes").isEqualTo(expected);
        // where it lies in a request's body: positions are the body's, and the reader stops at the object's end
        var body = ("{\"request\":{\"object\":" + new String(compact, StandardCharsets.UTF_8) + ",\"oldObject\":{\"spec\":{\"type\":\"X\"}}}}")
                .getBytes(StandardCharsets.UTF_8);
        int start = "{\"request\":{\"object\":".length();
        assertThat(ServiceReader.read(body, start, start + compact.length)).as("in a body").isEqualTo(expected);
        var kind = Typed.Kind.scanned("", "Service", "Service", ServiceReader::read);
        assertThat(kind.reader().apply(object)).as("from a tree").isEqualTo(expected);
    }

    /** fabric8's Service cut to what ServiceReader keeps. */
    private static Service project(Service full) {
        var builder = new ServiceBuilder().withApiVersion(full.getApiVersion()).withKind(full.getKind());
        var metadata = full.getMetadata();
        if (metadata != null) {
            builder.withNewMetadata().withName(metadata.getName()).withNamespace(metadata.getNamespace())
                    .withLabels(metadata.getLabels()).withAnnotations(metadata.getAnnotations()).endMetadata();
        }
        var spec = full.getSpec();
        if (spec != null) {
            List<ServicePort> ports = spec.getPorts() == null ? null : spec.getPorts().stream()
                    .map(p -> p == null ? null : new ServicePortBuilder().withName(p.getName()).withPort(p.getPort())
                            .withNodePort(p.getNodePort()).build()).toList();
            builder.withNewSpec().withType(spec.getType()).withLoadBalancerClass(spec.getLoadBalancerClass())
                    .withLoadBalancerIP(spec.getLoadBalancerIP()).withExternalName(spec.getExternalName())
                    .withAllocateLoadBalancerNodePorts(spec.getAllocateLoadBalancerNodePorts())
                    .withExternalIPs(spec.getExternalIPs()).endSpec();
            builder.editSpec().withPorts(ports).endSpec();
        }
        return builder.build();
    }

    @Test
    void nullsAreAbsentFieldsAndScalarsAreTakenAsText() throws IOException {
        var service = read("""
                {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "coder", "labels": null, "annotations": {"a": 1}},
                 "spec": {"type": "LoadBalancer", "loadBalancerClass": null, "allocateLoadBalancerNodePorts": "false",
                          "ports": [{"name": 8080, "port": "80", "nodePort": 30080, "targetPort": "http"}],
                          "externalIPs": null, "selector": {"x": "y"}, "unknownField": [1, {"deep": [true]}]},
                 "status": {"loadBalancer": {"ingress": [{"ip": "1.2.3.4"}]}}}""");

        assertThat(service.getMetadata().getLabels()).isNull();
        assertThat(service.getMetadata().getAnnotations()).containsEntry("a", "1");
        assertThat(service.getSpec().getLoadBalancerClass()).isNull();
        assertThat(service.getSpec().getAllocateLoadBalancerNodePorts()).isFalse();
        assertThat(service.getSpec().getPorts()).singleElement().satisfies(port -> {
            assertThat(port.getName()).isEqualTo("8080");
            assertThat(port.getPort()).isEqualTo(80);
            assertThat(port.getNodePort()).isEqualTo(30080);
        });
        assertThat(service.getSpec().getExternalIPs()).isNull();
        assertThat(read("{\"kind\": \"Service\", \"spec\": null}").getSpec()).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "{\"spec\": \"NodePort\"}",
            "{\"metadata\": 5}",
            "{\"metadata\": {\"labels\": [\"a\"]}}",
            "{\"metadata\": {\"labels\": {\"a\": {\"b\": 1}}}}",
            "{\"spec\": {\"ports\": {}}}",
            "{\"spec\": {\"ports\": [\"http\"]}}",
            "{\"spec\": {\"ports\": [{\"nodePort\": \"thirty\"}]}}",
            "{\"spec\": {\"ports\": [{\"port\": 99999999999}]}}",
            "{\"spec\": {\"allocateLoadBalancerNodePorts\": \"maybe\"}}",
            "{\"spec\": {\"externalIPs\": \"1.2.3.4\"}}",
            "{\"spec\": {\"type\": {\"name\": \"NodePort\"}}}",
            "[]",
    })
    void aFieldOfTheWrongShapeIsAnErrorNamingIt(String json) {
        assertThatThrownBy(() -> read(json)).isInstanceOf(IllegalArgumentException.class).hasMessageMatching(
                "(the object|metadata|spec|spec\\.[a-zA-Z]+|metadata\\.labels[.a-z]*|spec\\.ports entry|port|nodePort|type"
                        + "|allocateLoadBalancerNodePorts)( entry)?: expected .*");
    }

    @Test
    void errorsSayWhatWasFound() {
        assertThatThrownBy(() -> read("{\"spec\": {\"ports\": [{\"port\": 99999999999}]}}"))
                .hasMessage("port: expected an integer, found 99999999999 (out of range)");
        assertThatThrownBy(() -> read("{\"spec\": {\"ports\": [{\"port\": 80.5}]}}"))
                .hasMessage("port: expected an integer, found a number (80.5)");
        assertThatThrownBy(() -> read("{\"metadata\": {\"labels\": {\"entry\": {\"b\": 1}}}}"))
                .hasMessage("metadata.labels.entry: expected a string, found an object");
        assertThatThrownBy(() -> read("{\"spec\": {\"externalIPs\": [[\"1.2.3.4\"]]}}"))
                .hasMessage("spec.externalIPs entry: expected a string, found an array");
        assertThatThrownBy(() -> read("{\"spec\": {\"allocateLoadBalancerNodePorts\": 1}}"))
                .hasMessage("allocateLoadBalancerNodePorts: expected true or false, found a number");
        assertThatThrownBy(() -> read("[]")).hasMessage("the object: expected an object, found an array");
    }

    private static Service read(String json) {
        var bytes = json.getBytes(StandardCharsets.UTF_8);
        return ServiceReader.read(bytes, 0, bytes.length);
    }
}
