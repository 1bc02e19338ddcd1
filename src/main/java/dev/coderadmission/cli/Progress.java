package dev.coderadmission.cli;

import java.io.PrintWriter;

/**
 * What a long dry-run is doing, on stderr and only on a terminal: one line rewritten in place, cleared
 * before the results are printed. Never in {@code -o json}, whose stdout is piped into other tools.
 */
final class Progress {
    private final PrintWriter err;
    private final boolean enabled;
    private final long started = System.nanoTime();
    private int width;

    Progress(PrintWriter err, boolean enabled) {
        this.err = err;
        this.enabled = enabled;
    }

    /** Whether stderr is a terminal a person watches (JDK 22+: {@code Console.isTerminal}). */
    static boolean onTerminal() {
        var console = System.console();
        return console != null && console.isTerminal() && System.getenv("CI") == null;
    }

    void say(String message) {
        if (!enabled) {
            return;
        }
        var line = String.format("%5.1f s  %s", (System.nanoTime() - started) / 1e9, message);
        err.print("\r" + line + " ".repeat(Math.max(0, width - line.length())));
        err.flush();
        width = line.length();
    }

    void done() {
        if (enabled && width > 0) {
            err.print("\r" + " ".repeat(width) + "\r");
            err.flush();
        }
    }
}
