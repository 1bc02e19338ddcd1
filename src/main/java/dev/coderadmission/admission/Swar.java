package dev.coderadmission.admission;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Byte searches eight bytes at a time (SIMD within a register): most of a review's bytes are inside
 * long strings (an init script, env values), and a byte at a time was most of the cost of reading
 * them. Per byte of a little-endian word, {@code (x - 1) & ~x & 0x80} is set when x is 0 (for x = byte
 * XOR target); a borrow only sets bits above a true hit, so the lowest bit set is the first hit.
 */
public final class Swar {
    static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    static final long ONES = 0x0101010101010101L;
    static final long HIGHS = 0x8080808080808080L;

    private Swar() {
    }

    /** The first position in {@code [from, to)} that holds {@code x}; {@code to} when none does. */
    public static int indexOf(byte[] bytes, int from, int to, byte x) {
        long xs = (x & 0xFFL) * ONES;
        int at = from;
        while (at + Long.BYTES <= to) {
            long a = (long) LONGS.get(bytes, at) ^ xs;
            long hits = (a - ONES) & ~a & HIGHS;
            if (hits != 0) {
                return at + (Long.numberOfTrailingZeros(hits) >>> 3);
            }
            at += Long.BYTES;
        }
        while (at < to && bytes[at] != x) {
            at++;
        }
        return at;
    }

    /** The first position in {@code [from, to)} that holds {@code x} or {@code y}; {@code to} when none does. */
    public static int indexOfEither(byte[] bytes, int from, int to, byte x, byte y) {
        long xs = (x & 0xFFL) * ONES;
        long ys = (y & 0xFFL) * ONES;
        int at = from;
        while (at + Long.BYTES <= to) {
            long word = (long) LONGS.get(bytes, at);
            long a = word ^ xs;
            long b = word ^ ys;
            long hits = (((a - ONES) & ~a) | ((b - ONES) & ~b)) & HIGHS;
            if (hits != 0) {
                return at + (Long.numberOfTrailingZeros(hits) >>> 3);
            }
            at += Long.BYTES;
        }
        while (at < to && bytes[at] != x && bytes[at] != y) {
            at++;
        }
        return at;
    }
}
