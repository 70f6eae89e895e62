package org.pauc.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every relative link and anchor in README.md and docs/ resolves: the file exists, the heading exists. */
class LinksTest {
    static final Pattern LINK = Pattern.compile("\\[[^\\]]*\\]\\(([^)\\s]+)\\)");
    static final Pattern HEADING = Pattern.compile("(?m)^#{1,6}\\s+(.+?)\\s*$");

    /** GitHub's anchor of a heading: lower case, letters, digits, spaces, hyphens and underscores kept, spaces → '-'. */
    static String slug(String heading) {
        StringBuilder b = new StringBuilder();
        for (char ch : heading.toLowerCase(Locale.ROOT).toCharArray()) {
            if (Character.isLetterOrDigit(ch) || ch == '-' || ch == '_') {
                b.append(ch);
            } else if (ch == ' ') {
                b.append('-');
            }
        }
        return b.toString();
    }

    /** The anchors of a Markdown file (a repeated heading gets -1, -2, … as on GitHub); code blocks skipped. */
    static Set<String> anchors(Path file) throws IOException {
        String text = withoutCode(Files.readString(file));
        Set<String> out = new LinkedHashSet<>();
        Map<String, Integer> seen = new HashMap<>();
        Matcher m = HEADING.matcher(text);
        while (m.find()) {
            String s = slug(m.group(1));
            int n = seen.merge(s, 1, Integer::sum) - 1;
            out.add(n == 0 ? s : s + "-" + n);
        }
        return out;
    }

    static String withoutCode(String text) {
        return text.replaceAll("(?s)```.*?```", "");
    }

    /** The broken relative links of the Markdown files under {@code root} (README.md and docs/). */
    static List<String> broken(Path root, List<Path> files) throws IOException {
        List<String> bad = new ArrayList<>();
        for (Path f : files) {
            Matcher m = LINK.matcher(withoutCode(Files.readString(f)));
            while (m.find()) {
                String target = m.group(1);
                if (target.matches("^[a-z]+:.*")) {
                    continue; // http:, https:, mailto:
                }
                int hash = target.indexOf('#');
                String path = hash < 0 ? target : target.substring(0, hash);
                String anchor = hash < 0 ? null : target.substring(hash + 1);
                Path to = path.isEmpty() ? f : f.getParent().resolve(path).normalize();
                if (!Files.exists(to)) {
                    bad.add(root.relativize(f) + ": " + target + " (no such file)");
                } else if (anchor != null && (!to.toString().endsWith(".md") || !anchors(to).contains(anchor))) {
                    bad.add(root.relativize(f) + ": " + target + " (no such heading)");
                }
            }
        }
        return bad;
    }

    static List<Path> markdown(Path root) throws IOException {
        List<Path> files = new ArrayList<>(List.of(root.resolve("README.md")));
        try (Stream<Path> s = Files.walk(root.resolve("docs"))) {
            s.filter(p -> p.toString().endsWith(".md")).sorted().forEach(files::add);
        }
        return files;
    }

    @Test
    void everyRelativeLinkAndAnchorResolves() throws IOException {
        Path root = Path.of("").toAbsolutePath();
        assertEquals(List.of(), broken(root, markdown(root)));
    }

    @Test
    void theCheckFindsABrokenLinkAndAMissingHeading(@TempDir Path dir) throws IOException {
        Files.createDirectories(dir.resolve("docs"));
        Files.writeString(dir.resolve("docs/a.md"), "# Full-scale data\n\n## `pauc train [flags]`\n");
        Files.writeString(dir.resolve("README.md"), "[ok](docs/a.md#full-scale-data) [ok](docs/a.md#pauc-train-flags) "
                + "[gone](docs/b.md) [heading](docs/a.md#distributed-runs) [web](https://example.org/x)\n"
                + "```\n[in code](nowhere.md)\n```\n");
        assertEquals(List.of("README.md: docs/b.md (no such file)", "README.md: docs/a.md#distributed-runs (no such heading)"),
                broken(dir, markdown(dir)));
    }
}
