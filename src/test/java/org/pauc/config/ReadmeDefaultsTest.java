package org.pauc.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The guide's table of `pauc train` flags (docs/commands.md) states the defaults that TrainConfig defines, for every setting. */
class ReadmeDefaultsTest {

    static boolean same(String documented, String actual) {
        String d = documented.replace("`", "").trim().split(" ")[0];
        try {
            return Double.parseDouble(d) == Double.parseDouble(actual);
        } catch (NumberFormatException e) {
            return d.equals(actual);
        }
    }

    @Test
    void everySettingIsDocumentedWithItsDefault() throws IOException {
        String readme = Files.readString(Path.of("docs/commands.md"));
        String section = readme.substring(readme.indexOf("## `pauc train"), readme.indexOf("## `pauc eval"));
        Pattern row = Pattern.compile("^\\| ((?:`--[a-z-]+(?: [A-Z]+)?`(?:, )?)+) \\|\\s*([^|]*?)\\s*\\|", Pattern.MULTILINE);
        Matcher m = row.matcher(section);
        TreeSet<String> documented = new TreeSet<>();
        List<String> wrong = new ArrayList<>();
        while (m.find()) {
            String[] flags = m.group(1).replace("`", "").split(", ");
            String defaults = m.group(2).trim();
            String[] values = flags.length == 1 ? new String[] {defaults} : defaults.split(", ");
            for (int i = 0; i < flags.length; i++) {
                Settings.Entry e = Settings.find(flags[i].split(" ")[0]);
                if (e == null) {
                    continue; // --out, --resume: not settings
                }
                documented.add(e.flag());
                String actual = e.text(TrainConfig.DEFAULTS);
                String doc = i < values.length ? values[i] : "";
                if (!(doc.isEmpty() && actual.equals("null")) && !same(doc, actual)) {
                    wrong.add("--" + e.flag() + ": README " + doc + ", code " + actual);
                }
            }
        }
        assertEquals(List.of(), wrong);
        TreeSet<String> all = new TreeSet<>(Settings.all().stream().map(Settings.Entry::flag).toList());
        all.removeAll(documented);
        assertTrue(all.isEmpty(), "settings missing from the README's table: " + all);
    }
}
