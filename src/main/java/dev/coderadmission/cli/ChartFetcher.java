package dev.coderadmission.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Charts of HTTP(S) Helm repositories, for {@code dry-run --allow-network}: the repository's
 * {@code index.yaml}, the highest version that meets the HelmRelease's constraint (Masterminds semver,
 * as Flux and helm read it), and its archive, kept in a cache directory so a CI run fetches a chart
 * version once.
 */
final class ChartFetcher {
    private static final YAMLMapper YAML = new YAMLMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final Path cache;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT)
            .followRedirects(HttpClient.Redirect.NORMAL).build();

    ChartFetcher(Path cache) {
        this.cache = cache;
    }

    /** @throws IllegalStateException saying what could not be fetched or chosen */
    Path fetch(String repositoryUrl, String chart, String constraint) {
        var base = repositoryUrl.endsWith("/") ? repositoryUrl : repositoryUrl + "/";
        JsonNode index;
        try {
            index = YAML.readTree(get(URI.create(base + "index.yaml")));
        } catch (IOException e) {
            throw new IllegalStateException("the index of " + repositoryUrl + " is not YAML: " + e.getMessage());
        }
        var best = Optional.<Version>empty();
        JsonNode chosen = null;
        for (var entry : index.path("entries").path(chart)) {
            var version = Version.parse(entry.path("version").asText());
            if (version.isPresent() && Version.matches(constraint, version.get())
                    && (best.isEmpty() || version.get().compareTo(best.get()) > 0)) {
                best = version;
                chosen = entry;
            }
        }
        if (chosen == null) {
            throw new IllegalStateException("chart " + chart + " has no version matching \"" + constraint + "\" in " + repositoryUrl);
        }
        var version = chosen.path("version").asText();
        var archive = cache.resolve(safe(URI.create(base).getHost()) + "/" + safe(chart) + "-" + safe(version) + ".tgz");
        if (Files.isRegularFile(archive)) {
            return archive;
        }
        var url = URI.create(base).resolve(chosen.path("urls").path(0).asText(chart + "-" + version + ".tgz"));
        try {
            Files.createDirectories(archive.getParent());
            var temporary = Files.createTempFile(archive.getParent(), ".download", ".tgz");
            Files.write(temporary, get(url));
            Files.move(temporary, archive, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new IllegalStateException("cannot store " + url + " in " + cache + ": " + e.getMessage());
        }
        return archive;
    }

    private byte[] get(URI uri) {
        try {
            var response = http.send(HttpRequest.newBuilder(uri).timeout(TIMEOUT).GET().build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            if (response.statusCode() != 200) {
                throw new IllegalStateException("GET " + uri + " answered " + response.statusCode());
            }
            return response.body();
        } catch (IOException e) {
            throw new IllegalStateException("GET " + uri + " failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while fetching " + uri);
        }
    }

    private static String safe(String text) {
        return text == null ? "_" : text.replaceAll("[^A-Za-z0-9._-]", "_");
    }

    /** A semantic version; pre-releases sort before their release and match only constraints that name one. */
    record Version(int major, int minor, int patch, String pre) implements Comparable<Version> {
        private static final Pattern FORM = Pattern.compile("v?(\\d+)(?:\\.(\\d+))?(?:\\.(\\d+))?(?:-([0-9A-Za-z.-]+))?(?:\\+.*)?");

        static Optional<Version> parse(String text) {
            var m = FORM.matcher(text.strip());
            if (!m.matches()) {
                return Optional.empty();
            }
            return Optional.of(new Version(Integer.parseInt(m.group(1)), m.group(2) == null ? 0 : Integer.parseInt(m.group(2)),
                    m.group(3) == null ? 0 : Integer.parseInt(m.group(3)), m.group(4) == null ? "" : m.group(4)));
        }

        @Override
        public int compareTo(Version o) {
            if (major != o.major) {
                return Integer.compare(major, o.major);
            }
            if (minor != o.minor) {
                return Integer.compare(minor, o.minor);
            }
            if (patch != o.patch) {
                return Integer.compare(patch, o.patch);
            }
            if (pre.isEmpty() || o.pre.isEmpty()) {
                return pre.isEmpty() == o.pre.isEmpty() ? 0 : pre.isEmpty() ? 1 : -1;
            }
            return pre.compareTo(o.pre);
        }

        /**
         * Masterminds constraints: {@code ||} between alternatives, commas or spaces between comparisons that
         * must all hold; {@code =, !=, >, >=, <, <=, ~, ^}; {@code x}, {@code X} and {@code *} as wildcards.
         */
        static boolean matches(String constraint, Version version) {
            var text = constraint == null ? "" : constraint.strip();
            if (text.isEmpty() || text.equals("*")) {
                return version.pre.isEmpty();
            }
            for (var alternative : text.split("\\|\\|")) {
                var all = true;
                var terms = new ArrayList<String>(List.of(alternative.strip().replaceAll("([<>=!~^]+)\\s+", "$1").split("[,\\s]+")));
                terms.removeIf(String::isBlank);
                for (var term : terms) {
                    if (!term(term, version)) {
                        all = false;
                        break;
                    }
                }
                if (all && (version.pre.isEmpty() || alternative.contains("-"))) {
                    return true;
                }
            }
            return false;
        }

        private static boolean term(String term, Version v) {
            var m = Pattern.compile("(!=|>=|<=|=|>|<|~|\\^)?v?([0-9xX*]+)(?:\\.([0-9xX*]+))?(?:\\.([0-9xX*]+))?(-[0-9A-Za-z.-]+)?").matcher(term);
            if (!m.matches()) {
                return false;
            }
            var op = m.group(1) == null ? "=" : m.group(1);
            var parts = new String[]{m.group(2), m.group(3), m.group(4)};
            int given = 0;
            var numbers = new int[3];
            for (int i = 0; i < 3; i++) {
                if (parts[i] == null || parts[i].equalsIgnoreCase("x") || parts[i].equals("*")) {
                    break;
                }
                numbers[i] = Integer.parseInt(parts[i]);
                given++;
            }
            var bound = new Version(numbers[0], numbers[1], numbers[2], m.group(5) == null ? "" : m.group(5).substring(1));
            // the first version past the range a partial version or a tilde/caret names
            Version next = switch (op) {
                case "~" -> given <= 1 ? new Version(numbers[0] + 1, 0, 0, "") : new Version(numbers[0], numbers[1] + 1, 0, "");
                case "^" -> numbers[0] > 0 || given == 1 ? new Version(numbers[0] + 1, 0, 0, "")
                        : numbers[1] > 0 || given == 2 ? new Version(0, numbers[1] + 1, 0, "") : new Version(0, 0, numbers[2] + 1, "");
                default -> given == 0 ? null : given == 1 ? new Version(numbers[0] + 1, 0, 0, "")
                        : given == 2 ? new Version(numbers[0], numbers[1] + 1, 0, "") : null;
            };
            var c = v.compareTo(bound);
            return switch (op) {
                case "~", "^" -> c >= 0 && (next == null || v.compareTo(next) < 0);
                case "=" -> given == 0 || (next == null ? c == 0 : c >= 0 && v.compareTo(next) < 0);
                case "!=" -> next == null ? c != 0 : c < 0 || v.compareTo(next) >= 0;
                case ">" -> next == null ? c > 0 : v.compareTo(next) >= 0;
                case ">=" -> c >= 0;
                case "<" -> c < 0;
                case "<=" -> next == null ? c <= 0 : v.compareTo(next) < 0;
                default -> false;
            };
        }
    }
}
