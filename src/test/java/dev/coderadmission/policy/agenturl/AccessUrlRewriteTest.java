package dev.coderadmission.policy.agenturl;

import dev.coderadmission.admission.JsonScanner;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Matching the escaped bytes gives what the definition gives (decode, match the pattern, replace):
 * for escapes that stand for URL characters or followers too, and for an access URL that cannot be
 * matched in bytes at all. {@link AgentUrlPolicyOracleTest} covers random strings through whole pods.
 */
class AccessUrlRewriteTest {
    private static final String INTERNAL = "http://coder.coder.svc.cluster.local:80";

    private static String definition(String accessUrl, String text) {
        var matcher = Pattern.compile(Pattern.quote(accessUrl) + "(?![A-Za-z0-9.:\\-])").matcher(text);
        return matcher.find() ? matcher.replaceAll(Matcher.quoteReplacement(INTERNAL)) : null;
    }

    /** The rewrite of a JSON string token, decoded; null when nothing was replaced. */
    private static String rewrite(String accessUrl, String json) throws JsonScanner.Malformed {
        var bytes = json.getBytes(StandardCharsets.UTF_8);
        var scanner = new JsonScanner(bytes);
        scanner.string();
        var out = new AccessUrlRewrite(accessUrl).rewrite(bytes, 0, bytes.length, scanner.escaped(), INTERNAL);
        return out == null ? null : JsonScanner.text(out, 0, out.length, true);
    }

    private static void agrees(String accessUrl, String json) throws Exception {
        var bytes = json.getBytes(StandardCharsets.UTF_8);
        var scanner = new JsonScanner(bytes);
        int start = scanner.string();
        assertThat(rewrite(accessUrl, json)).as(json).isEqualTo(definition(accessUrl, scanner.text(start)));
    }

    @Test
    void escapesAroundAndInsideTheUrl() throws Exception {
        var url = "https://coder.example.com";
        for (var json : new String[] {
                "\"https://coder.example.com\"",
                "\"x=\\\"https://coder.example.com\\\"\\n\"",
                "\"https://coder.example.com.evil.io\"",
                "\"https://coder.example.com:8443 https://coder.example.com/bin\"",
                "\"https:\\/\\/coder.example.com\"",              // slashes escaped: only the decoded text has the URL
                "\"\\u0068ttps://coder.example.com\"",            // its h as a unicode escape
                "\"https://coder.example.com\\u0041\"",           // followed by an escaped letter: not whole
                "\"https://coder.example.com\\u002e\"",           // followed by an escaped dot: not whole
                "\"https://coder.example.com\\u003c\"",           // followed by an escaped <: whole
                "\"\\\\https://coder.example.com\\\\\"",          // between escaped backslashes
                "\"https://coder.example.comhttps://coder.example.com\"",
                "\"nothing here\"", "\"\""}) {
            agrees(url, json);
        }
    }

    @Test
    void anAccessUrlWithCharactersJsonMayEscapeIsMatchedDecoded() throws Exception {
        // not printable ASCII: JSON may carry its é as UTF-8 or as an escape, so only decoding is exact
        for (var json : new String[] {"\"go to https://cöder.example.com now\"", "\"https://c\\u00f6der.example.com\"",
                "\"https://cöder.example.com.x\""}) {
            agrees("https://cöder.example.com", json);
        }
        assertThat(rewrite("https://cöder.example.com", "\"https://c\\u00f6der.example.com\"")).isEqualTo(INTERNAL);
    }

    @Test
    void theRewriteKeepsTheEscapesItDidNotTouch() throws Exception {
        var json = "\"a\\u003cb https://coder.example.com\\n\"".getBytes(StandardCharsets.UTF_8);
        var out = new AccessUrlRewrite("https://coder.example.com").rewrite(json, 0, json.length, true, INTERNAL);
        assertThat(new String(out, StandardCharsets.UTF_8)).isEqualTo("\"a\\u003cb " + INTERNAL + "\\n\"");
    }
}
