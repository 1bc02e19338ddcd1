package dev.coderadmission.admission;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.stream.IntStream;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** The rule names of a denial's log line, read from its message by hand; the regex it replaced is the oracle. */
class ReviewLogTest {
    private static final Pattern ORACLE = Pattern.compile("(?:^|: |; )\\[([a-z0-9][a-z0-9-]*)] ");

    private static String byRegex(String message) {
        var names = new LinkedHashSet<String>();
        var matcher = ORACLE.matcher(message);
        while (matcher.find()) {
            names.add(matcher.group(1));
        }
        return String.join(",", names);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            Service coder/coder belongs to Coder: [load-balancer] type LoadBalancer; [node-port] nodePort 30080 | load-balancer,node-port
            [ingress-class] class nginx is not allowed                                                 | ingress-class
            Ingress a/b: [host] x; [host] y; [tls-2] z                                                   | host,tls-2
            Ingress a/b: allowed classes [tailscale] only                                                | ``
            Ingress a/b uses [tailscale] : [Bad] x; [-x] y; [x]y; [] z; [a b] c                           | ``
            Service a/b: [x]                                                                             | ``
            Service a/b:[x] no space before                                                              | ``
            ; [semi] after a semicolon; [a-1] and; [b--] too | semi,a-1,b--
            """)
    void ruleNamesAreReadAsTheRegexReadThem(String message, String expected) {
        assertThat(ReviewLog.rules(message)).isEqualTo(expected).isEqualTo(byRegex(message));
    }

    @Test
    void aSinkGetsTheLinesInOrderInBatches() {
        var batches = new ArrayList<List<String>>();
        ReviewLog.flush();
        ReviewLog.sink(lines -> batches.add(lines.stream().map(ReviewLog.Line::uid).toList()));
        try {
            for (int i = 0; i < 600; i++) {
                ReviewLog.add(new ReviewLog.Line("/validate/exposure", "exposure", "denied", "u-" + i, "CREATE", "Service",
                        "coder", "coder", false, "denied", "[service-type] x", 0));
            }
            ReviewLog.flush();
        } finally {
            ReviewLog.sink(null);
        }
        assertThat(batches).extracting(List::size).containsExactly(ReviewLog.BATCH, ReviewLog.BATCH, 600 - 2 * ReviewLog.BATCH);
        assertThat(batches.stream().flatMap(List::stream).toList())
                .isEqualTo(IntStream.range(0, 600).mapToObj(i -> "u-" + i).toList());
    }
}
