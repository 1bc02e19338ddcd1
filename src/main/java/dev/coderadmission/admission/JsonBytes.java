package dev.coderadmission.admission;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Compact JSON written straight into a byte array, for the two answers on the hot path (allow, and a
 * patch). A workspace pod's patch carries its 4.5 KB bootstrap script as one string, and Jackson's
 * generator spent ~35 µs escaping it character by character; here the string is encoded to UTF-8 by
 * the JDK's intrinsic and escaped in one pass over bytes. Output is what Jackson writes for the same
 * tree: two-character escapes for quote, backslash, backspace, form feed, newline, carriage return
 * and tab, six-character unicode escapes (upper-case hex) for the other control characters, and
 * everything else as raw UTF-8.
 */
final class JsonBytes {
    private static final byte[] HEX = "0123456789ABCDEF".getBytes(StandardCharsets.US_ASCII);
    /** Per byte: 0 to copy it, else the character after the backslash ('u' for a six-character escape). */
    private static final byte[] ESCAPE = new byte[256];
    /** Per byte: how many bytes its escape adds. */
    private static final byte[] EXTRA = new byte[256];

    static {
        for (int c = 0; c < 0x20; c++) {
            ESCAPE[c] = 'u';
        }
        ESCAPE['"'] = '"';
        ESCAPE['\\'] = '\\';
        ESCAPE['\b'] = 'b';
        ESCAPE['\f'] = 'f';
        ESCAPE['\n'] = 'n';
        ESCAPE['\r'] = 'r';
        ESCAPE['\t'] = 't';
        for (int c = 0; c < 256; c++) {
            EXTRA[c] = (byte) (ESCAPE[c] == 0 ? 0 : ESCAPE[c] == 'u' ? 5 : 1);
        }
    }
    private byte[] buffer;
    private int size;

    JsonBytes(int capacity) {
        buffer = new byte[Math.max(16, capacity)];
    }

    JsonBytes raw(byte[] bytes) {
        ensure(bytes.length);
        System.arraycopy(bytes, 0, buffer, size, bytes.length);
        size += bytes.length;
        return this;
    }

    JsonBytes raw(char ascii) {
        ensure(1);
        buffer[size++] = (byte) ascii;
        return this;
    }

    /** {@code text} as a quoted JSON string. */
    JsonBytes string(String text) {
        var utf8 = text.getBytes(StandardCharsets.UTF_8);
        // table lookups, no branches: escapes are frequent in a shell script (quotes, newlines)
        var extraBytes = EXTRA;
        int extra = 0;
        for (byte b : utf8) {
            extra += extraBytes[b & 0xFF];
        }
        ensure(utf8.length + extra + 2);
        var out = buffer;
        int at = size;
        out[at++] = '"';
        if (extra == 0) {
            System.arraycopy(utf8, 0, out, at, utf8.length);
            at += utf8.length;
        } else {
            var escapes = ESCAPE;
            for (byte b : utf8) {
                byte escape = escapes[b & 0xFF];
                if (escape == 0) {
                    out[at++] = b;
                } else {
                    out[at++] = '\\';
                    out[at++] = escape;
                    if (escape == 'u') {
                        out[at++] = '0';
                        out[at++] = '0';
                        out[at++] = HEX[b >> 4];
                        out[at++] = HEX[b & 0xF];
                    }
                }
            }
        }
        out[at++] = '"';
        size = at;
        return this;
    }

    /** Any tree: objects, arrays and strings here, other scalars through Jackson. */
    JsonBytes node(JsonNode node) {
        if (node.isTextual()) {
            return string(node.textValue());
        }
        if (node.isObject()) {
            raw('{');
            boolean first = true;
            for (var field : node.properties()) {
                if (!first) {
                    raw(',');
                }
                first = false;
                string(field.getKey()).raw(':').node(field.getValue());
            }
            return raw('}');
        }
        if (node.isArray()) {
            raw('[');
            for (int i = 0; i < node.size(); i++) {
                if (i > 0) {
                    raw(',');
                }
                node(node.get(i));
            }
            return raw(']');
        }
        try {
            return raw(AdmissionReviews.JSON.writeValueAsBytes(node));
        } catch (JacksonException e) {
            // a scalar node always serialises; reaching here is a bug, not bad input
            throw new IllegalStateException(e);
        }
    }

    /** How many bytes {@link #string} writes for {@code text}: its UTF-8 bytes, their escapes and the quotes. */
    static int quotedLength(String text) {
        var utf8 = text.getBytes(StandardCharsets.UTF_8);
        int length = utf8.length + 2;
        for (byte b : utf8) {
            length += EXTRA[b & 0xFF];
        }
        return length;
    }

    /** The buffer: the bytes written are its first {@link #size()} (no copy; nothing may be written after reading it). */
    byte[] array() {
        return buffer;
    }

    int size() {
        return size;
    }

    /** The bytes written: the buffer itself when they fill it (an answer sized exactly), else a copy. */
    byte[] toByteArray() {
        return size == buffer.length ? buffer : Arrays.copyOf(buffer, size);
    }

    private void ensure(int more) {
        if (size + more > buffer.length) {
            // 1.5x, or what is needed and 512 bytes more: a 5 KB script into a 1 KB patch grows it once to
            // fit, with room for the small members after it, instead of twice to 10 KB
            buffer = Arrays.copyOf(buffer, Math.max(buffer.length + (buffer.length >> 1), size + more + 512));
        }
    }
}
