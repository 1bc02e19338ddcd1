package dev.coderadmission.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.jayway.jsonpath.Configuration;
import com.jayway.jsonpath.JsonPath;
import com.jayway.jsonpath.Option;
import com.jayway.jsonpath.spi.json.JacksonJsonNodeJsonProvider;
import com.jayway.jsonpath.spi.mapper.JacksonMappingProvider;
import dev.coderadmission.cli.AdmissionTestFile.Expectation;
import dev.coderadmission.policy.Evaluation;
import dev.coderadmission.config.AdmissionConfig;
import dev.coderadmission.config.ConfigException;
import dev.coderadmission.config.ConfigLoader;
import dev.coderadmission.gitops.Kustomizer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

@Command(name = "test",
        description = {"Check policy expectations (AdmissionTest files, like kyverno test / gator verify) with the "
                + "same evaluation as dry-run.",
                "Exit code: 0 every expectation holds, 1 one does not, 2 an unusable test file."},
        footer = {"", "Example:", "  java -jar target/coder-admission.jar test src/examples/tests"})
final class TestCommand implements Callable<Integer> {
    private static final YAMLMapper YAML = YAMLMapper.builder()
            .disable(com.fasterxml.jackson.dataformat.yaml.YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(com.fasterxml.jackson.dataformat.yaml.YAMLGenerator.Feature.MINIMIZE_QUOTES).build();
    private static final Configuration JSON_PATH = Configuration.builder()
            .jsonProvider(new JacksonJsonNodeJsonProvider()).mappingProvider(new JacksonMappingProvider())
            .options(Option.SUPPRESS_EXCEPTIONS).build();

    enum Format { TABLE, JUNIT }

    @CommandLine.Option(names = {"-o", "--output"}, paramLabel = "table|junit", defaultValue = "table",
            description = "Output format (default: ${DEFAULT-VALUE}); junit: a JUnit XML report for CI.")
    Format format;

    @Parameters(arity = "1..*", paramLabel = "PATH",
            description = "Test files, or directories searched for coder-admission-test.yaml and kind: AdmissionTest files.")
    List<Path> paths;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    InputStream stdin = InputStream.nullInputStream();

    /** One expectation's outcome: its problems, none when it holds. */
    record Outcome(Path file, String test, String expectation, List<String> problems) {
        boolean passed() {
            return problems.isEmpty();
        }
    }

    @Override
    public Integer call() {
        var out = spec.commandLine().getOut();
        var err = spec.commandLine().getErr();
        var outcomes = new ArrayList<Outcome>();
        try {
            var files = find();
            if (files.isEmpty()) {
                err.println("error: no test files (" + AdmissionTestFile.FILE_NAME + ", or kind: " + AdmissionTestFile.KIND
                        + ") under " + paths);
                return RootCommand.USAGE_OR_INPUT;
            }
            for (var file : files) {
                outcomes.addAll(run(file));
            }
        } catch (AdmissionTestFile.TestFileException | ConfigException e) {
            err.println("error: " + e.getMessage());
            err.flush();
            return RootCommand.USAGE_OR_INPUT;
        }
        if (format == Format.JUNIT) {
            out.println(junit(outcomes));
        } else {
            for (var outcome : outcomes) {
                out.printf("%-4s  %s › %s › %s%n", outcome.passed() ? "PASS" : "FAIL", outcome.file(), outcome.test(),
                        outcome.expectation());
                outcome.problems().forEach(p -> out.println("      " + p));
            }
            var failed = outcomes.stream().filter(o -> !o.passed()).count();
            out.printf("%d expectations: %d passed, %d failed%n", outcomes.size(), outcomes.size() - failed, failed);
        }
        out.flush();
        return outcomes.stream().allMatch(Outcome::passed) ? RootCommand.OK : RootCommand.DENIED;
    }

    private List<Path> find() {
        var files = new ArrayList<Path>();
        for (var path : paths) {
            if (Files.isDirectory(path)) {
                try (Stream<Path> walk = Files.walk(path)) {
                    walk.filter(Files::isRegularFile).filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml"))
                            .filter(AdmissionTestFile::isTestFile).sorted().forEach(files::add);
                } catch (IOException e) {
                    throw new AdmissionTestFile.TestFileException(path + ": cannot list: " + e.getMessage());
                }
            } else if (Files.isRegularFile(path)) {
                files.add(path);
            } else {
                throw new AdmissionTestFile.TestFileException(path + ": no such file or directory");
            }
        }
        return files;
    }

    private List<Outcome> run(Path file) {
        var test = AdmissionTestFile.load(file);
        var dir = file.toAbsolutePath().getParent();
        var base = Path.of("").toAbsolutePath();
        java.util.function.Function<String, String> resolve = p -> {
            var resolved = dir.resolve(p).normalize();
            return resolved.startsWith(base) ? base.relativize(resolved).toString() : resolved.toString();
        };
        AdmissionConfig config = test.config() == null ? AdmissionConfig.defaults() : ConfigLoader.load(Path.of(resolve.apply(test.config())));
        var options = new DryRun.Options(config, test.resources().stream().map(resolve).toList(),
                test.state() == null ? List.of() : test.state().stream().map(resolve).toList(),
                test.namespace() == null ? "default" : test.namespace(),
                test.kustomize() == null ? Kustomizer.Choice.AUTO : test.kustomize(),
                test.repoRoot() == null ? null : Path.of(resolve.apply(test.repoRoot())),
                test.sources() == null ? Set.of() : Set.copyOf(test.sources()),
                test.kubeVersion() == null ? "v1.33.0" : test.kubeVersion(), null);
        var report = DryRun.run(options, stdin, message -> { });
        var title = String.valueOf(test.metadata() == null ? file.getFileName() : test.metadata().getOrDefault("name", file.getFileName()));
        var outcomes = new ArrayList<Outcome>();
        if (!report.errors().isEmpty()) {
            outcomes.add(new Outcome(file, title, "every resource can be read and rendered",
                    report.errors().stream().map(e -> "error: " + e.source() + ": " + e.problem()).toList()));
        }
        for (int i = 0; i < test.expect().size(); i++) {
            var expectation = test.expect().get(i);
            outcomes.add(new Outcome(file, title, expectation.title(i), check(expectation, report.results(), dir)));
        }
        return outcomes;
    }

    private static List<String> check(Expectation expectation, List<Evaluation> results, Path dir) {
        var target = expectation.target();
        var matched = results.stream().filter(r -> matches(target, r)).toList();
        if (matched.isEmpty()) {
            return List.of("no object " + describe(target) + " among the " + results.size() + " evaluated: "
                    + results.stream().map(r -> r.kind() + " " + (r.namespace().isEmpty() ? "" : r.namespace() + "/") + r.name())
                    .distinct().limit(12).toList());
        }
        var problems = new ArrayList<String>();
        for (var result : matched) {
            var prefix = matched.size() > 1 ? result.kind() + " " + result.namespace() + "/" + result.name() + ": " : "";
            if (expectation.verdict() != null && !expectation.verdict().name().equals(result.verdict().name())) {
                problems.add(prefix + "verdict: expected " + lower(expectation.verdict().name()) + ", got "
                        + lower(result.verdict().name()) + (result.messages().isEmpty() ? "" : " (" + String.join("; ", result.messages()) + ")"));
            }
            var messages = String.join("\n", result.messages());
            for (var wanted : nonNull(expectation.messages())) {
                if (!messages.contains(wanted)) {
                    problems.add(prefix + "message: expected to contain \"" + wanted + "\"; got " + quoted(result.messages()));
                }
            }
            for (var rule : nonNull(expectation.rules())) {
                if (!messages.contains("[" + rule + "]") && result.warnings().stream().noneMatch(w -> w.contains("[" + rule + "]"))) {
                    problems.add(prefix + "rule: expected [" + rule + "] to be broken; got " + quoted(result.messages()));
                }
            }
            for (var wanted : nonNull(expectation.warnings())) {
                if (result.warnings().stream().noneMatch(w -> w.contains(wanted))) {
                    problems.add(prefix + "warning: expected one containing \"" + wanted + "\"; got " + quoted(result.warnings()));
                }
            }
            if (expectation.fields() != null) {
                for (var field : expectation.fields().entrySet()) {
                    JsonNode actual = JsonPath.using(JSON_PATH).parse(result.object()).read(field.getKey());
                    if (actual != null && actual.isArray() && actual.size() == 1 && !field.getValue().isArray()) {
                        actual = actual.get(0); // a filter yields a list; one match is the value
                    }
                    if (!same(field.getValue(), actual)) {
                        problems.add(prefix + "field " + field.getKey() + ": expected " + field.getValue() + ", got "
                                + (actual == null || actual.isMissingNode() || actual.isArray() && actual.isEmpty() ? "nothing" : actual));
                    }
                }
            }
            if (expectation.objectFile() != null) {
                problems.addAll(objectFile(prefix, dir.resolve(expectation.objectFile()), result.object()));
            }
        }
        return problems;
    }

    private static List<String> objectFile(String prefix, Path file, JsonNode actual) {
        JsonNode expected;
        try {
            expected = YAML.readTree(Files.readString(file));
        } catch (IOException e) {
            throw new AdmissionTestFile.TestFileException(file + ": cannot read the expected object: " + e.getMessage());
        }
        if (expected.equals(actual)) {
            return List.of();
        }
        var diff = com.github.difflib.UnifiedDiffUtils.generateUnifiedDiff("expected " + file, "actual", yaml(expected),
                com.github.difflib.DiffUtils.diff(yaml(expected), yaml(actual)), 2);
        var problems = new ArrayList<String>();
        problems.add(prefix + "object differs from " + file + ":");
        diff.forEach(line -> problems.add("  " + line));
        return problems;
    }

    private static List<String> yaml(JsonNode node) {
        try {
            return YAML.writeValueAsString(node).lines().toList();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Numbers compare by value (3 and 3.0), everything else as JSON. */
    private static boolean same(JsonNode expected, JsonNode actual) {
        if (actual == null) {
            return expected == null || expected.isNull();
        }
        if (expected.isNumber() && actual.isNumber()) {
            return expected.decimalValue().compareTo(actual.decimalValue()) == 0;
        }
        return expected.equals(actual);
    }

    private static boolean matches(AdmissionTestFile.Target target, Evaluation result) {
        if (!target.kind().equals(result.kind())
                || target.apiVersion() != null && !target.apiVersion().equals(result.apiVersion())
                || target.namespace() != null && !target.namespace().equals(result.namespace())
                || target.name() != null && !target.name().equals(result.name())) {
            return false;
        }
        if (target.labels() != null) {
            var labels = result.object().path("metadata").path("labels");
            return target.labels().entrySet().stream().allMatch(e -> e.getValue().equals(labels.path(e.getKey()).asText(null)));
        }
        return true;
    }

    private static String describe(AdmissionTestFile.Target target) {
        return target.kind() + " " + (target.namespace() == null ? "" : target.namespace() + "/")
                + (target.name() == null ? "" : target.name()) + (target.labels() == null ? "" : " with labels " + target.labels());
    }

    private static List<String> nonNull(List<String> values) {
        return values == null ? List.of() : values;
    }

    private static String quoted(List<String> values) {
        return values.isEmpty() ? "none" : values.stream().map(v -> "\"" + v + "\"").toList().toString();
    }

    private static String lower(String text) {
        return text.toLowerCase(Locale.ROOT);
    }

    private static String junit(List<Outcome> outcomes) {
        var byFile = new java.util.LinkedHashMap<Path, List<Outcome>>();
        outcomes.forEach(o -> byFile.computeIfAbsent(o.file(), f -> new ArrayList<>()).add(o));
        return JUnitXml.of(xml -> {
            for (var entry : byFile.entrySet()) {
                xml.writeStartElement("testsuite");
                xml.writeAttribute("name", entry.getKey().toString());
                xml.writeAttribute("tests", String.valueOf(entry.getValue().size()));
                xml.writeAttribute("failures", String.valueOf(entry.getValue().stream().filter(o -> !o.passed()).count()));
                for (var outcome : entry.getValue()) {
                    xml.writeStartElement("testcase");
                    xml.writeAttribute("classname", outcome.test());
                    xml.writeAttribute("name", outcome.expectation());
                    if (!outcome.passed()) {
                        xml.writeStartElement("failure");
                        xml.writeAttribute("message", outcome.problems().getFirst());
                        xml.writeCharacters(String.join("\n", outcome.problems()));
                        xml.writeEndElement();
                    }
                    xml.writeEndElement();
                }
                xml.writeEndElement();
            }
        });
    }
}
