package dev.coderadmission.runtime;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.coderadmission.admission.AdmissionReviews;
import dev.coderadmission.admission.ReviewLog;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The review log's batch writer against what a logger call per line gave (the way the lines were
 * written before it, and still are when a logging configuration file is given): the same bytes from
 * the text pattern, the same fields from the JSON encoder, all of a batch in one write.
 */
class ReviewLinesTest {
    private static final List<ReviewLog.Line> LINES = List.of(
            new ReviewLog.Line("/validate/exposure", "exposure", "denied", "705ab4f5-6393-11e8-b7cc-42010a800002", "CREATE",
                    "Service", "coder", "coder", false, "denied",
                    "Service coder/coder belongs to Coder (label app.kubernetes.io/name=coder): [service-type] type NodePort "
                            + "opens the port on every node's address; use type ClusterIP. Quoted \"x\", braces {}, é ✓ \uD83D\uDE80", 0),
            new ReviewLog.Line("/mutate/agent-url", "agent-url", "patched", "u-2", "CREATE", "Pod", "coder-workspace",
                    "coder-ws-<generated>", true, "patched", "", 7),
            new ReviewLog.Line("/validate/exposure", "exposure", "warned", "u-3", "UPDATE", "IngressClass", "", "public",
                    false, "admitted with warnings", "[ingress-class] class public is not allowed; [x-1] and more", 0));

    /** The lines as a logger call per line made them, encoded by {@code encoder}. */
    private static List<String> byLogger(LoggerContext context, ch.qos.logback.core.encoder.Encoder<ILoggingEvent> encoder) {
        var list = new ListAppender<ILoggingEvent>();
        list.setContext(context);
        list.start();
        var logger = context.getLogger(ReviewLog.loggerName());
        logger.setAdditive(false);
        logger.addAppender(list);
        for (var line : LINES) {
            var event = logger.atInfo();
            line.keyValues(event::addKeyValue);
            event.log(line.message());
        }
        logger.detachAppender(list);
        return list.list.stream().map(e -> new String(encoder.encode(e), StandardCharsets.UTF_8)).toList();
    }

    private static OutputStreamAppender<ILoggingEvent> appender(LoggerContext context, ByteArrayOutputStream out,
                                                                ch.qos.logback.core.encoder.Encoder<ILoggingEvent> encoder) {
        var appender = new OutputStreamAppender<ILoggingEvent>();
        appender.setContext(context);
        appender.setEncoder(encoder);
        appender.setOutputStream(out);
        appender.start();
        return appender;
    }

    @Test
    void textLinesAreWhatThePatternLayoutWritesAndABatchIsOneWrite() {
        var context = new LoggerContext();
        var encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern(LogSetup.PATTERN);
        encoder.start();
        var writes = new ArrayList<Integer>();
        var out = new ByteArrayOutputStream() {
            @Override
            public void write(byte[] b, int off, int len) {
                writes.add(len);
                super.write(b, off, len);
            }
        };
        var expected = byLogger(context, encoder);

        new ReviewLines(context, appender(context, out, encoder)).write(LINES);

        var written = out.toString(StandardCharsets.UTF_8);
        assertThat(writes).as("one write for the batch").hasSize(1);
        var lines = written.split("(?<=\n)");
        assertThat(lines).hasSize(3);
        for (int i = 0; i < lines.length; i++) {
            // the same but for the time, taken when each was written
            assertThat(lines[i].substring(12)).isEqualTo(expected.get(i).substring(12));
            var time = LocalTime.parse(lines[i].substring(0, 12), DateTimeFormatter.ofPattern("HH:mm:ss.SSS"));
            assertThat(Math.abs(ChronoUnit.SECONDS.between(time, LocalTime.now())) % (24 * 3600)).isLessThan(5);
        }
        assertThat(lines[0]).contains("INFO  d.c.admission.AdmissionHandler - /validate/exposure denied CREATE Service coder/coder: ")
                .contains("é ✓ \uD83D\uDE80 webhook=\"/validate/exposure\"").contains(" rules=\"service-type\"");
        assertThat(lines[1]).contains("namespace=\"coder-workspace\"").contains("dryRun=\"true\" rules=\"agent-url\" patchOperations=\"7\"");
        assertThat(lines[2]).contains("UPDATE IngressClass public: [ingress-class]").contains("rules=\"ingress-class,x-1\"");
    }

    @Test
    void anotherEncoderEncodesTheEventALoggerCallWouldHaveMade() throws Exception {
        var context = new LoggerContext();
        var encoder = new JsonLines();
        encoder.setContext(context);
        encoder.start();
        var expected = byLogger(context, encoder);
        var out = new ByteArrayOutputStream();

        new ReviewLines(context, appender(context, out, encoder)).write(LINES);

        var lines = out.toString(StandardCharsets.UTF_8).split("\n");
        assertThat(lines).hasSize(3);
        for (int i = 0; i < lines.length; i++) {
            var actual = (ObjectNode) AdmissionReviews.JSON.readTree(lines[i]);
            var wanted = (ObjectNode) AdmissionReviews.JSON.readTree(expected.get(i));
            assertThat(actual.path("time").asText()).matches("\\d{4}-\\d\\d-\\d\\dT.*Z");
            actual.remove(List.of("time", "thread"));
            wanted.remove(List.of("time", "thread"));
            assertThat(actual).isEqualTo(wanted);
        }
        assertThat(AdmissionReviews.JSON.readTree(lines[1]).path("patchOperations").isInt()).isTrue();
    }

    @Test
    void theServersLoggingSetUpOffersItsConsole() {
        var context = new LoggerContext();
        var console = LogSetup.install(context, Level.INFO);
        var out = new ByteArrayOutputStream();
        var stderr = System.err;
        System.setErr(new PrintStream(out, true, StandardCharsets.UTF_8)); // the console writes to whatever System.err is
        try {
            new ReviewLines(context, console).write(LINES.subList(0, 1));
        } finally {
            System.setErr(stderr);
        }

        assertThat(out.toString(StandardCharsets.UTF_8)).contains(" - /validate/exposure denied CREATE Service coder/coder: ")
                .endsWith("rules=\"service-type\"" + System.lineSeparator());
    }
}
