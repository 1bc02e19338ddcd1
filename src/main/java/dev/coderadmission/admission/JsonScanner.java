package dev.coderadmission.admission;

import java.nio.charset.StandardCharsets;

/**
 * Checks and skips JSON values in a byte array without building anything: the grammar of RFC 8259
 * (structure, string escapes, numbers, literals), nesting up to {@link #MAX_DEPTH} like Jackson's
 * default limit. Not checked: UTF-8 validity inside strings, which Jackson checks when an object is
 * parsed into a tree.
 *
 * <p>Why not Jackson's streaming parser: skipping a value with it still decodes and canonicalizes
 * every member name, which made skipping a 3 KB pod cost more than answering it. Scanning bytes is
 * several times cheaper, and {@link ReviewReader} needs no more than positions. A policy that reads
 * a few fields of a large object (the agent-url policy and a workspace pod) walks it with
 * {@link #members} and {@link #elements} and keeps positions of the values it may rewrite.
 */
public final class JsonScanner {
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
    public static final class Malformed extends Exception {
        Malformed(String message) {
            super(message, null, false, false);
        }
    }

    /** Reads one member of an object: its value starts at the scanner's position and must be consumed. */
    public interface Member {
        void read(String name) throws Malformed;
    }

    /** Reads one element of an array: it starts at the scanner's position and must be consumed. */
    public interface Element {
        void read(int index) throws Malformed;
    }

    private final byte[] bytes;
    private final int end;
    int pos;
    /** Set by {@link #string()}: whether the string just read had an escape (and needs decoding). */
    boolean escaped;
    /** {@link #value()}'s flags per open container (true: an object), kept for the next value. */
    private boolean[] containers;
    /** Set by {@link #members} before each member is read: where its name starts (the opening quote). */
    int memberStart;

    /**
     * Whether the bytes were checked whole by an earlier scan: strings are then skipped to their closing
     * quote without checking their escapes and characters again.
     */
    private final boolean checked;

    public JsonScanner(byte[] bytes) {
        this(bytes, false);
    }

    /** @param checked the bytes are one JSON value that a scanner has checked already (a request's object) */
    public JsonScanner(byte[] bytes, boolean checked) {
        this(bytes, 0, bytes.length, checked);
    }

    /** A scanner of {@code bytes[start, end)}: positions stay those of the whole array. */
    public JsonScanner(byte[] bytes, int start, int end, boolean checked) {
        this.bytes = bytes;
        this.pos = start;
        this.end = end;
        this.checked = checked;
    }

    /** The position: after the last value read, or at the next one after {@link #peek()}. */
    public int position() {
        return pos;
    }

    /** Whether the string last read by {@link #string()} has an escape in it. */
    public boolean escaped() {
        return escaped;
    }

    /** The members of the object at the current position, each read (or skipped) by {@code member}. */
    public void members(Member member) throws Malformed {
        expect('{');
        if (peek() == '}') {
            pos++;
            return;
        }
        while (true) {
            int start = string();
            var field = escaped ? text(start) : MemberNames.name(bytes, start + 1, pos - 1);
            expect(':');
            memberStart = start;
            member.read(field);
            int next = peek();
            if (next != ',' && next != '}') {
                throw unexpected("',' or '}'");
            }
            pos++;
            if (next == '}') {
                return;
            }
        }
    }

    /** The elements of the array at the current position, each read (or skipped) by {@code element}. */
    public void elements(Element element) throws Malformed {
        expect('[');
        if (peek() == ']') {
            pos++;
            return;
        }
        for (int index = 0; ; index++) {
            element.read(index);
            int next = peek();
            if (next != ',' && next != ']') {
                throw unexpected("',' or ']'");
            }
            pos++;
            if (next == ']') {
                return;
            }
        }
    }

