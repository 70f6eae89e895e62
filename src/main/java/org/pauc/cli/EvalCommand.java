package org.pauc.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.pauc.backend.Backend;
import org.pauc.checkpoint.Checkpoint;
import org.pauc.config.TrainConfig;
import org.pauc.data.Datasets;
import org.pauc.eval.Evaluator;
import org.pauc.eval.LinearProbe;
import org.pauc.eval.Plots;
import org.pauc.hostmath.Parallel;
import org.pauc.io.AtomicFile;
import org.pauc.nn.Dims;
import org.pauc.nn.Models;
import org.pauc.nn.Network;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine;

@Command(name = "eval", mixinStandardHelpOptions = true,
        description = {"Evaluates a checkpoint's representation next to two baselines (raw pixels, a randomly "
                + "initialised encoder): weighted kNN, linear probe, NMI/AMI of k-means on the test features, "
                + "alignment and uniformity. Prints a table and writes every number as JSON."})
final class EvalCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--checkpoint", required = true, paramLabel = "PATH", description = "A checkpoint.safetensors written by pauc train.")
    Path checkpoint;
    @Mixin
    ImageOptions images;
    @Option(names = "--knn-k", defaultValue = "200", description = "kNN neighbours (default: ${DEFAULT-VALUE}).")
    int k;
    @Option(names = "--knn-t", defaultValue = "0.07", description = "kNN temperature (default: ${DEFAULT-VALUE}).")
    double temperature;
    @Option(names = "--seed", defaultValue = "0", description = "Seed of the probe, k-means and augmentations (default: ${DEFAULT-VALUE}).")
    long seed;
    @Mixin
    ComputeOptions compute;
    @Option(names = "--json", paramLabel = "PATH", description = "Where to write the results (default: eval.json beside the checkpoint).")
    Path json;

    /** A label metric's cell: its value, or n/a without labels. */
    private static String cell(Map<String, Double> m, String metric) {
        return m.containsKey(metric) ? String.format("%.4f", m.get(metric)) : "n/a";
    }

    @Override
    public Integer call() throws Exception {
        Flags.range("--knn-k", k, 1, 100_000);
        Flags.positive("--knn-t", temperature, 100);
        images.check();
        compute.check();
        Path target = json != null ? json : checkpoint.toAbsolutePath().getParent().resolve("eval.json");
        AtomicFile.checkTarget(target, "--json");
        if (!Files.isDirectory(target.toAbsolutePath().getParent())) {
            throw new IllegalArgumentException("--json " + target + ": the folder " + target.toAbsolutePath().getParent()
                    + " does not exist or is not writable");
        }
        Checkpoint.Contents ckpt = Checkpoint.read(checkpoint);
        Datasets.Splits splits = images.load(ckpt.config());
        boolean labeled = splits.train().labeled() && splits.test().n() > 0 && splits.test().labeled();
        var out = spec.commandLine().getOut();
        if (!labeled) {
            out.println("no labelled train and test split: kNN, linear probe, NMI and AMI are not available; reporting "
                    + "what needs no labels");
        }
        TrainConfig cfg = ckpt.config();
        Evaluator.Protocol settings = new Evaluator.Protocol(k, temperature, seed,
                cfg.usesPrototypes() ? cfg.clustering().clusters().get(0) : 200);
        Map<String, Map<String, Double>> results = new LinkedHashMap<>();
        Path runDir = checkpoint.toAbsolutePath().getParent();
        List<Path> plots = new ArrayList<>();
        try (Backend be = compute.create(); Network trained = Evaluator.load(ckpt, be, splits.train());
             Parallel host = new Parallel(compute.threads)) {
            Evaluator.Representation mine = Evaluator.cached(Evaluator.encoder("checkpoint", be, trained));
            plots.addAll(Plots.forEncoder(mine, splits.train(), splits.test(), settings.clusters(), seed,
                    runDir.resolve("log.jsonl"), runDir.resolve("plots")));
            Dims in = new Dims(splits.train().h(), splits.train().w(), splits.train().c());
            try (Network random = Models.create(cfg.model().encoder(), be, seed, in, trained.output().size())) {
                List<Evaluator.Representation> reps = List.of(mine, Evaluator.encoder("random encoder", be, random),
                        Evaluator.pixels(splits.train()));
                for (Evaluator.Representation r : reps) {
                    out.println("evaluating " + r.name() + " …");
                    out.flush();
                    results.put(r.name(), host.call(() -> labeled
                            ? Evaluator.evaluate(r, splits.train(), splits.test(), settings)
                            : Evaluator.evaluateUnlabeled(r, splits.train(), splits.test(), settings)));
                }
            }
        }
        printTables(out, results, labeled, settings.clusters());
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("checkpoint", checkpoint.toString());
        doc.put("dataset", images.dataset);
        doc.put("settings", settings);
        doc.put("linear_probe", LinearProbe.settings());
        doc.put("results", results);
        AtomicFile.writeString(target, new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(doc) + "\n");
        out.println("results: " + target);
        for (Path p : plots) {
            out.println("plot: " + p);
        }
        return 0;
    }

    /** The console tables: the measures with labels, coagulation, and cluster sizes when there are no labels. */
    private static void printTables(PrintWriter out, Map<String, Map<String, Double>> results, boolean labeled,
                                    int clusters) {
        out.printf("%-16s %10s %10s %8s %8s %10s %11s%n", "representation", "kNN top-1", "linear", "NMI", "AMI",
                "alignment", "uniformity");
        for (var e : results.entrySet()) {
            Map<String, Double> m = e.getValue();
            out.printf("%-16s %10s %10s %8s %8s %10.4f %11.4f%n", e.getKey(), cell(m, "knn_top1"),
                    cell(m, "linear_probe_top1"), cell(m, "nmi"), cell(m, "ami"), m.get("alignment"), m.get("uniformity"));
        }
        out.printf("%n%-16s %10s %10s %10s %10s %10s   (K = %d on the training features)%n", "coagulation", "raw φ",
                "dispersion", "intra-unif", "separation", "eff. rank", clusters);
        for (var e : results.entrySet()) {
            Map<String, Double> m = e.getValue();
            out.printf("%-16s %10.4f %10.4f %10.4f %10.4f %10.4f%n", e.getKey(), m.get("raw_phi"), m.get("dispersion"),
                    m.get("intra_uniformity"), m.get("separation_ratio"), m.get("effective_rank"));
        }
        if (!labeled) {
            out.printf("%n%-16s %10s %10s %10s %10s   (k-means sizes, K = %d)%n", "clusters", "min", "median", "max",
                    "empty", clusters);
            for (var e : results.entrySet()) {
                Map<String, Double> m = e.getValue();
                out.printf("%-16s %10.0f %10.1f %10.0f %10.0f%n", e.getKey(), m.get("cluster_size_min"),
                        m.get("cluster_size_median"), m.get("cluster_size_max"), m.get("clusters_empty"));
            }
        }
    }
}
