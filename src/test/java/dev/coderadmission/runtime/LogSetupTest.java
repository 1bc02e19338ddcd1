package dev.coderadmission.runtime;

import ch.qos.logback.classic.AsyncAppender;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.OutputStreamAppender;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.event.KeyValuePair;

import java.nio.charset.StandardCharsets;
import java.util.ServiceLoader;

import static org.assertj.core.api.Assertions.assertThat;

/** The logging set-up in code (the packaged jar's log lines are checked in PackagedJarIT). */
class LogSetupTest {
    @Test
    void rootLogsToStderrThroughANonBlockingQueueAtTheLevelGiven() {
        var context = new LoggerContext();
        LogSetup.install(context, Level.DEBUG);

        var root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        assertThat(root.getLevel()).isEqualTo(Level.DEBUG);
        var async = (AsyncAppender) root.getAppender("ASYNC");
        assertThat(async.isStarted()).isTrue();
        assertThat(async.isNeverBlock()).isTrue();
        assertThat(async.getQueueSize()).isEqualTo(4096);
        var console = (ConsoleAppender<ILoggingEvent>) async.getAppender("STDERR");
        assertThat(console.getTarget()).isEqualTo("System.err");
        assertThat(((PatternLayoutEncoder) console.getEncoder()).getPattern()).isEqualTo(LogSetup.PATTERN);
        assertThat(context.getLogger("io.micronaut.context.env").getLevel()).isEqualTo(Level.WARN);
    }

    @Test
    void aLineCarriesItsKeyValues() {
        var context = new LoggerContext();
        LogSetup.install(context, Level.INFO);
        var console = (OutputStreamAppender<ILoggingEvent>) ((AsyncAppender) context.getLogger(Logger.ROOT_LOGGER_NAME)
                .getAppender("ASYNC")).getAppender("STDERR");
        var logger = context.getLogger("dev.coderadmission.admission.AdmissionHandler");
        var event = new LoggingEvent(Logger.class.getName(), logger, Level.INFO, "denied CREATE Service {}", null,
                new Object[] {"coder/coder"});
        event.addKeyValuePair(new KeyValuePair("outcome", "denied"));
        event.addKeyValuePair(new KeyValuePair("uid", "u-1"));

        assertThat(new String(console.getEncoder().encode(event), StandardCharsets.UTF_8))
                .matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO  d\\.c\\.admission\\.AdmissionHandler - denied CREATE Service coder/coder "
                        + "outcome=\"denied\" uid=\"u-1\"\\R");
    }

    @Test
    void logLevelComesFromThePropertyOrTheEnvironmentAndDefaultsToInfo() {
        var previous = System.getProperty("LOG_LEVEL");
        try {
            System.setProperty("LOG_LEVEL", "warn");
            assertThat(LogSetup.level()).isEqualTo(Level.WARN);
            System.setProperty("LOG_LEVEL", "no-such-level");
            assertThat(LogSetup.level()).isEqualTo(Level.INFO);
        } finally {
            if (previous == null) {
                System.clearProperty("LOG_LEVEL");
            } else {
                System.setProperty("LOG_LEVEL", previous);
            }
        }
    }

    @Test
    void logbackFindsItAndItStepsAsideForALogbackTestXml() {
        var found = ServiceLoader.load(Configurator.class).stream().map(ServiceLoader.Provider::type).toList();
        assertThat(found).contains(LogSetup.class);

        // the test class path has logback-test.xml: a configuration file given on purpose wins
        var context = new LoggerContext();
        var setup = new LogSetup();
        setup.setContext(context);
        assertThat(setup.configure(context)).isEqualTo(Configurator.ExecutionStatus.INVOKE_NEXT_IF_ANY);
        assertThat(context.getLogger(Logger.ROOT_LOGGER_NAME).iteratorForAppenders().hasNext()).isFalse();
    }
}
