package dev.coderadmission.admission;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The string scan reads eight bytes at a time: each byte that ends a plain run (quote, backslash,
 * control character) must be found at every offset within a word and next to every other byte value,
 * as the byte-at-a-time loop found it.
 */
class JsonScannerTest {

    /** Where a byte-at-a-time reading says the string starting at 0 ends, or -1 when it is malformed. */
    private static int reference(byte[] json) {
        int pos = 1;
        while (pos < json.length) {
            int c = json[pos] & 0xFF;
            if (c == '"') {
                return pos + 1;
            }
            if (c < 0x20) {
                return -1;
            }
            if (c == '\\') {
                if (pos + 1 >= json.length) {
                    return -1;
                }
                switch (json[pos + 1]) {
                    case '"', '\\', '/', 'b', 'f', 'n', 'r', 't' -> pos += 2;
                    case 'u' -> {
                        for (int i = 2; i < 6; i++) {
                            if (pos + i >= json.length || Character.digit(json[pos + i], 16) < 0) {
                                return -1;
                            }
                        }
                        pos += 6;
                    }
                    default -> {
                        return -1;
                    }
                }
                continue;
            }
            pos++;
        }
        return -1;
    }

    private static void agrees(byte[] json) {
        var scanner = new JsonScanner(json);
        int expected = reference(json);
        if (expected < 0) {
            assertThatThrownBy(scanner::string).as(describe(json)).isInstanceOf(JsonScanner.Malformed.class);
        } else {
            try {
                assertThat(scanner.string()).isZero();
            } catch (JsonScanner.Malformed e) {
                throw new AssertionError(describe(json) + ": " + e.getMessage());
            }
            assertThat(scanner.pos).as(describe(json)).isEqualTo(expected);
        }
    }

    private static String describe(byte[] json) {
        var text = new StringBuilder();
        for (byte b : json) {
            text.append(String.format("%02x ", b & 0xFF));
        }
        return text.toString();
    }

    @Test
    void everyByteValueAtEveryOffsetOfTwoWords() {
        for (int offset = 0; offset < 17; offset++) {
            for (int value = 0; value < 256; value++) {
                var out = new ByteArrayOutputStream();
                out.write('"');
                for (int i = 0; i < offset; i++) {
                    out.write('a' + i % 26);
                }
                out.write(value);
                out.writeBytes("bcdefghijklmnopqrstu\"".getBytes());
                agrees(out.toByteArray());
            }
        }
    }

    @Test
    void randomStringsOfQuotesBackslashesControlAndHighBytes() {
        var random = new Random(13);
        byte[] alphabet = {'a', 'Z', ' ', '"', '\\', 'n', 'u', '0', 'f', 0x00, 0x1F, 0x20, 0x7F, (byte) 0x80, (byte) 0xC3, (byte) 0xFF,
                (byte) 0xA2, 0x22 ^ 0x01, (byte) (0x5C ^ 0x80)};
        for (int round = 0; round < 20_000; round++) {
            var json = new byte[1 + random.nextInt(40)];
            json[0] = '"';
            for (int i = 1; i < json.length; i++) {
                json[i] = alphabet[random.nextInt(alphabet.length)];
            }
            agrees(json);
        }
    }

    @Test
    void aLongPlainStringEndsAtItsQuote() throws JsonScanner.Malformed {
        var json = ("\"" + "x".repeat(10_001) + "\" ").getBytes();
        var scanner = new JsonScanner(json);

        assertThat(scanner.string()).isZero();
        assertThat(scanner.pos).isEqualTo(10_003);
        assertThat(scanner.escaped).isFalse();
    }

    /** Random text of characters that need escapes, multi-byte UTF-8, surrogate pairs and plain runs. */
    private static String randomText(Random random) {
        var pieces = new String[] {"a", "plain run of text ", "\"", "\\", "/", "\n", "\t", "\r", "\b", "\f", "\u0001",
                "\u001f", "é", "€", "😀", "<", "&", "\u2028"};
        var text = new StringBuilder();
        for (int i = random.nextInt(30); i > 0; i--) {
            text.append(pieces[random.nextInt(pieces.length)]);
        }
        return text.toString();
    }

    /** The text as a JSON string token, each character escaped or not at random (any escape JSON allows). */
    private static byte[] randomlyEscaped(String text, Random random) {
        var out = new StringBuilder("\"");
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c)) {
                // a pair is written whole, as UTF-8 or as two escapes: one half of each is no character at all
                if (random.nextBoolean()) {
                    out.append("\\u%04x\\u%04X".formatted((int) c, (int) text.charAt(i + 1)));
                } else {
                    out.append(c).append(text.charAt(i + 1));
                }
                i++;
                continue;
            }
            if (c == '"' || c == '\\' || c < 0x20 || random.nextInt(5) == 0) {
                switch (random.nextInt(c == '/' ? 3 : 2)) {
                    case 0 -> out.append("\\u%04X".formatted((int) c));
                    case 1 -> out.append(switch (c) {
                        case '"' -> "\\\"";
                        case '\\' -> "\\\\";
                        case '\n' -> "\\n";
                        case '\t' -> "\\t";
                        case '\r' -> "\\r";
                        case '\b' -> "\\b";
                        case '\f' -> "\\f";
                        default -> "\\u%04x".formatted((int) c);
                    });
                    default -> out.append("\\/");
                }
            } else {
                out.append(c);
            }
        }
        return out.append('"').toString().getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void textDecodesEveryEscapeAsJacksonDoes() throws Exception {
        var random = new Random(23);
        for (int round = 0; round < 20_000; round++) {
            var text = randomText(random);
            var json = randomlyEscaped(text, random);
            var scanner = new JsonScanner(json);
            int start = scanner.string();
            String jackson;
            try (var parser = AdmissionReviews.JSON.getFactory().createParser(json)) {
                parser.nextToken();
                jackson = parser.getText();
            }
            assertThat(jackson).as(new String(json, StandardCharsets.UTF_8)).isEqualTo(text);
            assertThat(scanner.text(start)).as(new String(json, StandardCharsets.UTF_8)).isEqualTo(text);
        }
    }

    @Test
    void aCheckedScanEndsEveryStringWhereTheCheckingOneDoes() throws Exception {
        var random = new Random(29);
        for (int round = 0; round < 20_000; round++) {
            var json = randomlyEscaped(randomText(random), random);
            var checking = new JsonScanner(json);
            var checked = new JsonScanner(json, true);
            assertThat(checked.string()).isEqualTo(checking.string());
            assertThat(checked.position()).isEqualTo(checking.position());
            assertThat(checked.escaped()).isEqualTo(checking.escaped());
        }
    }

    @Test
    void membersAndElementsWalkAnObjectAndCheckItsCommas() throws Exception {
        var json = "{\"a\": [1, {\"b\": \"x\"}, \"y\"], \"c\": {}}".getBytes(StandardCharsets.UTF_8);
        var scanner = new JsonScanner(json);
        var seen = new java.util.ArrayList<String>();
        scanner.members(name -> {
            seen.add(name);
            if (name.equals("a")) {
                scanner.elements(index -> {
                    seen.add("[" + index + "]");
                    scanner.value();
                });
            } else {
                scanner.value();
            }
        });
        assertThat(seen).containsExactly("a", "[0]", "[1]", "[2]", "c");
        assertThat(scanner.position()).isEqualTo(json.length);

        var missingComma = new JsonScanner("[1 2]".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> missingComma.elements(index -> missingComma.value()))
                .isInstanceOf(JsonScanner.Malformed.class).hasMessageContaining("expected ',' or ']'");
    }
}
