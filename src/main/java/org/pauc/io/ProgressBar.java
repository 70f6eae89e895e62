package org.pauc.io;

import java.io.PrintStream;

/** Progress of long work (an epoch, an embedding pass): a bar with ETA on a terminal, a plain line every 10% of the steps otherwise. */
public final class ProgressBar {
    private final PrintStream out;
    private final String label;
    private final int total;
    private final long start = System.nanoTime();
    private final boolean terminal = System.console() != null;
    private int lastTenth = 0;

    public ProgressBar(PrintStream out, String label, int total) {
        this.out = out;
        this.label = label;
        this.total = total;
    }

    /** {@code done} of the total are finished; {@code detail} (such as the loss) follows the count. */
    public void step(int done, String detail) {
        double elapsed = (System.nanoTime() - start) / 1e9;
        double eta = elapsed / done * (total - done);
        if (terminal) {
            int width = 30;
            int filled = (int) ((long) width * done / total);
            out.printf("\r%s [%s%s] %d/%d %s ETA %.0fs ", label, "#".repeat(filled), ".".repeat(width - filled),
                    done, total, detail, eta);
            out.flush();
        } else if (done * 10L / total > lastTenth) {
            lastTenth = (int) (done * 10L / total);
            out.printf("%s step %d/%d %s ETA %.0fs%n", label, done, total, detail, eta);
        }
    }

    public void done(String line) {
        if (terminal) {
            out.print("\r");
        }
        out.println(line);
    }
}
