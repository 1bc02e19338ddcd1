package dev.coderadmission.cli;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.assertj.core.api.Assertions.assertThat;

/** Progress lines rewrite one line on a terminal and leave nothing behind; elsewhere they are silent. */
class ProgressTest {
    @Test
    void onATerminalOneLineIsRewrittenAndClearedAtTheEnd() {
        var out = new StringWriter();
        var progress = new Progress(new PrintWriter(out), true);
        progress.say("rendered HelmRelease flux-system/coder (2 objects)");
        progress.say("evaluating 5 objects");
        progress.done();
        var text = out.toString();
        assertThat(text).contains("rendered HelmRelease flux-system/coder (2 objects)", "evaluating 5 objects")
                .doesNotContain("\n").endsWith("\r");
    }

    @Test
    void offATerminalNothingIsPrinted() {
        var out = new StringWriter();
        var progress = new Progress(new PrintWriter(out), false);
        progress.say("evaluating 5 objects");
        progress.done();
        assertThat(out.toString()).isEmpty();
    }
}
