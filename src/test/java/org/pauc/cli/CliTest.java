package org.pauc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CliTest {
    record Run(int code, String out, String err) {
        String lastLine() {
            String[] lines = out.strip().split("\n");
            return lines[lines.length - 1];
        }
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void helpListsTheSubcommands() {
        Run r = run("--help");
        assertEquals(0, r.code());
        assertTrue(r.out().contains("gradcheck") && r.out().contains("reference"), r.out());
    }

    @Test
    void gradcheckPrintsOneLinePerInputAndTheTally() {
        Run r = run("gradcheck", "--op", "align", "--seed", "5");
        assertEquals(0, r.code(), r.out());
        assertEquals("4 passed, 0 failed", r.lastLine());
        assertEquals(5, r.out().strip().split("\n").length);
    }

    @Test
    void badFlagsAndNamesAreOneLineErrorsWithExitCode2() {
        for (String[] args : new String[][] {{"--bogus"}, {"gradcheck", "--op", "nope"}, {"gradcheck", "--seed", "x"},
                {"reference", "check", "reference-tests", "--backend", "tpu"}, {"reference", "check", "/no/such/dir"}}) {
            Run r = run(args);
            assertEquals(2, r.code(), String.join(" ", args));
            assertTrue(r.err().startsWith("pauc: "), r.err());
            assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
        }
    }

    @Test
    void referenceCheckReportsMalformedFilesAndExitsNonZero() throws Exception {
        Path dir = Path.of(getClass().getResource("/malformed").toURI());
        Run r = run("reference", "check", dir.toString());
        assertEquals(2, r.code(), "malformed files are bad input");
        assertEquals("0 passed, 8 failed", r.lastLine());
        assertFalse(r.out().contains("\tat ") || r.err().contains("\tat "), "no stack trace");
    }

    @Test
    void generatedVectorsCheckClean(@TempDir Path dir) {
        assertEquals(0, run("reference", "generate", dir.toString(), "--seed", "3").code());
        Run r = run("reference", "check", dir.toString(), "--backend", "oracle");
        assertEquals(0, r.code(), r.out());
        assertTrue(r.lastLine().matches("\\d+ passed, 0 failed"), r.lastLine());
    }
}
