package org.pauc.train;

import java.io.PrintStream;

/** Progress of one epoch: a bar with ETA on a terminal, a plain line every 10% of the steps otherwise. */
final class ProgressBar {
    private final PrintStream out;
    private final String label;
    private final int total;
    private final long start = System.nanoTime();
    private final boolean terminal = System.console() != null;
    private int lastTenth = 0;

    ProgressBar(PrintStream out, String label, int total) {
        this.out = out;
        this.label = label;
        this.total = total;
    }

    void step(int done, double loss) {
        double elapsed = (System.nanoTime() - start) / 1e9;
        double eta = elapsed / done * (total - done);
        if (terminal) {
            int width = 30;
            int filled = (int) ((long) width * done / total);
            out.printf("\r%s [%s%s] %d/%d loss %.4f ETA %.0fs ", label, "#".repeat(filled), ".".repeat(width - filled),
                    done, total, loss, eta);
            out.flush();
        } else if (done * 10L / total > lastTenth) {
            lastTenth = (int) (done * 10L / total);
            out.printf("%s step %d/%d loss %.4f ETA %.0fs%n", label, done, total, loss, eta);
        }
    }

    void done(String line) {
        if (terminal) {
            out.print("\r");
        }
        out.println(line);
    }
}
