package dev.coderadmission.runtime;

import ch.qos.logback.classic.AsyncAppender;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.CoreConstants;
import ch.qos.logback.core.hook.DefaultShutdownHook;
import ch.qos.logback.core.spi.ContextAwareBase;
import dev.coderadmission.admission.ReviewLog;
import org.slf4j.Logger;

import java.util.Optional;

/**
 * The logging set-up, in code rather than a {@code logback.xml}: reading XML is logback's Joran, a SAX
 * parser and their model classes (about 300 classes loaded and 0.1 s of every start, measured with
 * {@code -Xlog:class+init} and async-profiler) for what these few lines say. Found by logback through
 * {@code META-INF/services/ch.qos.logback.classic.spi.Configurator}.
 *
 * <p>A configuration file given on purpose still wins: {@code -Dlogback.configurationFile=...}, or a
 * {@code logback-test.xml} on the class path (the tests'); then this one steps aside.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_HIGH_PRIORITY)
public final class LogSetup extends ContextAwareBase implements Configurator {
    /** The text format: {@code %kvp} prints the key-values of structured lines (a review's uid, rules, dryRun, ...). */
    static final String PATTERN = "%d{HH:mm:ss.SSS} %-5level %logger{36} - %msg %kvp%n";
    /** Lines the asynchronous appender holds before it drops INFO ones (WARN and ERROR are kept). */
    static final int QUEUE_SIZE = 4096;

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        if (System.getProperty("logback.configurationFile") != null
                || LogSetup.class.getClassLoader().getResource("logback-test.xml") != null) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        var console = install(context, level());
        reviewLines = new ReviewLines(context, console);
        // flushes the asynchronous appender when the JVM exits (the CLI's System.exit, SIGTERM)
        var hook = new DefaultShutdownHook();
        hook.setContext(context);
        var thread = new Thread(hook, "Logback shutdown hook");
        context.putObject(CoreConstants.SHUTDOWN_HOOK_THREAD, thread);
        Runtime.getRuntime().addShutdownHook(thread);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    /** The review log's batch writer over the console this set-up made; null when a configuration file won. */
    private static volatile ReviewLines reviewLines;

    /** Where {@code serve} sends the review log's lines: present when logging was set up here. */
    public static Optional<ReviewLog.Sink> reviewSink() {
        return Optional.ofNullable(reviewLines);
    }

    /** {@code LOG_LEVEL}, a system property or environment variable as logback.xml's {@code ${LOG_LEVEL:-INFO}} read it. */
    static Level level() {
        var value = System.getProperty("LOG_LEVEL", System.getenv("LOG_LEVEL"));
        return Level.toLevel(value, Level.INFO);
    }

    /** Root at {@code level}, to stderr through a non-blocking queue; Micronaut's environment chatter at WARN. */
    static ConsoleAppender<ILoggingEvent> install(LoggerContext context, Level level) {
        var encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern(PATTERN);
        encoder.start();
        // stderr: stdout belongs to the CLI's results (dry-run -o json is piped into other tools)
        var console = new ConsoleAppender<ILoggingEvent>();
        console.setContext(context);
        console.setName("STDERR");
        console.setTarget("System.err");
        console.setEncoder(encoder);
        console.start();
        // The admission event loops log denials and mutations; writing to a pipe can block, so they
        // only enqueue. A full queue drops INFO lines rather than stall a review.
        var async = new AsyncAppender();
        async.setContext(context);
        async.setName("ASYNC");
        async.setQueueSize(QUEUE_SIZE);
        async.setNeverBlock(true);
        async.addAppender(console);
        async.start();
        context.getLogger("io.micronaut.context.env").setLevel(Level.WARN);
        var root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(level);
        root.addAppender(async);
        return console;
    }
}
