package dev.coderadmission.policy.agenturl;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.coderadmission.admission.AdmissionReviews;
import dev.coderadmission.admission.JsonScanner;
import dev.coderadmission.admission.Swar;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Replaces every whole occurrence of Coder's access URL in a string of a pod's JSON with the
 * in-cluster URL. "Whole": not followed by more host name or port ({@code https://coder.example.com}
 * must not match inside {@code https://coder.example.com.evil.io}).
 *
 * <p>The string is matched where it lies, escaped, and the answer copies the escaped bytes around each
 * match: a workspace pod's bootstrap script is 4.5 KB of shell with a quote or newline escape every
 * few characters, and decoding it, matching, and escaping it again was a fifth of its review. Matching
 * the escaped bytes finds exactly the matches in the decoded text when no escape stands for a
 * character of the URL or for one that can follow it ({@code \/} for its slashes, a six-character
 * unicode escape for its {@code h}): the URL is then literal bytes wherever it occurs, and every
 * escape is a character that can neither be part of a match nor extend one. kube-apiserver writes
 * none of those (it escapes only quotes, backslashes, control characters and {@code < > &}); a string
 * that has one is decoded and matched with the pattern, which is the definition the fast path is
 * tested against.
 */
final class AccessUrlRewrite {
    /** Characters that continue a host name or port: the URL is not whole when one follows it. */
    private static final boolean[] FOLLOWER = new boolean[128];

    static {
        for (int c = 0; c < 128; c++) {
            FOLLOWER[c] = Character.isLetterOrDigit(c) || c == '.' || c == ':' || c == '-';
        }
    }

    private final Pattern pattern;
    /** The URL as bytes, when matching the escaped bytes is exact for it (printable ASCII, no quote or backslash); else null. */
    private final byte[] url;
    /** Per ASCII character: in the URL or a {@link #FOLLOWER}, so an escape for it sends the string to the pattern. */
    private final boolean[] meaningful = new boolean[128];
    /** The last in-cluster URL written, with its escaped JSON form (it changes only with the ConfigMap). */
    private volatile Encoded lastInternal;

    private record Encoded(String url, byte[] json) {
    }

    AccessUrlRewrite(String accessUrl) {
        this.pattern = Pattern.compile(Pattern.quote(accessUrl) + "(?![A-Za-z0-9.:\\-])");
        boolean literal = !accessUrl.isEmpty();
        for (int i = 0; i < accessUrl.length(); i++) {
            char c = accessUrl.charAt(i);
            literal &= c > 0x20 && c < 0x7F && c != '"' && c != '\\';
        }
        this.url = literal ? accessUrl.getBytes(StandardCharsets.US_ASCII) : null;
        System.arraycopy(FOLLOWER, 0, meaningful, 0, 128);
        if (literal) {
            for (int i = 0; i < accessUrl.length(); i++) {
                meaningful[accessUrl.charAt(i)] = true;
            }
        }
    }

    /**
     * The string token at {@code [start, end)} of {@code json} (quotes included; {@code escaped}: it has an
     * escape) with the access URL replaced by {@code internal}, as a JSON string token; null when the URL
     * does not occur.
     */
    byte[] rewrite(byte[] json, int start, int end, boolean escaped, String internal) throws JsonScanner.Malformed {
        if (url == null) {
            return decoded(json, start, end, escaped, internal);
        }
        int to = end - 1;
        int[] matches = null;
        int count = 0;
        byte first = url[0];
        int i = start + 1;
        while (true) {
            // to the next escape or possible start of the URL, eight bytes at a time
            i = Swar.indexOfEither(json, i, to, (byte) '\\', first);
            if (i >= to) {
                break;
            }
            if (json[i] == '\\') {
                int c = JsonScanner.unescaped(json, i);
                if (c < 128 && meaningful[c]) {
                    return decoded(json, start, end, escaped, internal);
                }
                i += json[i + 1] == 'u' ? 6 : 2;
            } else if (occursAt(json, i, to) && isWhole(json, i + url.length, to)) {
                if (matches == null) {
                    matches = new int[4];
                } else if (count == matches.length) {
                    matches = Arrays.copyOf(matches, count * 2);
                }
                matches[count++] = i;
                i += url.length;
            } else {
                i++;
            }
        }
        return count == 0 ? null : spliced(json, start, end, matches, count, encoded(internal));
    }

    /** The escaped string with each match replaced by the in-cluster URL's escaped bytes. */
    private byte[] spliced(byte[] json, int start, int end, int[] matches, int count, Encoded internal) {
        var replacement = internal.json();
        var out = new byte[end - start + count * (replacement.length - url.length)];
        int from = start;
        int at = 0;
        for (int m = 0; m < count; m++) {
            int length = matches[m] - from;
            System.arraycopy(json, from, out, at, length);
            at += length;
            System.arraycopy(replacement, 0, out, at, replacement.length);
            at += replacement.length;
            from = matches[m] + url.length;
        }
        System.arraycopy(json, from, out, at, end - from);
        return out;
    }

    /** The definition: decode, match with the pattern, replace. */
    private byte[] decoded(byte[] json, int start, int end, boolean escaped, String internal) throws JsonScanner.Malformed {
        var matcher = pattern.matcher(JsonScanner.text(json, start, end, escaped));
        return matcher.find() ? encode(matcher.replaceAll(Matcher.quoteReplacement(internal))) : null;
    }

    private static byte[] encode(String text) {
        try {
            return AdmissionReviews.JSON.writeValueAsBytes(text);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a string always serialises", e);
        }
    }

    private boolean occursAt(byte[] json, int at, int to) {
        if (to - at < url.length) {
            return false;
        }
        for (int k = 1; k < url.length; k++) {
            if (json[at + k] != url[k]) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether the byte at {@code at} cannot continue the URL that ends there. An escape never can: one
     * that stands for a {@link #FOLLOWER} has sent the string to the pattern before the scan gets past it.
     */
    private static boolean isWhole(byte[] json, int at, int to) {
        return at >= to || json[at] < 0 || !FOLLOWER[json[at]];
    }

    private Encoded encoded(String internal) {
        var last = lastInternal;
        if (last == null || !last.url().equals(internal)) {
            var quoted = encode(internal);
            last = new Encoded(internal, Arrays.copyOfRange(quoted, 1, quoted.length - 1));
            lastInternal = last;
        }
        return last;
    }
}
