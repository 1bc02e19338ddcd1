package dev.coderadmission.admission;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BiConsumer;

/**
 * The one structured line per denial, warned admission and mutation, written off the event loop. The
 * event loop only appends a small record to a lock-free queue; a daemon thread drains it every 20 ms and
 * formats and logs the lines. Handing each line to a logging thread directly (logback's AsyncAppender
 * signals its consumer per line) cost ~50 µs of event-loop CPU per denial on two cores, more than the
 * policy. The queue is bounded: past {@link #CAPACITY} lines waiting, lines are dropped and the number
 * dropped is logged at WARN with the next batch.
 *
 * <p>When the logging set-up offers a {@link Sink} (the server's: {@code runtime/ReviewLines}), each
 * batch goes to it whole, formatted as the console would and written at once; otherwise each line is a
 * logger call. A logger call per line through logback's asynchronous appender, which formatted it with
 * the pattern layout and wrote it with a system call of its own, cost 16 µs of CPU per denied Service
 * at one connection (a quarter of the review; LOG_LEVEL=WARN against INFO, README "Benchmarks").
 */
public final class ReviewLog {
    static final int CAPACITY = 8192;
    private static final Logger LOG = LoggerFactory.getLogger(AdmissionHandler.class);
    private static final long PERIOD_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    private static final ConcurrentLinkedQueue<Line> QUEUE = new ConcurrentLinkedQueue<>();
    private static final AtomicInteger WAITING = new AtomicInteger();
    private static final AtomicLong DROPPED = new AtomicLong();
    private static final Thread WRITER = Thread.ofPlatform().daemon().name("coder-admission-review-log").unstarted(ReviewLog::run);

    static {
        WRITER.start();
    }

    /** What a line needs, captured on the event loop (plain fields, no formatting). */
    public record Line(String webhook, String webhookName, String outcome, String uid, String operation, String kind,
                       String namespace, String name, boolean dryRun, String verb, String detail, int patchOperations) {

        /** The line's message: "/validate/exposure denied CREATE Service coder/coder: [rule] ...". */
        public String message() {
            var out = new StringBuilder(64 + detail.length());
            appendMessage(out);
            return out.toString();
        }

        /** {@link #message()} appended to {@code out}, for a writer that reuses its buffer. */
        public void appendMessage(StringBuilder out) {
            out.append(webhook).append(' ').append(verb).append(' ').append(operation).append(' ').append(kind).append(' ');
            if (!namespace.isEmpty()) {
                out.append(namespace).append('/');
            }
            out.append(name);
            if (!detail.isEmpty()) {
                out.append(": ").append(detail);
            }
        }

        /** The line's key-values, in order: what a log pipeline filters on. */
        public void keyValues(BiConsumer<String, Object> pair) {
            pair.accept("webhook", webhook);
            pair.accept("outcome", outcome);
            pair.accept("uid", uid);
            pair.accept("operation", operation);
            pair.accept("kind", kind);
            pair.accept("namespace", namespace);
            pair.accept("name", name);
            pair.accept("dryRun", dryRun);
            if (patchOperations > 0) {
                // a mutation's rule is its webhook (agent-url, tenant-backend)
                pair.accept("rules", webhookName);
                pair.accept("patchOperations", patchOperations);
            } else {
                pair.accept("rules", rules(detail));
            }
        }
    }

    /** Takes a batch of lines, in order, and writes them (on the review log's thread: it may block). */
    public interface Sink {
        void write(List<Line> lines);
    }

    /** At most this many lines are handed to a sink at once. */
    static final int BATCH = 256;
    private static volatile Sink sink;

    private ReviewLog() {
    }

    /** Sends the lines to {@code to} from now on (null: a logger call per line again). */
    public static void sink(Sink to) {
        sink = to;
    }

    /** Whether lines are written at all (INFO enabled): when not, nothing is queued. */
    static boolean enabled() {
        return LOG.isInfoEnabled();
    }

    static void add(Line line) {
        if (WAITING.incrementAndGet() > CAPACITY) {
            WAITING.decrementAndGet();
            DROPPED.incrementAndGet();
            return;
        }
        QUEUE.add(line);
    }

    /** Writes every line queued so far (tests; the server's stop). */
    public static void flush() {
        synchronized (QUEUE) {
            drain();
        }
    }

    private static void run() {
        while (true) {
            LockSupport.parkNanos(PERIOD_NANOS);
            try {
                flush();
            } catch (RuntimeException e) {
                LOG.warn("writing review log lines failed", e);
            }
        }
    }

    private static void drain() {
        var to = sink;
        if (to == null) {
            for (Line line; (line = QUEUE.poll()) != null; ) {
                WAITING.decrementAndGet();
                write(line);
            }
        } else {
            var batch = new ArrayList<Line>(BATCH);
            for (Line line; (line = QUEUE.poll()) != null; ) {
                WAITING.decrementAndGet();
                batch.add(line);
                if (batch.size() == BATCH) {
                    to.write(batch);
                    batch.clear();
                }
            }
            if (!batch.isEmpty()) {
                to.write(batch);
            }
        }
        var dropped = DROPPED.getAndSet(0);
        if (dropped > 0) {
            LOG.warn("{} review log lines were dropped: more than {} were waiting to be written", dropped, CAPACITY);
        }
    }

    private static void write(Line line) {
        var event = LOG.atInfo();
        line.keyValues(event::addKeyValue);
        event.log(line.message());
    }

    /** The logger the lines are written as (a sink writes them under its name too). */
    public static String loggerName() {
        return LOG.getName();
    }

    /**
     * The rule names a message cites, comma-separated ("" when it cites none): each violation starts
     * with {@code [rule-name] } at the start or after ": " or "; " (a bracketed list such as "allowed
     * classes [tailscale]" is not one). Scanned by hand: the regex this replaces was three quarters of
     * this thread's CPU, one alternation tried at every character of a 500-character message.
     */
    static String rules(String message) {
        var names = new LinkedHashSet<String>();
        for (int open = message.indexOf('['); open >= 0; open = message.indexOf('[', open + 1)) {
            boolean startsViolation = open == 0 || (open >= 2 && message.charAt(open - 1) == ' '
                    && (message.charAt(open - 2) == ':' || message.charAt(open - 2) == ';'));
            int close = message.indexOf(']', open + 1);
            if (startsViolation && close > open + 1 && close + 1 < message.length() && message.charAt(close + 1) == ' '
                    && isRuleName(message, open + 1, close)) {
                names.add(message.substring(open + 1, close));
            }
        }
        return String.join(",", names);
    }

    /** [a-z0-9][a-z0-9-]* */
    private static boolean isRuleName(String text, int from, int to) {
        for (int i = from; i < to; i++) {
            char c = text.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' && i > from)) {
                return false;
            }
        }
        return true;
    }
}
