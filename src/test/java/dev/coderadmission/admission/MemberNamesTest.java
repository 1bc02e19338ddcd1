package dev.coderadmission.admission;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;

import static org.assertj.core.api.Assertions.assertThat;

/** The shared table of member names gives back the name in the bytes, whatever was read before it. */
class MemberNamesTest {

    private static String named(String name) {
        var bytes = ("xx" + name + "yy").getBytes(StandardCharsets.UTF_8);
        return MemberNames.name(bytes, 2, bytes.length - 2);
    }

    @Test
    void aNameReadAgainIsTheStringReadBefore() {
        var first = named("metadata-for-member-names-test");
        var again = named("metadata-for-member-names-test");
        assertThat(first).isEqualTo("metadata-for-member-names-test");
        assertThat(again).isSameAs(first);
    }

    @Test
    void namesThatShareASlotEachComeOutAsThemselves() {
        // find names that land in one slot: the second replaces the first, and the first is made anew
        var seen = new java.util.HashMap<Integer, String>();
        String a = null;
        String b = null;
        for (int i = 0; a == null; i++) {
            var name = "collide-" + i;
            var bytes = name.getBytes(StandardCharsets.UTF_8);
            int hash = bytes.length;
            for (byte x : bytes) {
                hash = 31 * hash + x;
            }
            int slot = (hash ^ hash >>> 16) & 1023;
            var other = seen.putIfAbsent(slot, name);
            if (other != null) {
                a = other;
                b = name;
            }
        }
        for (int round = 0; round < 3; round++) {
            assertThat(named(a)).isEqualTo(a);
            assertThat(named(b)).isEqualTo(b);
        }
    }

    @Test
    void anyBytesComeOutAsTheJdkDecodesThem() {
        var random = new Random(41);
        byte[] alphabet = {'a', 'z', '-', '.', '/', (byte) 0xC3, (byte) 0xA9, (byte) 0xF0, (byte) 0x9F, (byte) 0x98, (byte) 0x80,
                (byte) 0xFF, (byte) 0x80};
        for (int round = 0; round < 20_000; round++) {
            var bytes = new byte[random.nextInt(MemberNames.MAX_LENGTH + 8)];
            for (int i = 0; i < bytes.length; i++) {
                bytes[i] = alphabet[random.nextInt(alphabet.length)];
            }
            assertThat(MemberNames.name(bytes, 0, bytes.length)).isEqualTo(new String(bytes, StandardCharsets.UTF_8));
        }
    }

    @Test
    void threadsReadingDifferentNamesAtOnceEachGetTheirOwn() throws Exception {
        var wrong = new ConcurrentLinkedQueue<String>();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            int seed = t;
            threads.add(Thread.ofPlatform().start(() -> {
                var random = new Random(seed);
                for (int i = 0; i < 50_000; i++) {
                    var name = "n" + random.nextInt(3000); // three names per slot on average: constant replacement
                    var got = named(name);
                    if (!got.equals(name)) {
                        wrong.add(name + " read as " + got);
                    }
                }
            }));
        }
        for (var thread : threads) {
            thread.join();
        }
        assertThat(wrong).isEmpty();
    }

    @Test
    void theScannerDecodesEscapedNamesAndLooksUpPlainOnes() throws Exception {
        var json = "{\"a\\u0062c\": 1, \"abc\": 2, \"caf\u00e9\": 3, \"x\\\"y\": 4}".getBytes(StandardCharsets.UTF_8);
        var scanner = new JsonScanner(json);
        var names = new ArrayList<String>();
        scanner.members(name -> {
            names.add(name);
            scanner.value();
        });
        assertThat(names).containsExactly("abc", "abc", "caf\u00e9", "x\"y");
    }
}
