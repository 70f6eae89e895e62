package org.pauc.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.pauc.ops.NamedOp;
import org.pauc.ops.OracleOps;

/**
 * The op lists of the docs follow the ops' declarations: the contract's headings with their defaults
 * (losses.md), the oracle's table with the differentiated inputs (oracle.md), and the reference-vector format's
 * list of ops (reference-vectors.md). A new op or a changed default fails here until the docs say it.
 */
class OpDocsTest {
    private static String read(String file) throws IOException {
        return Files.readString(Path.of("docs", file));
    }

    /** {@code ### `name(args; p = v, …)`} headings of losses.md: op name → its stated defaults. */
    static Map<String, Map<String, Double>> contractHeadings(String text) {
        Map<String, Map<String, Double>> ops = new LinkedHashMap<>();
        Matcher h = Pattern.compile("(?m)^### `([a-z_0-9]+)\\(([^`]*)\\)`").matcher(text);
        while (h.find()) {
            Map<String, Double> defaults = new LinkedHashMap<>();
            Matcher d = Pattern.compile("([a-z_]+) = ([-0-9.e]+)").matcher(h.group(2));
            while (d.find()) {
                defaults.put(d.group(1), Double.parseDouble(d.group(2)));
            }
            ops.put(h.group(1), defaults);
        }
        return ops;
    }

    @Test
    void theContractHasAHeadingPerOpWithItsDefaults() throws IOException {
        Map<String, Map<String, Double>> doc = contractHeadings(read("losses.md"));
        assertEquals(OracleOps.names(), new ArrayList<>(doc.keySet()), "losses.md's op headings, in order");
        for (NamedOp op : OracleOps.all()) {
            for (Map.Entry<String, Double> e : doc.get(op.name()).entrySet()) {
                assertEquals(op.defaults().get(e.getKey()), e.getValue(), "losses.md: " + op.name() + "'s " + e.getKey());
            }
        }
    }

    @Test
    void theOracleTableListsEveryOpAndWhatItIsDifferentiatedAgainst() throws IOException {
        Matcher row = Pattern.compile("(?m)^\\| `([a-z_0-9]+)` \\| `([A-Za-z0-9]+)` \\| ([^|]+) \\|$").matcher(read("oracle.md"));
        List<String> names = new ArrayList<>();
        while (row.find()) {
            NamedOp op = OracleOps.get(row.group(1));
            names.add(op.name());
            List<String> grads = op.gradInputs(op.cases(1).getFirst().inputs().keySet());
            String stated = row.group(3).replaceAll("\\(.*\\)", "").trim();
            assertEquals(grads.isEmpty() ? "" : String.join(", ", grads), stated, "oracle.md: " + op.name());
        }
        assertEquals(OracleOps.names(), names, "oracle.md's table");
    }

    @Test
    void theVectorFormatNamesEveryOp() throws IOException {
        Matcher row = Pattern.compile("(?m)^\\| `op` \\| one of (.+) \\|$").matcher(read("reference-vectors.md"));
        assertTrue(row.find(), "reference-vectors.md has the op row");
        List<String> listed = new ArrayList<>();
        Matcher name = Pattern.compile("`([a-z_0-9]+)`").matcher(row.group(1));
        while (name.find()) {
            listed.add(name.group(1));
        }
        assertEquals(OracleOps.names(), listed);
    }

    @Test
    void aMissingOrWrongDefaultIsSeen() {
        Map<String, Map<String, Double>> doc = contractHeadings(
                "### `info_nce(q, k, queue; tau = 0.3)`, gradient w.r.t. q\n### `align(v, C, pos)`\n");
        assertEquals(List.of("info_nce", "align"), new ArrayList<>(doc.keySet()));
        assertEquals(0.3, doc.get("info_nce").get("tau"));
        assertTrue(!OracleOps.get("info_nce").defaults().get("tau").equals(doc.get("info_nce").get("tau")));
    }
}
