package dev.coderadmission.policy.exposure;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.coderadmission.admission.AdmissionReviews;
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

        assertThat(ServiceReader.read(JSON.createParser(JSON.writeValueAsBytes(object)))).as("from bytes").isEqualTo(expected);
        assertThat(ServiceReader.read(JSON.treeAsTokens(object))).as("from a tree").isEqualTo(expected);
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
        assertThatThrownBy(() -> read(json)).satisfiesAnyOf(
                e -> assertThat(e).isInstanceOf(IllegalArgumentException.class).hasMessageMatching(
                        "(the object|metadata|spec|spec\\.[a-zA-Z]+|metadata\\.labels[.a-z]*|spec\\.ports entry|port|nodePort|type"
                                + "|allocateLoadBalancerNodePorts)( entry)?: expected .*"),
                e -> assertThat(e).isInstanceOf(IOException.class)); // a number too large for an int: Jackson's own error
    }

    private static Service read(String json) throws IOException {
        return ServiceReader.read(JSON.createParser(json));
    }
}
