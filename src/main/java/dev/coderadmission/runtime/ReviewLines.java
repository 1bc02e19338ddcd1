package dev.coderadmission.runtime;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.pattern.TargetLengthBasedClassNameAbbreviator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import dev.coderadmission.admission.ReviewLog;
import org.slf4j.event.KeyValuePair;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;

/**
 * The review log's batches written straight to the console appender {@link LogSetup} made: each line
 * formatted as that appender's encoder would format it (the text pattern by hand, any other encoder,
 * such as {@link JsonLines}, by the encoder itself), and the batch written with one call. Through a
 * logger, each line took the asynchronous appender's queue and thread, logback's pattern layout and a
 * {@code write} system call of its own. The level and the format stay the logging set-up's: lines are
 * queued only while the review logger is at INFO ({@link ReviewLog#enabled()}), and
 * {@link LogFormat#apply} changes the appender's encoder, which is read for every batch.
 */
final class ReviewLines implements ReviewLog.Sink {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");

    private final ch.qos.logback.classic.Logger logger;
    private final OutputStreamAppender<ILoggingEvent> console;
    /** The logger's name as {@code %logger{36}} prints it. */
    private final String abbreviatedLogger;
    private final ByteArrayOutputStream batch = new ByteArrayOutputStream(64 * 1024);
    /**
     * One line's text, reused: a batch is written by one thread at a time (the review log's, under its
     * lock). A denied review's line is 0.5-1 KB, and building it anew (with the message as a String of
     * its own) was a fifth of all the bytes allocated per denied review.
     */
    private StringBuilder lineText = new StringBuilder(1024);
    private final ZoneId zone = ZoneId.systemDefault();

    ReviewLines(LoggerContext context, OutputStreamAppender<ILoggingEvent> console) {
        this.logger = context.getLogger(ReviewLog.loggerName());
        this.console = console;
        this.abbreviatedLogger = new TargetLengthBasedClassNameAbbreviator(36).abbreviate(logger.getName());
    }

    @Override
    public void write(List<ReviewLog.Line> lines) {
        var encoder = console.getEncoder();
        // the pattern LogSetup sets, unless something replaced the encoder
        boolean text = encoder instanceof PatternLayoutEncoder pattern && LogSetup.PATTERN.equals(pattern.getPattern());
        long now = System.currentTimeMillis();
        batch.reset();
        byte[] head = null;
        for (var line : lines) {
            if (text) {
                if (head == null) {
                    head = head(now);
                }
                text(head, line);
            } else {
                batch.writeBytes(encoder.encode(event(now, line)));
            }
        }
        try {
            var out = console.getOutputStream();
            batch.writeTo(out);
            out.flush();
        } catch (IOException e) {
            // stderr does not throw (PrintStream keeps the error); another stream's failure loses this batch only
            console.addError("writing review log lines failed", e);
        }
    }

    /** Time, level and logger, the same for every line of a batch (they share its time). */
    private byte[] head(long millis) {
        var out = new StringBuilder(64);
        TIME.formatTo(Instant.ofEpochMilli(millis).atZone(zone), out);
        return out.append(" INFO  ").append(abbreviatedLogger).toString().getBytes(StandardCharsets.UTF_8);
    }

    /** The line as logback's {@link LogSetup#PATTERN} prints it ({@code ReviewLinesTest} holds the two together). */
    private void text(byte[] head, ReviewLog.Line line) {
        batch.writeBytes(head);
        var out = lineText;
        out.setLength(0);
        out.append(" - ");
        line.appendMessage(out);
        out.append(' ');
        int pairs = out.length();
        line.keyValues((key, value) -> {
            if (out.length() != pairs) {
                out.append(' ');
            }
            out.append(key).append("=\"").append(value).append('"');
        });
        out.append(System.lineSeparator());
        batch.writeBytes(out.toString().getBytes(StandardCharsets.UTF_8));
        if (out.capacity() > 64 * 1024) {
            lineText = new StringBuilder(1024); // not kept at the size of one outsized message
        }
    }

    /** The line as the event a logger call would have made, for any other encoder. */
    LoggingEvent event(long millis, ReviewLog.Line line) {
        var event = new LoggingEvent(org.slf4j.Logger.class.getName(), logger, Level.INFO, line.message(), null, null);
        event.setTimeStamp(millis);
        line.keyValues((key, value) -> event.addKeyValuePair(new KeyValuePair(key, value)));
        return event;
    }
}