    /** Skips whitespace; returns the next byte, or -1 at the end of input. */
    public int peek() {
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
    public int string() throws Malformed {
        if (peek() != '"') {
            throw unexpected("a string");
        }
        int start = pos++;
        escaped = false;
        var b = bytes;
        if (checked) {
            // to the closing quote: after a backslash the next byte is never the string's end
            while (true) {
                pos = Swar.indexOfEither(b, pos, end, (byte) '"', (byte) '\\');
                if (pos >= end) {
                    throw new Malformed("unexpected end of input in a string starting at byte " + start);
                }
                if (b[pos] == '"') {
                    pos++;
                    return start;
                }
                escaped = true;
                pos += 2;
            }
        }
        var stop = STRING_STOP;
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

    /**
     * Where, from {@code from}, the first byte that may end a string's plain run is (a quote, a
     * backslash or a control character), eight bytes at a time: most of a review's bytes are inside
     * strings (an init script, env values), and a byte at a time through {@link #STRING_STOP} was most
     * of the scan. Returns a position at or before the first such byte (the byte loop finishes from
     * there). As in {@link Swar}, with {@code (x - 0x20) & ~x & 0x80} for x < 0x20 too.
     */
    private static int plainBytes(byte[] b, int from, int end) {
        int at = from;
        while (at + Long.BYTES <= end) {
            long word = (long) Swar.LONGS.get(b, at);
            long quote = word ^ 0x2222222222222222L;
            long backslash = word ^ 0x5C5C5C5C5C5C5C5CL;
            long hits = (((quote - Swar.ONES) & ~quote) | ((backslash - Swar.ONES) & ~backslash) | ((word - 0x2020202020202020L) & ~word))
                    & Swar.HIGHS;
            if (hits != 0) {
                return at + (Long.numberOfTrailingZeros(hits) >>> 3);
            }
            at += Long.BYTES;
        }
        return at;
    }

    /** Skips one value of any kind, checking it; leaves {@link #pos} after it. */
    public void value() throws Malformed {
        // one flag per open container: true for an object; iterative, so depth costs no stack. The array is
        // the scanner's, made at its first container (value() is not re-entered): most values skipped are scalars
        var inObject = containers;
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
                    if (inObject == null) {
                        inObject = containers = new boolean[16];
                    } else if (depth == inObject.length) {
                        inObject = containers = java.util.Arrays.copyOf(inObject, depth * 2);
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

    /** The string token at {@code [start, pos)} (quotes included) as text. */
    public String text(int start) throws Malformed {
        return text(bytes, start, pos, escaped);
    }

    /**
     * The string token at {@code [start, end)} of {@code bytes} (quotes included, already checked by
     * {@link #string()}) as text; {@code escaped}: whether it has an escape in it.
     */
    public static String text(byte[] bytes, int start, int end, boolean escaped) throws Malformed {
        if (!escaped) {
            return new String(bytes, start + 1, end - start - 2, StandardCharsets.UTF_8);
        }
        // Unescaped into UTF-8, which is never longer than the escaped form, then decoded by the JDK
        // (plain ASCII is one copy). Plain runs move eight bytes at a time: a shell script has an escape
        // every dozen bytes, too often for a copy call per run.
        var utf8 = new byte[end - start - 2];
        int size = 0;
        int at = start + 1;
        int to = end - 1;
        long backslashes = ('\\' & 0xFFL) * Swar.ONES;
        while (at < to) {
            int escape;
            if (at + Long.BYTES <= to) {
                long word = (long) Swar.LONGS.get(bytes, at);
                long x = word ^ backslashes;
                long hits = (x - Swar.ONES) & ~x & Swar.HIGHS;
                // the whole word is written: it fits, as the output never runs ahead of the input
                Swar.LONGS.set(utf8, size, word);
                if (hits == 0) {
                    at += Long.BYTES;
                    size += Long.BYTES;
                    continue;
                }
                int plain = Long.numberOfTrailingZeros(hits) >>> 3;
                escape = at + plain;
                size += plain;
            } else {
                escape = at;
                while (escape < to && bytes[escape] != '\\') {
                    utf8[size++] = bytes[escape++];
                }
                if (escape >= to) {
                    break;
                }
            }
            int c = unescaped(bytes, escape);
            at = escape + (bytes[escape + 1] == 'u' ? 6 : 2);
            if (c < 0x80) {
                utf8[size++] = (byte) c;
            } else if (c < 0x800) {
                utf8[size++] = (byte) (0xC0 | c >> 6);
                utf8[size++] = (byte) (0x80 | c & 0x3F);
            } else if (c < Character.MIN_SURROGATE || c > Character.MAX_SURROGATE) {
                utf8[size++] = (byte) (0xE0 | c >> 12);
                utf8[size++] = (byte) (0x80 | c >> 6 & 0x3F);
                utf8[size++] = (byte) (0x80 | c & 0x3F);
            } else {
                return jacksonText(bytes, start, end); // a surrogate, alone or in a pair: Jackson keeps what it was given
            }
        }
        return new String(utf8, 0, size, StandardCharsets.UTF_8);
    }

    /** The character the escape whose backslash is at {@code at} stands for (checked by {@link #string()} already). */
    public static int unescaped(byte[] bytes, int at) {
        return switch (bytes[at + 1]) {
            case 'b' -> '\b';
            case 'f' -> '\f';
            case 'n' -> '\n';
            case 'r' -> '\r';
            case 't' -> '\t';
            case 'u' -> Character.digit(bytes[at + 2], 16) << 12 | Character.digit(bytes[at + 3], 16) << 8
                    | Character.digit(bytes[at + 4], 16) << 4 | Character.digit(bytes[at + 5], 16);
            default -> bytes[at + 1]; // quote, backslash, slash
        };
    }

    private static String jacksonText(byte[] bytes, int start, int end) throws Malformed {
        try (var parser = AdmissionReviews.JSON.getFactory().createParser(bytes, start, end - start)) {
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
