package dev.coderadmission.cli;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.io.StringWriter;
import java.util.OptionalInt;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Main builds the command line with only the verb it runs (picocli reflects over every subcommand it
 * is given, a sixth of serve's start-up): what a user sees must not depend on that.
 */
class RootCommandTest {
    private record Run(int code, String out, String err) {
    }

    private static Run run(CommandLine commandLine, String... args) {
        var out = new StringWriter();
        var err = new StringWriter();
        commandLine.setOut(new PrintWriter(out));
        commandLine.setErr(new PrintWriter(err));
        int code = commandLine.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"serve", "dry-run", "test", "audit", "certs"})
    void aVerbsHelpReadsTheSameWhetherOrNotTheOtherVerbsAreLoaded(String verb) {
        var alone = run(RootCommand.commandLine(new String[] {verb, "--help"}), verb, "--help");
        var all = run(RootCommand.commandLine(), verb, "--help");

        assertThat(alone.code()).isZero();
        assertThat(alone.out()).startsWith("Usage: coder-admission " + verb + " ").isEqualTo(all.out());
        assertThat(RootCommand.commandLine(new String[] {verb}).getSubcommands()).containsOnlyKeys(verb);
    }

    @Test
    void helpAndTheBareCommandListEveryVerbButTheHiddenOne() {
        var help = run(RootCommand.commandLine(new String[] {"--help"}), "--help");
        var helpVerb = run(RootCommand.commandLine(new String[] {"help"}), "help");

        assertThat(help.code()).isZero();
        assertThat(help.out()).contains("serve", "dry-run", "test", "audit", "certs", "help").doesNotContain("train")
                .isEqualTo(helpVerb.out());
        var bare = run(RootCommand.commandLine(new String[0]));
        assertThat(bare.code()).isEqualTo(RootCommand.USAGE_OR_INPUT);
        assertThat(bare.err()).contains("a command is required");
    }

    @Test
    void helpOfAVerbThroughTheHelpVerb() {
        var run = run(RootCommand.commandLine(new String[] {"help", "serve"}), "help", "serve");

        assertThat(run.code()).isZero();
        assertThat(run.out()).startsWith("Usage: coder-admission serve ");
    }

    @Test
    void anUnknownVerbIsAUsageErrorThatSuggestsTheNearestVerbs() {
        var run = run(RootCommand.commandLine(new String[] {"serv"}), "serv");

        assertThat(run.code()).isEqualTo(RootCommand.USAGE_OR_INPUT);
        assertThat(run.err()).contains("Unmatched argument", "'serv'", "Did you mean", "coder-admission serve");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "dry-run", "serve --help", "serve --version", "serve --config", "serve -c --help",
            "serve --config @args.txt", "serve --config=", "serve --config a.yaml extra", "serve -ca.yaml", "serve extra"})
    void onlyServeWithAConfigFileOrNoneSkipsPicocli(String line) {
        var args = line.isEmpty() ? new String[0] : line.split(" ");
        assertThat(RootCommand.serveDirectly(args)).as("left to picocli").isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"serve --config /no/such/config.yaml", "serve -c /no/such/config.yaml", "serve --config=/no/such/config.yaml"})
    void serveWithoutPicocliAnswersAConfigErrorAsPicocliDid(String line) {
        var args = line.split(" ");
        var viaPicocli = run(RootCommand.commandLine(args), args);

        var captured = new ByteArrayOutputStream();
        var stderr = System.err;
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        OptionalInt direct;
        try {
            direct = RootCommand.serveDirectly(args);
        } finally {
            System.setErr(stderr);
        }

        assertThat(viaPicocli.code()).isEqualTo(RootCommand.USAGE_OR_INPUT);
        assertThat(viaPicocli.err()).startsWith("error: ").contains("/no/such/config.yaml");
        assertThat(direct).hasValue(viaPicocli.code());
        assertThat(captured.toString(StandardCharsets.UTF_8)).isEqualTo(viaPicocli.err());
    }
}
