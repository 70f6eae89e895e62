package org.pauc.cli;

import java.io.PrintWriter;

/** The checks of a command: one line per check as it finishes, then "N passed, M failed"; exit code 1 if any failed. */
final class Tally {
    private final PrintWriter out;
    private int passed;
    private int failed;

    Tally(PrintWriter out) {
        this.out = out;
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
        return failed == 0 ? 0 : 1;
    }
}
