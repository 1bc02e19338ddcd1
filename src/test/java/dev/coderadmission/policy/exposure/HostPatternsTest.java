package dev.coderadmission.policy.exposure;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class HostPatternsTest {

    @ParameterizedTest(name = "{0} ~ {1}: {2}")
    @CsvSource({
            "coder.example.com,   coder.example.com,     true",
            "coder.example.com,   CODER.Example.com.,    true",
            "coder.example.com,   other.example.com,     false",
            "*.coder.example.com, a.coder.example.com,   true",
            "*.coder.example.com, a.b.coder.example.com, false",
            "*.coder.example.com, coder.example.com,     false",
            "*.coder.example.com, .coder.example.com,    false",
            "*.coder.example.com, *.coder.example.com,   true",
            "*.coder.example.com, *.example.com,         false",
            "coder.example.com,   *.example.com,         true",
            "coder.example.com,   *.com,                 false",
            "coder,               coder,                 true",
            "*.coder,             main.coder,            true",
    })
    void overlap(String pattern, String host, boolean overlaps) {
        assertThat(new HostPatterns(List.of(pattern)).overlapping(host).isPresent()).isEqualTo(overlaps);
    }
}
