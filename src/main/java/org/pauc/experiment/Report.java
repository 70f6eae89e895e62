package org.pauc.experiment;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.pauc.eval.Evaluator;
import org.pauc.io.AtomicFile;

/**
 * The results of an experiment: per configuration the mean and 95% confidence interval over seeds (Student's t,
 * n − 1 degrees of freedom) of every metric and of the training time; for each configuration against a reference
 * one, the mean paired difference (same seed) of the probe accuracies with its interval. Written as results.csv
 * (one row per run), summary.csv and summary.md, and two plots.
 */
public final class Report {
    /** t_{0.975, df} for df = 1 … 30. */
    private static final double[] T975 = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
        2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060,
        2.056, 2.052, 2.048, 2.045, 2.042};

    /** Mean and half-width of the 95% interval (NaN with a single value). */
    public record Estimate(double mean, double halfWidth, int n) {
        String text(int digits) {
            String f = "%." + digits + "f";
            return n < 2 ? String.format(Locale.ROOT, f, mean)
                    : String.format(Locale.ROOT, f + " ± " + f, mean, halfWidth);
        }
    }

    private Report() {}

    public static double t975(int df) {
        if (df < 1) {
            return Double.NaN;
        }
        return df <= T975.length ? T975[df - 1] : 1.96;
    }

    public static Estimate estimate(List<Double> xs) {
        int n = xs.size();
        double mean = xs.stream().mapToDouble(Double::doubleValue).sum() / n;
        if (n < 2) {
            return new Estimate(mean, Double.NaN, n);
        }
        double ss = 0;
        for (double x : xs) {
            ss += (x - mean) * (x - mean);
        }
        double sd = Math.sqrt(ss / (n - 1));
        return new Estimate(mean, t975(n - 1) * sd / Math.sqrt(n), n);
    }

    /** Per configuration (spec order) and metric: the estimate over its finished seeds. */
    public static Map<String, Map<String, Estimate>> summarise(List<Runner.RunResult> runs) {
        Map<String, List<Runner.RunResult>> by = new LinkedHashMap<>();
        runs.forEach(r -> by.computeIfAbsent(r.config(), k -> new ArrayList<>()).add(r));
        Map<String, Map<String, Estimate>> out = new LinkedHashMap<>();
        by.forEach((config, rs) -> {
            Map<String, Estimate> m = new LinkedHashMap<>();
            for (String metric : Evaluator.METRICS) {
                m.put(metric, estimate(rs.stream().map(r -> r.metrics().get(metric)).toList()));
            }
            m.put("train_seconds", estimate(rs.stream().map(Runner.RunResult::trainSeconds).toList()));
            out.put(config, m);
        });
        return out;
    }

    /** Mean paired difference config − reference of a metric over the seeds both finished. */
    public static Estimate paired(List<Runner.RunResult> runs, String config, String reference, String metric) {
        Map<Long, Double> ref = new LinkedHashMap<>();
        runs.stream().filter(r -> r.config().equals(reference)).forEach(r -> ref.put(r.seed(), r.metrics().get(metric)));
        List<Double> d = new ArrayList<>();
        runs.stream().filter(r -> r.config().equals(config) && ref.containsKey(r.seed()))
                .forEach(r -> d.add(r.metrics().get(metric) - ref.get(r.seed())));
        return d.isEmpty() ? null : estimate(d);
    }

    static final List<String> TABLE = List.of("linear_probe_top1", "knn_top1", "nmi", "ami", "alignment", "uniformity");
    static final List<String> COAGULATION = List.of("raw_phi", "dispersion", "intra_uniformity", "separation_ratio",
            "effective_rank");

    /** Writes results.csv, summary.csv, summary.md and the plots into dir; returns the Markdown. */
    public static String write(Spec spec, List<Runner.RunResult> runs, Map<String, Map<String, Double>> baselines,
                               Path dir, String reference, boolean plots) throws IOException {
        Files.createDirectories(dir);
        StringBuilder csv = new StringBuilder("config,seed,epochs,train_seconds," + String.join(",", Evaluator.METRICS) + "\n");
        for (Runner.RunResult r : runs) {
            csv.append(r.config()).append(',').append(r.seed()).append(',').append(r.epochs()).append(',')
                    .append(String.format(Locale.ROOT, "%.1f", r.trainSeconds()));
            for (String m : Evaluator.METRICS) {
                csv.append(',').append(String.format(Locale.ROOT, "%.6f", r.metrics().get(m)));
            }
            csv.append('\n');
        }
        AtomicFile.writeString(dir.resolve("results.csv"), csv.toString());
        Map<String, Map<String, Estimate>> s = summarise(runs);
        StringBuilder sc = new StringBuilder("config,metric,n,mean,ci95_half_width\n");
        s.forEach((c, m) -> m.forEach((k, e) -> sc.append(String.format(Locale.ROOT, "%s,%s,%d,%.6f,%.6f%n", c, k, e.n(),
                e.mean(), e.halfWidth()))));
        AtomicFile.writeString(dir.resolve("summary.csv"), sc.toString());
        String md = markdown(spec, runs, s, reference) + baselineTable(baselines);
        AtomicFile.writeString(dir.resolve("summary.md"), md);
        if (plots) {
            plot(s, TABLE.subList(0, 2), null, "Probe accuracy, mean and 95% CI over seeds", dir.resolve("accuracy.png"));
            String ref = reference != null && s.containsKey(reference) ? reference : null;
            plot(s, COAGULATION, ref, "Coagulation metrics (training features, K = 200), mean and 95% CI"
                    + (ref == null ? "" : ", relative to " + ref), dir.resolve("coagulation.png"));
        }
        return md;
    }

    static String markdown(Spec spec, List<Runner.RunResult> runs, Map<String, Map<String, Estimate>> s,
                           String reference) {
        StringBuilder md = new StringBuilder();
        md.append("| config | seeds | linear probe | kNN | NMI | AMI | alignment | uniformity | train s |\n");
        md.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        s.forEach((c, m) -> {
            md.append("| ").append(c).append(" | ").append(m.get("knn_top1").n());
            for (String k : TABLE) {
                md.append(" | ").append(m.get(k).text(k.contains("top1") || k.endsWith("mi") ? 4 : 3));
            }
            md.append(" | ").append(m.get("train_seconds").text(0)).append(" |\n");
        });
        md.append("\n| config | raw φ | dispersion | intra-uniformity | separation ratio | effective rank |\n");
        md.append("|---|---:|---:|---:|---:|---:|\n");
        s.forEach((c, m) -> {
            md.append("| ").append(c);
            for (String k : COAGULATION) {
                md.append(" | ").append(m.get(k).text(3));
            }
            md.append(" |\n");
        });
        if (reference != null && s.containsKey(reference)) {
            md.append("\nPaired by seed, against ").append(reference).append(" (difference, mean ± 95% CI):\n\n");
            md.append("| config | Δ linear probe | Δ kNN |\n|---|---:|---:|\n");
            for (String c : s.keySet()) {
                if (!c.equals(reference)) {
                    Estimate lp = paired(runs, c, reference, "linear_probe_top1");
                    Estimate kn = paired(runs, c, reference, "knn_top1");
                    md.append("| ").append(c).append(" | ").append(lp == null ? "n/a" : signed(lp)).append(" | ")
                            .append(kn == null ? "n/a" : signed(kn)).append(" |\n");
                }
            }
        }
        return md.toString();
    }

    /** The context rows (deterministic: one value each). */
    static String baselineTable(Map<String, Map<String, Double>> baselines) {
        if (baselines.isEmpty()) {
            return "";
        }
        StringBuilder md = new StringBuilder("\nBaselines, same protocol and data:\n\n");
        md.append("| representation | linear probe | kNN | NMI | AMI |\n|---|---:|---:|---:|---:|\n");
        baselines.forEach((name, m) -> md.append(String.format(Locale.ROOT, "| %s | %.4f | %.4f | %.4f | %.4f |%n", name,
                m.get("linear_probe_top1"), m.get("knn_top1"), m.get("nmi"), m.get("ami"))));
        return md.toString();
    }

    private static String signed(Estimate e) {
        String t = String.format(Locale.ROOT, "%+.4f", e.mean());
        if (e.n() >= 2) {
            t += String.format(Locale.ROOT, " ± %.4f", e.halfWidth());
            t += Math.abs(e.mean()) > e.halfWidth() ? " *" : "";
        }
        return t;
    }

    /** Bars with 95% intervals; with a reference, each metric divided by the reference's mean. */
    private static void plot(Map<String, Map<String, Estimate>> s, List<String> metrics, String reference, String title,
                             Path file) throws IOException {
        CategoryChart chart = new CategoryChartBuilder().width(1000).height(520).title(title).xAxisTitle("configuration")
                .yAxisTitle("value").build();
        List<String> configs = new ArrayList<>(s.keySet());
        for (String metric : metrics) {
            List<Double> y = new ArrayList<>();
            List<Double> err = new ArrayList<>();
            for (String c : configs) {
                Estimate e = s.get(c).get(metric);
                double scale = reference == null ? 1 : 1 / s.get(reference).get(metric).mean();
                y.add(e.mean() * scale);
                err.add(Double.isNaN(e.halfWidth()) ? 0 : e.halfWidth() * Math.abs(scale));
            }
            chart.addSeries(metric, configs, y, err);
        }
        AtomicFile.write(file, out -> BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG));
    }
}
