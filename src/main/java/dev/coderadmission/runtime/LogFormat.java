package dev.coderadmission.runtime;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.spi.AppenderAttachable;
import dev.coderadmission.config.LoggingConfig;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/** Applies {@code logging.format} to the console appender that {@link LogSetup} sets up. */
public final class LogFormat {
    private LogFormat() {
    }

    public static void apply(LoggingConfig config) {
        if (config.format() != LoggingConfig.Format.JSON
                || !(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return;
        }
        for (var appender : consoleAppenders(context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME))) {
            var encoder = new JsonLines();
            encoder.setContext(context);
            encoder.start();
            appender.stop();
            appender.setEncoder(encoder);
            appender.start();
        }
    }

    private static List<OutputStreamAppender<ILoggingEvent>> consoleAppenders(Logger root) {
        var found = new ArrayList<OutputStreamAppender<ILoggingEvent>>();
        root.iteratorForAppenders().forEachRemaining(appender -> collect(appender, found));
        return found;
    }

    @SuppressWarnings("unchecked")
    private static void collect(Appender<ILoggingEvent> appender, List<OutputStreamAppender<ILoggingEvent>> found) {
        if (appender instanceof OutputStreamAppender<ILoggingEvent> stream) {
            found.add(stream);
        } else if (appender instanceof AppenderAttachable<?> attachable) { // AsyncAppender
            ((AppenderAttachable<ILoggingEvent>) attachable).iteratorForAppenders().forEachRemaining(inner -> collect(inner, found));
        }
    }
}
