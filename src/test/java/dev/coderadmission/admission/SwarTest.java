package dev.coderadmission.admission;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** The word-at-a-time searches find what a byte-at-a-time search finds, at every offset and for every byte value. */
class SwarTest {

    private static int naive(byte[] bytes, int from, int to, byte x, byte y) {
        for (int i = from; i < to; i++) {
            if (bytes[i] == x || bytes[i] == y) {
                return i;
            }
        }
        return to;
    }

    @Test
    void findsTheFirstOfEitherByteAsAByteLoopDoes() {
        var random = new Random(31);
        for (int round = 0; round < 50_000; round++) {
            var bytes = new byte[random.nextInt(40)];
            for (int i = 0; i < bytes.length; i++) {
                // mostly near the targets, so that borrows between lanes are exercised
                bytes[i] = (byte) (random.nextBoolean() ? random.nextInt(256) : '\\' + random.nextInt(3) - 1);
            }
            byte x = (byte) random.nextInt(256);
            byte y = random.nextBoolean() ? (byte) '\\' : (byte) random.nextInt(256);
            int from = bytes.length == 0 ? 0 : random.nextInt(bytes.length);
            int to = from + random.nextInt(bytes.length - from + 1);
            assertThat(Swar.indexOfEither(bytes, from, to, x, y)).isEqualTo(naive(bytes, from, to, x, y));
            assertThat(Swar.indexOf(bytes, from, to, x)).isEqualTo(naive(bytes, from, to, x, x));
        }
    }
}
