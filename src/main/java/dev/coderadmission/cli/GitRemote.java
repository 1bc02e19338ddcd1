package dev.coderadmission.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/** The repository being tested, as git knows it: its top level and its origin URL. */
final class GitRemote {
    private GitRemote() {
    }

    /** {@code git rev-parse --show-toplevel} of {@code path}, or null outside a git work tree. */
    static Path topLevel(Path path) {
        var directory = path.toFile().isDirectory() ? path : path.toAbsolutePath().getParent();
        var out = git(directory, "rev-parse", "--show-toplevel");
        return out == null || out.isBlank() ? null : Path.of(out.strip());
    }

    /** {@code remote.origin.url}, or null. */
    static String of(Path root) {
        var out = git(root, "config", "--get", "remote.origin.url");
        return out == null || out.isBlank() ? null : out.strip();
    }

    /** Whether two Git URLs name the same repository (https, ssh and scp-like forms, with or without .git). */
    static boolean same(String a, String b) {
        return normal(a).equals(normal(b));
    }

    private static String normal(String url) {
        var text = url.strip().toLowerCase(Locale.ROOT);
        text = text.replaceFirst("^[a-z+]+://", "").replaceFirst("^[^@/]+@", "");
        text = text.replaceFirst("^([^/:]+):(?!\\d)", "$1/"); // scp-like host:path
        text = text.replaceFirst(":\\d+/", "/");
        return text.replaceFirst("\\.git/?$", "").replaceFirst("/$", "");
    }

    private static String git(Path directory, String... args) {
        var command = new java.util.ArrayList<String>();
        command.add("git");
        command.add("-C");
        command.add(directory.toString());
        command.addAll(java.util.List.of(args));
        try {
            var process = new ProcessBuilder(command).redirectErrorStream(false)
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            var out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(10, TimeUnit.SECONDS) || process.exitValue() != 0) {
                return null;
            }
            return out;
        } catch (IOException e) {
            return null; // no git: no remote to compare with
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
