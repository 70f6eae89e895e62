package org.pauc.verify;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.pauc.config.Settings;
import org.pauc.config.TrainConfig;
import org.pauc.data.Dataset;
import org.pauc.objective.Objective;
import org.pauc.train.TrainListener;
import org.pauc.train.Trainer;

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
        return Settings.set(TrainConfig.DEFAULTS, Map.ofEntries(Map.entry("epochs", epochs),
                Map.entry("warmup-epochs", 1), Map.entry("batch-size", batch), Map.entry("backend", "cpu"),
                Map.entry("lr", 0.03), Map.entry("queue", 4 * batch), Map.entry("lambda-align", 0.5),
                Map.entry("clusters", List.of(k1, 2 * k1)), Map.entry("kmeans-iterations", 10),
                Map.entry("neg-prototypes", 2 * k1), Map.entry("limit", images)));
    }

    /** Runs cfg on backend a, then on backend b, in run directories under dir. */
    public static Result run(TrainConfig cfg, String a, String b, Dataset train, Path dir, PrintStream console)
            throws IOException {
        return run(cfg.withBackend(a), a, cfg.withBackend(b), b, train, dir, console);
    }

    /** Runs two configurations of the same run (another backend, precision or convolution), named a and b. */
    public static Result run(TrainConfig cfgA, String a, TrainConfig cfgB, String b, Dataset train, Path dir,
                             PrintStream console) throws IOException {
        if (a.equals(b)) {
            throw new IllegalArgumentException("equivalence: both sides are " + a + "; compare two different setups");
        }
        List<double[]> la = losses(cfgA, train, dir.resolve(a), console);
        List<double[]> lb = losses(cfgB, train, dir.resolve(b), console);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < Math.min(la.size(), lb.size()); i++) {
            rows.add(new Row((int) la.get(i)[0], (int) la.get(i)[1], la.get(i)[2], lb.get(i)[2]));
        }
        return new Result(a, b, rows);
    }

    private static List<double[]> losses(TrainConfig cfg, Dataset train, Path dir, PrintStream console)
            throws IOException {
        List<double[]> out = new ArrayList<>();
        Trainer.run(cfg, Trainer.Options.of(train, dir, console).listen(new TrainListener() {
            @Override
            public void step(int epoch, int step, Objective.Terms terms) {
                out.add(new double[] {epoch, step, terms.total()});
            }
        }));
        return out;
    }
}
