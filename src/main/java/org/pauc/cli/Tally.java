package org.pauc.cli;

import java.io.PrintWriter;

/**
 * The checks of a command: one line per check as it finishes, then "N passed, M failed". Exit code 1 if any check
 * failed, 2 if any input was malformed (bad input outranks a failed check).
 */
final class Tally {
    private final PrintWriter out;
    private int passed;
    private int failed;
    private int malformed;

    Tally(PrintWriter out) {
        this.out = out;
    }

    /** A check whose input could not be used at all: it counts as failed, and the exit code becomes 2. */
    void addMalformed(String line) {
        malformed++;
        add(line, false);
    }

    void add(String line, boolean pass) {
        out.println(line);
        out.flush();
        if (pass) {
            passed++;
        } else {
            failed++;
        }
    }

    /** Prints the summary line and returns the exit code. */
    int finish() {
        out.println(passed + " passed, " + failed + " failed");
        out.flush();
        return malformed > 0 ? Main.EXIT_USAGE : failed == 0 ? 0 : 1;
    }
}
