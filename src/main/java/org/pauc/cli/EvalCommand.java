package org.pauc.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.pauc.backend.Backend;
import org.pauc.backend.Backends;
import org.pauc.data.Datasets;
import org.pauc.eval.Evaluator;
import org.pauc.nn.Dims;
import org.pauc.nn.Models;
import org.pauc.nn.Network;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "eval", mixinStandardHelpOptions = true,
        description = {"Evaluates a checkpoint's representation next to two baselines (raw pixels, a randomly "
                + "initialised encoder): weighted kNN, linear probe, NMI/AMI of k-means on the test features, "
                + "alignment and uniformity. Prints a table and writes every number as JSON."})
final class EvalCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--checkpoint", required = true, paramLabel = "PATH", description = "A checkpoint.safetensors written by pauc train.")
    Path checkpoint;
    @Option(names = "--dataset", defaultValue = Datasets.SMALL, description = "Dataset (default: ${DEFAULT-VALUE}).")
    String dataset;
    @Option(names = "--data", paramLabel = "DIR", description = "Folder with the IDX files of --dataset.")
    Path data;
    @Option(names = "--image-size", defaultValue = "28", description = "Image side for folder datasets (default: ${DEFAULT-VALUE}).")
    int imageSize;
    @Option(names = "--knn-k", defaultValue = "200", description = "kNN neighbours (default: ${DEFAULT-VALUE}).")
    int k;
    @Option(names = "--knn-t", defaultValue = "0.07", description = "kNN temperature (default: ${DEFAULT-VALUE}).")
    double temperature;
    @Option(names = "--seed", defaultValue = "0", description = "Seed of the probe, k-means and augmentations (default: ${DEFAULT-VALUE}).")
    long seed;
    @Option(names = "--threads", defaultValue = "2", description = "CPU threads (default: ${DEFAULT-VALUE}).")
    int threads;
    @Option(names = "--backend", defaultValue = "auto", description = "Backend (default: ${DEFAULT-VALUE}).")
    String backend;
    @Option(names = "--json", paramLabel = "PATH", description = "Where to write the results (default: eval.json beside the checkpoint).")
    Path json;

    @Override
    public Integer call() throws Exception {
        Datasets.Splits splits = Datasets.load(dataset, data, TrainCommand.home(), imageSize);
        if (splits.test().n() == 0) {
            throw new IllegalArgumentException("the dataset has no test images to evaluate on");
        }
        if (!splits.train().labeled() || !splits.test().labeled()) {
            throw new IllegalArgumentException("evaluation needs labels on the train and test images: a folder dataset "
                    + "takes them from class subfolders");
        }
        var out = spec.commandLine().getOut();
        Evaluator.Settings settings = new Evaluator.Settings(k, temperature, seed,
                Evaluator.config(checkpoint).usesPrototypes() ? Evaluator.config(checkpoint).clusters().get(0) : 200);
        Map<String, Map<String, Double>> results = new LinkedHashMap<>();
        Path plotDir = checkpoint.toAbsolutePath().getParent().resolve("plots");
        List<Path> plots = new java.util.ArrayList<>();
        try (Backend be = Backends.create(backend, threads); Network trained = Evaluator.load(checkpoint, be, splits.train())) {
            plots.addAll(plot(be, trained, splits, settings.clusters(), plotDir));
            Dims in = new Dims(splits.train().h(), splits.train().w(), splits.train().c());
            try (Network random = Models.create(Evaluator.config(checkpoint).encoder(), be, seed, in,
                    trained.output().size())) {
                List<Evaluator.Representation> reps = List.of(Evaluator.encoder("checkpoint", be, trained),
                        Evaluator.encoder("random encoder", be, random), Evaluator.pixels(splits.train()));
                for (Evaluator.Representation r : reps) {
                    out.println("evaluating " + r.name() + " …");
                    out.flush();
                    results.put(r.name(), Evaluator.evaluate(r, splits.train(), splits.test(), settings));
                }
            }
        }
        out.printf("%-16s %10s %10s %8s %8s %10s %11s%n", "representation", "kNN top-1", "linear", "NMI", "AMI",
                "alignment", "uniformity");
        for (var e : results.entrySet()) {
            Map<String, Double> m = e.getValue();
            out.printf("%-16s %10.4f %10.4f %8.4f %8.4f %10.4f %11.4f%n", e.getKey(), m.get("knn_top1"),
                    m.get("linear_probe_top1"), m.get("nmi"), m.get("ami"), m.get("alignment"), m.get("uniformity"));
        }
        out.printf("%n%-16s %10s %10s %10s %10s %10s   (K = %d on the training features)%n", "coagulation", "raw φ",
                "dispersion", "intra-unif", "separation", "eff. rank", settings.clusters());
        for (var e : results.entrySet()) {
            Map<String, Double> m = e.getValue();
            out.printf("%-16s %10.4f %10.4f %10.4f %10.4f %10.4f%n", e.getKey(), m.get("raw_phi"), m.get("dispersion"),
                    m.get("intra_uniformity"), m.get("separation_ratio"), m.get("effective_rank"));
        }
        Path target = json != null ? json : checkpoint.toAbsolutePath().getParent().resolve("eval.json");
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("checkpoint", checkpoint.toString());
        doc.put("dataset", dataset);
        doc.put("settings", settings);
        doc.put("linear_probe", Map.of("epochs", 100, "batch", 256, "lr", 0.1, "momentum", 0.9,
                "lr_steps", List.of(60, 80), "features", "standardised"));
        doc.put("results", results);
        Files.writeString(target, new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(doc) + "\n");
        out.println("results: " + target);
        for (Path p : plots) {
            out.println("plot: " + p);
        }
        return 0;
    }

    /** Training curves (from log.jsonl beside the checkpoint), PCA of the test features, cluster sizes and φ. */
    private List<Path> plot(Backend be, Network net, Datasets.Splits splits, int k, Path dir) throws java.io.IOException {
        List<Path> written = new java.util.ArrayList<>();
        Path curves = dir.resolve("training.png");
        if (org.pauc.eval.Plots.trainingCurves(checkpoint.toAbsolutePath().getParent().resolve("log.jsonl"), curves)) {
            written.add(curves);
        }
        Evaluator.Representation r = Evaluator.encoder("checkpoint", be, net);
        int d = r.featureDim();
        var test = splits.test();
        float[] fte = org.pauc.eval.Metrics.normalizeRows(r.features(test.pixels(), test.n()), test.n(), d);
        Path pca = dir.resolve("pca.png");
        org.pauc.eval.Plots.pca(fte, test.n(), d, test.labels(), test.classes(), "Test features (backbone), PCA", pca);
        written.add(pca);
        var train = splits.train();
        float[] ftr = org.pauc.eval.Metrics.normalizeRows(r.features(train.pixels(), train.n()), train.n(), d);
        var km = org.pauc.cluster.KMeans.fit(ftr, train.n(), d, Math.min(k, train.n()), 20, 1,
                org.pauc.cluster.KMeans.Init.KMEANS_PLUS_PLUS, seed);
        double[] fd = new double[ftr.length];
        for (int i = 0; i < fd.length; i++) {
            fd[i] = ftr[i];
        }
        double[] cd = new double[km.centroids().length];
        for (int i = 0; i < cd.length; i++) {
            cd[i] = km.centroids()[i];
        }
        double[] raw = org.pauc.oracle.Concentration.raw(new org.pauc.oracle.Mat(train.n(), d, fd),
                new org.pauc.oracle.Mat(km.k(), d, cd), km.assign(), 10);
        Path clusters = dir.resolve("clusters.png");
        org.pauc.eval.Plots.clusters(org.pauc.cluster.KMeans.sizes(km.assign(), km.k()), raw, clusters);
        written.add(clusters);
        return written;
    }
}
