package dev.coderadmission.runtime;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.encoder.EncoderBase;
import com.fasterxml.jackson.core.JsonFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;

/**
 * One flat JSON object per log line: {@code time}, {@code level}, {@code logger}, {@code thread},
 * {@code message}, then the event's key-values as fields of their own (a review's {@code uid},
 * {@code rules}, {@code dryRun}, ...), and {@code error} with the stack trace when there is one. Flat,
 * so Loki, Elasticsearch or {@code jq} select on {@code .outcome} without unpacking logback's lists.
 */
public final class JsonLines extends EncoderBase<ILoggingEvent> {
    private static final JsonFactory JSON = new JsonFactory();
    private static final byte[] NONE = new byte[0];

    @Override
    public byte[] headerBytes() {
        return NONE;
    }

    @Override
    public byte[] footerBytes() {
        return NONE;
    }

    @Override
    public byte[] encode(ILoggingEvent event) {
        var out = new ByteArrayOutputStream(256);
        try (var json = JSON.createGenerator(out)) {
            json.writeStartObject();
            json.writeStringField("time", Instant.ofEpochMilli(event.getTimeStamp()).toString());
            json.writeStringField("level", event.getLevel().toString());
            json.writeStringField("logger", event.getLoggerName());
            json.writeStringField("thread", event.getThreadName());
            json.writeStringField("message", event.getFormattedMessage());
            var pairs = event.getKeyValuePairs();
            if (pairs != null) {
                for (var pair : pairs) {
                    switch (pair.value) {
                        case null -> json.writeNullField(pair.key);
                        case Boolean b -> json.writeBooleanField(pair.key, b);
                        case Integer i -> json.writeNumberField(pair.key, i);
                        case Long l -> json.writeNumberField(pair.key, l);
                        default -> json.writeStringField(pair.key, pair.value.toString());
                    }
                }
            }
            if (event.getThrowableProxy() != null) {
                json.writeStringField("error", ThrowableProxyUtil.asString(event.getThrowableProxy()));
            }
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out.write('\n');
        return out.toByteArray();
    }
}
