package dev.coderadmission.admission;

import com.fasterxml.jackson.databind.node.TextNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** The hand-written JSON must be the bytes Jackson writes for the same values (whole answers: AdmissionReviewsTest). */
class JsonBytesTest {

    @ParameterizedTest
    @ValueSource(strings = {"", "plain", "quote \" backslash \\ slash /", "tab\tnewline\nreturn\rback\bfeed\f",
            "ünïcode ✓ and an emoji \uD83D\uDE00", "#!/bin/sh\nexport CODER_AGENT_URL=\"https://coder.example.com/\"\n"})
    void stringsAreWrittenAsJacksonWritesThem(String text) throws Exception {
        // bytes, not strings: an emoji must be 4-byte UTF-8 (see AdmissionReviews.JSON)
        assertThat(new JsonBytes(4).string(text).toByteArray()).isEqualTo(AdmissionReviews.JSON.writeValueAsBytes(TextNode.valueOf(text)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "plain", "quote \" backslash \\ slash /", "tab\tnewline\nreturn\rback\bfeed\f\u0001\u001f",
            "ünïcode ✓ and an emoji \uD83D\uDE00", "a lone surrogate \uD83D here"})
    void theLengthOfAQuotedStringIsKnownBeforeItIsWritten(String text) {
        // what the answer is sized by: an answer sized exactly is sent without a copy
        var written = new JsonBytes(1).string(text);
        assertThat(JsonBytes.quotedLength(text)).isEqualTo(written.size());

        var head = "{\"response\":{\"uid\":".getBytes(StandardCharsets.US_ASCII);
        var exact = new JsonBytes(head.length + JsonBytes.quotedLength(text)).raw(head).string(text);
        assertThat(exact.toByteArray()).isSameAs(exact.array());
    }

    @Test
    void everyControlCharacterIsEscapedAsJacksonEscapesIt() throws Exception {
        var all = new StringBuilder();
        for (char c = 0; c < 0x80; c++) {
            all.append(c);
        }
        var text = all.toString();

        assertThat(new JsonBytes(4).string(text).toByteArray())
                .isEqualTo(AdmissionReviews.JSON.writeValueAsBytes(TextNode.valueOf(text)));
    }

    @Test
    void treesAreWrittenAsJacksonWritesThem() throws Exception {
        var tree = AdmissionReviews.JSON.readTree("[{\"op\":\"add\",\"path\":\"/metadata/annotations/a~1b\",\"value\":{\"k\":[1,-2.5,true,"
                + "false,null,\"s\\n\",{}],\"e\":[]}},{\"op\":\"replace\",\"path\":\"/spec/x\",\"value\":12345678901234567890}]");

        assertThat(new String(new JsonBytes(4).node(tree).toByteArray(), StandardCharsets.UTF_8))
                .isEqualTo(AdmissionReviews.JSON.writeValueAsString(tree));
    }
}
