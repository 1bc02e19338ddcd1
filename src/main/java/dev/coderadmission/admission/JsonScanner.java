package dev.coderadmission.admission;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Checks and skips JSON values in a byte array without building anything: the grammar of RFC 8259
 * (structure, string escapes, numbers, literals), nesting up to {@link #MAX_DEPTH} like Jackson's
 * default limit. Not checked: UTF-8 validity inside strings, which Jackson checks when an object is
 * parsed into a tree.
 *
 * <p>Why not Jackson's streaming parser: skipping a value with it still decodes and canonicalizes
 * every member name, which made skipping a 3 KB pod cost more than answering it. Scanning bytes is
 * several times cheaper, and {@link ReviewReader} needs no more than positions.
 */
final class JsonScanner {
    static final int MAX_DEPTH = 1000;
    /** String bytes that end the fast loop: quote, backslash and the control characters. */
    private static final boolean[] STRING_STOP = new boolean[256];

    static {
        for (int c = 0; c < 0x20; c++) {
            STRING_STOP[c] = true;
        }
        STRING_STOP['"'] = true;
        STRING_STOP['\\'] = true;
    }

    /** Malformed JSON, with a message that says what and where. */
    static final class Malformed extends Exception {
        Malformed(String message) {
            super(message, null, false, false);
        }
    }

    private final byte[] bytes;
    private final int end;
    int pos;
    /** Set by {@link #string()}: whether the string just read had an escape (and needs decoding). */
    boolean escaped;

    JsonScanner(byte[] bytes) {
        this.bytes = bytes;
        this.end = bytes.length;
    }

    /** Skips whitespace; returns the next byte, or -1 at the end of input. */
    int peek() {
        while (pos < end) {
            byte b = bytes[pos];
            if (!isSpace(b)) {
                return b & 0xFF;
            }
            pos++;
        }
        return -1;
    }

    /** JSON's insignificant whitespace. */
    static boolean isSpace(byte b) {
        return b == ' ' || b == '\n' || b == '\r' || b == '\t';
    }

    void expect(char c) throws Malformed {
        if (peek() != c) {
            throw unexpected("'" + c + "'");
        }
        pos++;
    }

    /**
     * Reads a string at the current position; returns its start (the opening quote) and leaves
     * {@link #pos} after the closing quote.
     */
    int string() throws Malformed {
        if (peek() != '"') {
            throw unexpected("a string");
        }
        int start = pos++;
        escaped = false;
        var stop = STRING_STOP;
        var b = bytes;
        while (true) {
            pos = plainBytes(b, pos, end);
            while (pos < end && !stop[b[pos] & 0xFF]) {
                pos++;
            }
            if (pos >= end) {
                throw new Malformed("unexpected end of input in a string starting at byte " + start);
            }
            byte c = b[pos];
            if (c == '"') {
                pos++;
                return start;
            }
            if (c != '\\') {
                throw new Malformed("unescaped control character 0x" + Integer.toHexString(c) + " in a string at byte " + pos);
            }
            escaped = true;
            if (pos + 1 >= end) {
                throw new Malformed("unexpected end of input in a string starting at byte " + start);
            }
            switch (b[pos + 1]) {
                case '"', '\\', '/', 'b', 'f', 'n', 'r', 't' -> pos += 2;
                case 'u' -> {
                    for (int i = 2; i < 6; i++) {
                        if (pos + i >= end || Character.digit(b[pos + i], 16) < 0) {
                            throw new Malformed("invalid unicode escape in a string at byte " + pos);
                        }
                    }
                    pos += 6;
                }
                default -> throw new Malformed("invalid escape in a string at byte " + pos);
            }
        }
    }

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long ONES = 0x0101010101010101L;
    private static final long HIGHS = 0x8080808080808080L;

    /**
     * Where, from {@code from}, the first byte that may end a string's plain run is (a quote, a
     * backslash or a control character), eight bytes at a time: most of a review's bytes are inside
     * strings (an init script, env values), and a byte at a time through {@link #STRING_STOP} was most
     * of the scan. Returns a position at or before the first such byte (the byte loop finishes from
     * there). Per byte of the word: {@code (x - 1) & ~x & 0x80} is set when x is 0 (for x = byte XOR
     * '"' or '\\'), {@code (x - 0x20) & ~x & 0x80} when x < 0x20; a borrow only sets bits above a true
     * hit, so the lowest bit set is the first hit.
     */
    private static int plainBytes(byte[] b, int from, int end) {
        int at = from;
        while (at + Long.BYTES <= end) {
            long word = (long) LONGS.get(b, at);
            long quote = word ^ 0x2222222222222222L;
            long backslash = word ^ 0x5C5C5C5C5C5C5C5CL;
            long hits = (((quote - ONES) & ~quote) | ((backslash - ONES) & ~backslash) | ((word - 0x2020202020202020L) & ~word)) & HIGHS;
            if (hits != 0) {
                return at + (Long.numberOfTrailingZeros(hits) >>> 3);
            }
            at += Long.BYTES;
        }
        return at;
    }

    /** Skips one value of any kind, checking it; leaves {@link #pos} after it. */
    void value() throws Malformed {
        // one flag per open container: true for an object; iterative, so depth costs no stack
        var inObject = new boolean[16];
        int depth = 0;
        while (true) {
            // a value starts here
            int c = peek();
            switch (c) {
                case '{', '[' -> {
                    pos++;
                    if (depth == MAX_DEPTH) {
                        throw new Malformed("nesting deeper than " + MAX_DEPTH + " at byte " + pos);
                    }
                    if (depth == inObject.length) {
                        inObject = java.util.Arrays.copyOf(inObject, depth * 2);
                    }
                    inObject[depth++] = c == '{';
                    int close = c == '{' ? '}' : ']';
                    if (peek() == close) {
                        pos++;
                        depth--;
                    } else {
                        if (c == '{') {
                            member();
                        }
                        continue;
                    }
                }
                case '"' -> string();
                case 't' -> literal("true");
                case 'f' -> literal("false");
                case 'n' -> literal("null");
                default -> {
                    if (c == '-' || (c >= '0' && c <= '9')) {
                        number();
                    } else {
                        throw unexpected("a value");
                    }
                }
            }
            // after a value: close containers or move to the next element
            while (true) {
                if (depth == 0) {
                    return;
                }
                int next = peek();
                boolean object = inObject[depth - 1];
                if (next == ',') {
                    pos++;
                    if (object) {
                        member();
                    }
                    break;
                }
                if (next == (object ? '}' : ']')) {
                    pos++;
                    depth--;
                    continue;
                }
                throw unexpected(object ? "',' or '}'" : "',' or ']'");
            }
        }
    }

    /** A member's name and colon; the value follows. */
    private void member() throws Malformed {
        string();
        expect(':');
    }

    private void literal(String word) throws Malformed {
        for (int i = 0; i < word.length(); i++) {
            if (pos + i >= end || bytes[pos + i] != word.charAt(i)) {
                throw new Malformed("invalid literal at byte " + pos + ", expected " + word);
            }
        }
        pos += word.length();
    }

    private void number() throws Malformed {
        int start = pos;
        if (bytes[pos] == '-') {
            pos++;
        }
        if (pos < end && bytes[pos] == '0') {
            pos++;
        } else if (digits() == 0) {
            throw new Malformed("invalid number at byte " + start);
        }
        if (pos < end && bytes[pos] == '.') {
            pos++;
            if (digits() == 0) {
                throw new Malformed("invalid number at byte " + start);
            }
        }
        if (pos < end && (bytes[pos] == 'e' || bytes[pos] == 'E')) {
            pos++;
            if (pos < end && (bytes[pos] == '+' || bytes[pos] == '-')) {
                pos++;
            }
            if (digits() == 0) {
                throw new Malformed("invalid number at byte " + start);
            }
        }
    }

    private int digits() {
        int start = pos;
        while (pos < end && bytes[pos] >= '0' && bytes[pos] <= '9') {
            pos++;
        }
        return pos - start;
    }

    /** Whether the string token at {@code [start, pos)} (quotes included), unescaped, equals {@code ascii}. */
    boolean stringEquals(int start, String ascii) throws Malformed {
        if (escaped) {
            return ascii.equals(text(start));
        }
        int length = pos - start - 2;
        if (length != ascii.length()) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            if (bytes[start + 1 + i] != ascii.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** The string token at {@code [start, pos)} (quotes included) as text. */
    String text(int start) throws Malformed {
        if (!escaped) {
            return new String(bytes, start + 1, pos - start - 2, StandardCharsets.UTF_8);
        }
        // with escapes (rare: Kubernetes names and UIDs have none), Jackson decodes the token
        try (var parser = AdmissionReviews.JSON.getFactory().createParser(bytes, start, pos - start)) {
            parser.nextToken();
            return parser.getText();
        } catch (java.io.IOException e) {
            throw new Malformed("invalid string at byte " + start + ": " + e.getMessage());
        }
    }

    Malformed unexpected(String expected) {
        if (pos >= end) {
            return new Malformed("unexpected end of input at byte " + pos + ", expected " + expected);
        }
        int c = bytes[pos] & 0xFF;
        var shown = c >= 0x20 && c < 0x7F ? "'" + (char) c + "'" : "byte 0x" + Integer.toHexString(c);
        return new Malformed("unexpected " + shown + " at byte " + pos + ", expected " + expected);
    }
}
