package dev.coderadmission.gitops;

import java.util.List;
import java.util.regex.Pattern;

/** Multi-document YAML as kubectl, kustomize and helm print and read it. */
public final class Documents {
    /** kubectl's splitter: a line that is exactly "---" (trailing blanks allowed) starts a new document. */
    private static final Pattern SEPARATOR = Pattern.compile("(?m)^---[ \\t]*\\r?$");

    private Documents() {
    }

    /** The documents of {@code text}, empty ones included, so that document N keeps its number. */
    public static List<String> split(String text) {
        return List.of(SEPARATOR.split(text, -1));
    }
}
