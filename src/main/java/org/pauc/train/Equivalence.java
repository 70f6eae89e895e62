package org.pauc.train;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.pauc.data.Dataset;

/**
 * Trains the same short PAUC run (same seed, same data, same augmentations) on two backends and compares the total
 * loss step by step. Both runs share everything computed on the host (initial weights, views, k-means seeds), so the
 * losses may differ only through float rounding and what rounding changes downstream (a k-means assignment flips).
 */
public final class Equivalence {
    /** Steps agree when |a − b| ≤ RTOL·max(|a|, |b|). */
    public static final double RTOL = 5e-3;

    public record Row(int epoch, int step, double a, double b) {
        public double relDiff() {
            double scale = Math.max(Math.abs(a), Math.abs(b));
            return scale == 0 ? 0 : Math.abs(a - b) / scale;
        }
    }

    public record Result(String a, String b, List<Row> rows) {
        public double maxRelDiff() {
            return rows.stream().mapToDouble(Row::relDiff).max().orElse(0);
        }

        public boolean ok() {
            return !rows.isEmpty() && rows.stream().allMatch(r -> r.relDiff() <= RTOL);
        }
    }

    private Equivalence() {}

    /**
     * The run both backends train: PAUC with every term, small-cnn, batch {@code batch}, {@code epochs} epochs of which
     * the first is InfoNCE warm-up, two granularities of k-means.
     */
    public static TrainConfig config(int epochs, int batch, int images) {
        int k1 = Math.max(2, images / 64);
        return new TrainConfig("pauc", org.pauc.data.Datasets.SMALL, null, 28, epochs, 1, batch, 0, 2, "cpu", "small-cnn", 64, 0.03, 0.9,
                1e-4, 0.99, 4 * batch, 0.2, 1, 0.5, 1, 5e-3, 2, 2, 1e-5, "pairwise", "offdiag", 5e-3,
                List.of(k1, 2 * k1), 10, 1, "kmeans++", 2 * k1, 10, images, 0, org.pauc.data.Augment.Config.DEFAULT);
    }

    /** Runs cfg on backend a, then on backend b, in run directories under dir. */
    public static Result run(TrainConfig cfg, String a, String b, Dataset train, Path dir, PrintStream console)
            throws IOException {
        List<double[]> la = losses(cfg.withBackend(a), train, dir.resolve(a), console);
        List<double[]> lb = losses(cfg.withBackend(b), train, dir.resolve(b), console);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < Math.min(la.size(), lb.size()); i++) {
            rows.add(new Row((int) la.get(i)[0], (int) la.get(i)[1], la.get(i)[2], lb.get(i)[2]));
        }
        return new Result(a, b, rows);
    }

    private static List<double[]> losses(TrainConfig cfg, Dataset train, Path dir, PrintStream console)
            throws IOException {
        List<double[]> out = new ArrayList<>();
        Trainer.run(cfg, train, dir, false, console, Integer.MAX_VALUE, null,
                (epoch, step, terms) -> out.add(new double[] {epoch, step, terms.total()}));
        return out;
    }
}
