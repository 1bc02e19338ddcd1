package dev.coderadmission.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.github.difflib.DiffUtils;
import com.github.difflib.UnifiedDiffUtils;
import dev.coderadmission.admission.AdmissionReviews;
import dev.coderadmission.policy.Evaluation;

import javax.xml.stream.XMLStreamException;
import java.io.PrintWriter;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;

/** What dry-run found, in each output format: table (colour on a terminal, diffs), JSON, YAML, JUnit XML. */
record DryRunReport(List<Evaluation> results, List<Manifest.Unreadable> errors, List<Manifest.Skipped> skipped,
                    List<String> notEvaluated) {

    private static final YAMLMapper YAML = YAMLMapper.builder()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .build();

    /** ANSI colours on a terminal, unless NO_COLOR is set (no-color.org). */
    static boolean colour() {
        var noColor = System.getenv("NO_COLOR");
        return (noColor == null || noColor.isEmpty()) && Progress.onTerminal();
    }

    EnumMap<Evaluation.Verdict, Integer> counts() {
        var counts = new EnumMap<Evaluation.Verdict, Integer>(Evaluation.Verdict.class);
        for (var verdict : Evaluation.Verdict.values()) {
            counts.put(verdict, 0);
        }
        results.forEach(r -> counts.merge(r.verdict(), 1, Integer::sum));
        return counts;
    }

    String summary() {
        var counts = counts();
        return String.format("%d allowed, %d mutated, %d denied, %d errors%s%s", counts.get(Evaluation.Verdict.ALLOWED),
                counts.get(Evaluation.Verdict.MUTATED), counts.get(Evaluation.Verdict.DENIED), errors.size(),
                skipped.isEmpty() ? "" : ", " + skipped.size() + " skipped",
                notEvaluated.isEmpty() ? "" : ", " + notEvaluated.size() + " not evaluated");
    }

    void table(PrintWriter out, boolean colour, boolean diff) {
        for (var r : results) {
            var object = r.kind() + " " + (r.namespace().isEmpty() ? "" : r.namespace() + "/") + r.name();
            var verdict = String.format("%-8s", r.verdict().name());
            out.printf("%s %s  (%s)%n", colour ? paint(r.verdict(), verdict) : verdict, object, r.source());
            r.messages().forEach(m -> out.println("         " + m));
            r.warnings().forEach(w -> out.println("         warning: " + w));
            if (!r.patch().isEmpty()) {
                if (diff) {
                    diff(r).forEach(line -> out.println(colour ? paintDiff(line) : line));
                } else {
                    out.println("         patch: " + r.patch());
                }
            }
        }
        for (var e : errors) {
            out.printf("%-8s %s: %s%n", "ERROR", e.source(), e.problem());
        }
        for (var s : skipped) {
            out.printf("%-8s %s: %s%n", "SKIPPED", s.source(), s.reason());
        }
        for (var n : notEvaluated) {
            out.printf("%-8s %s%n", "NOT EVALUATED", n);
        }
        out.println(summary());
    }

    private static String paint(Evaluation.Verdict verdict, String text) {
        var code = switch (verdict) {
            case ALLOWED -> "32";
            case MUTATED -> "36";
            case DENIED -> "31;1";
        };
        return "\u001b[" + code + "m" + text + "\u001b[0m";
    }

    private static String paintDiff(String line) {
        if (line.startsWith("+") && !line.startsWith("+++")) {
            return "\u001b[32m" + line + "\u001b[0m";
        }
        if (line.startsWith("-") && !line.startsWith("---")) {
            return "\u001b[31m" + line + "\u001b[0m";
        }
        return line;
    }

    /** kubectl diff's shape: {@code diff -u -N} headers named after the object, then the hunks. */
    static List<String> diff(Evaluation r) {
        var name = r.apiVersion().replace('/', '.') + "." + r.kind() + "." + (r.namespace().isEmpty() ? "" : r.namespace() + ".")
                + r.name();
        var before = yaml(r.original()).lines().toList();
        var after = yaml(r.object()).lines().toList();
        var lines = new java.util.ArrayList<String>();
        lines.add("diff -u -N MANIFEST/" + name + " MUTATED/" + name);
        lines.addAll(UnifiedDiffUtils.generateUnifiedDiff("MANIFEST/" + name, "MUTATED/" + name, before,
                DiffUtils.diff(before, after), 3));
        return lines;
    }

    void json(PrintWriter out) {
        var nodes = JsonNodeFactory.instance;
        ObjectNode root = nodes.objectNode();
        var array = root.putArray("results");
        for (var r : results) {
            var node = array.addObject();
            node.put("source", r.source());
            // the provenance chain, under the name step 7 gave it; "source" stays for existing consumers
            node.put("origin", r.source());
            node.put("apiVersion", r.apiVersion());
            node.put("kind", r.kind());
            node.put("namespace", r.namespace());
            node.put("name", r.name());
            node.put("verdict", r.verdict().name().toLowerCase(Locale.ROOT));
            r.messages().forEach(node.putArray("messages")::add);
            r.warnings().forEach(node.putArray("warnings")::add);
            node.set("patch", r.patch());
            if (r.verdict() == Evaluation.Verdict.MUTATED) {
                node.set("mutatedObject", r.object());
            }
        }
        var errorArray = root.putArray("errors");
        errors.forEach(e -> errorArray.addObject().put("source", e.source()).put("message", e.problem()));
        var skippedArray = root.putArray("skipped");
        skipped.forEach(s -> skippedArray.addObject().put("source", s.source()).put("reason", s.reason()));
        notEvaluated.forEach(root.putArray("notEvaluated")::add);
        var summary = root.putObject("summary");
        counts().forEach((verdict, n) -> summary.put(verdict.name().toLowerCase(Locale.ROOT), n));
        summary.put("errors", errors.size());
        summary.put("skipped", skipped.size());
        summary.put("notEvaluated", notEvaluated.size());
        try {
            out.println(AdmissionReviews.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The objects as the API server would store them, one document each; what was found goes to {@code err}. */
    void yaml(PrintWriter out, PrintWriter err) {
        var first = true;
        for (var r : results) {
            if (!first) {
                out.println("---");
            }
            first = false;
            out.println("# " + r.verdict().name().toLowerCase(Locale.ROOT) + ": " + r.source());
            out.print(yaml(r.object()));
        }
        for (var r : results) {
            if (r.verdict() == Evaluation.Verdict.DENIED) {
                err.println("denied: " + r.kind() + " " + r.namespace() + "/" + r.name() + ": " + String.join("; ", r.messages()));
            }
        }
        errors.forEach(e -> err.println("error: " + e.source() + ": " + e.problem()));
        notEvaluated.forEach(n -> err.println("not evaluated: " + n));
        err.println(summary());
    }

    private static String yaml(JsonNode object) {
        try {
            return YAML.writeValueAsString(object);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * JUnit XML as CI systems read it: one test case per object (failure: denied), per unreadable
     * input (error), per skipped file or source not evaluated (skipped).
     */
    void junit(PrintWriter out) {
        out.println(JUnitXml.of(xml -> {
            xml.writeStartElement("testsuite");
            xml.writeAttribute("name", "coder-admission dry-run");
            xml.writeAttribute("tests", String.valueOf(results.size() + errors.size() + skipped.size() + notEvaluated.size()));
            xml.writeAttribute("failures", String.valueOf(counts().get(Evaluation.Verdict.DENIED)));
            xml.writeAttribute("errors", String.valueOf(errors.size()));
            xml.writeAttribute("skipped", String.valueOf(skipped.size() + notEvaluated.size()));
            for (var r : results) {
                xml.writeStartElement("testcase");
                xml.writeAttribute("classname", r.kind());
                xml.writeAttribute("name", (r.namespace().isEmpty() ? "" : r.namespace() + "/") + r.name() + " (" + r.source() + ")");
                if (r.verdict() == Evaluation.Verdict.DENIED) {
                    xml.writeStartElement("failure");
                    xml.writeAttribute("message", String.join("; ", r.messages()));
                    xml.writeAttribute("type", "denied");
                    xml.writeCharacters(String.join("\n", r.messages()));
                    xml.writeEndElement();
                }
                if (!r.warnings().isEmpty() || !r.patch().isEmpty()) {
                    xml.writeStartElement("system-out");
                    var lines = new java.util.ArrayList<>(r.warnings().stream().map(w -> "warning: " + w).toList());
                    if (!r.patch().isEmpty()) {
                        lines.add("patch: " + r.patch());
                    }
                    xml.writeCharacters(String.join("\n", lines));
                    xml.writeEndElement();
                }
                xml.writeEndElement();
            }
            for (var e : errors) {
                xml.writeStartElement("testcase");
                xml.writeAttribute("classname", "input");
                xml.writeAttribute("name", e.source());
                xml.writeStartElement("error");
                xml.writeAttribute("message", e.problem());
                xml.writeEndElement();
                xml.writeEndElement();
            }
            for (var s : skipped) {
                skippedCase(xml, s.source(), s.reason());
            }
            for (var n : notEvaluated) {
                skippedCase(xml, n.substring(0, Math.max(0, n.indexOf(" ("))), n);
            }
            xml.writeEndElement();
        }));
    }

    private static void skippedCase(javax.xml.stream.XMLStreamWriter xml, String name, String reason) throws XMLStreamException {
        xml.writeStartElement("testcase");
        xml.writeAttribute("classname", "skipped");
        xml.writeAttribute("name", name);
        xml.writeStartElement("skipped");
        xml.writeAttribute("message", reason);
        xml.writeEndElement();
        xml.writeEndElement();
    }
}
