package dev.coderadmission.admission;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The member names the scanners read, kept as strings from one review to the next: every review
 * repeats the same few hundred names ({@code metadata}, {@code name}, {@code env}, label keys), and a
 * new string for each was most of what reading a Service allocated (about 5 KB a review) and a tenth
 * of reading a workspace pod. A name is looked up by a hash of its bytes and compared byte for byte,
 * so a hit allocates nothing, and its string's hash code is computed once (the policies switch on it).
 *
 * <p>The table is shared by all threads without locks: an entry is immutable and replaced whole, so a
 * thread sees an entry or a missing one, never half of one; a miss makes the string as before. Its
 * size is fixed: names an attacker invents replace others and cost the misses, nothing more.
 */
final class MemberNames {
    /** Longer names are made each time: they are rare, and a long hash is no saving. */
    static final int MAX_LENGTH = 48;
    private static final int SIZE = 1024;
    private static final Entry[] TABLE = new Entry[SIZE];

    private record Entry(byte[] utf8, String name) {
    }

    private MemberNames() {
    }

    /** The name in {@code bytes[from, to)}: UTF-8 without escapes, checked by the scanner. */
    static String name(byte[] bytes, int from, int to) {
        int length = to - from;
        if (length > MAX_LENGTH) {
            return new String(bytes, from, length, StandardCharsets.UTF_8);
        }
        int hash = length;
        for (int i = from; i < to; i++) {
            hash = 31 * hash + bytes[i];
        }
        int slot = (hash ^ hash >>> 16) & (SIZE - 1);
        var entry = TABLE[slot];
        if (entry != null && Arrays.equals(entry.utf8, 0, entry.utf8.length, bytes, from, to)) {
            return entry.name;
        }
        var name = new String(bytes, from, length, StandardCharsets.UTF_8);
        name.hashCode(); // computed once, kept with the entry
        TABLE[slot] = new Entry(Arrays.copyOfRange(bytes, from, to), name);
        return name;
    }
}
