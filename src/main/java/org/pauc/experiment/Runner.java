package org.pauc.experiment;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.pauc.backend.Backend;
import org.pauc.backend.Backends;
import org.pauc.checkpoint.Checkpoint;
import org.pauc.config.TrainConfig;
import org.pauc.data.Dataset;
import org.pauc.data.Datasets;
import org.pauc.eval.Evaluator;
import org.pauc.hostmath.Parallel;
import org.pauc.io.AtomicFile;
import org.pauc.nn.Dims;
import org.pauc.nn.Models;
import org.pauc.nn.Network;
import org.pauc.train.Trainer;

/**
 * Runs every (configuration, seed) of a {@link Spec}: trains into OUT/CONFIG/seed-S (resuming from the checkpoint
 * there, so an interrupted experiment continues where it stopped), then evaluates the finished checkpoint and
 * writes eval.json beside it. A run whose eval.json exists is done and is skipped. Runs go {@code parallel} at a
 * time; each one's output goes to train.log in its folder.
 */
public final class Runner {
    /** The evaluation of one finished run, as written to eval.json. */
    public record RunResult(String config, long seed, int epochs, double trainSeconds, Map<String, Double> metrics) {}

    private Runner() {}

    /** The data of an experiment: training images, and the labelled images runs are evaluated on. */
    public record Data(Dataset train, Dataset eval) {}

    public static Data data(Spec spec, TrainConfig base, Path home, Path evalData) throws IOException {
        TrainConfig.Data d = base.data();
        Dataset all = Datasets.load(Datasets.Request.of(d, home)).train();
        int v = spec.eval().validation();
        if (v > 0) {
            if (v >= all.n()) {
                throw new IllegalArgumentException("experiment: a validation split of " + v + " leaves no training images");
            }
            return new Data(all.slice(0, all.n() - v), all.slice(all.n() - v, all.n()));
        }
        String ds = spec.eval().dataset() == null ? d.dataset() : spec.eval().dataset();
        Path dir = evalData != null ? evalData : spec.eval().data() == null ? null : Path.of(spec.eval().data());
        return new Data(all, Datasets.loadTest(Datasets.Request.of(ds, home, d.imageSize()).withData(dir)));
    }

    public static Path runDir(Path out, String config, long seed) {
        return out.resolve(config).resolve("seed-" + seed);
    }

    /** Runs what is not done yet and returns every finished run's result. */
    public static List<RunResult> run(Spec spec, Path out, String backend, int threads, int parallel, Data data,
                                      PrintStream console) throws IOException {
        Files.createDirectories(out);
        List<Runnable> jobs = new ArrayList<>();
        List<String> failures = Collections.synchronizedList(new ArrayList<>());
        // seed-major: every configuration's first seed before any second seed
        for (long seed : spec.seeds()) {
            for (Spec.Config c : spec.configs()) {
                TrainConfig cfg = spec.config(c, seed, backend, threads);
                Path dir = runDir(out, c.name(), seed);
                if (Files.isRegularFile(dir.resolve("eval.json"))) {
                    continue;
                }
                String label = c.name() + " seed " + seed;
                jobs.add(() -> {
                    try {
                        long t0 = System.nanoTime();
                        console.println("start  " + label);
                        RunResult r = trainAndEvaluate(c.name(), cfg, dir, data);
                        console.printf("done   %s in %.0f s: linear %.4f, kNN %.4f%n", label, (System.nanoTime() - t0) / 1e9,
                                r.metrics().get("linear_probe_top1"), r.metrics().get("knn_top1"));
                    } catch (Exception e) {
                        failures.add(label + ": " + e.getMessage());
                        console.println("FAILED " + label + ": " + e.getMessage() + " (see " + dir.resolve("train.log") + ")");
                    }
                });
            }
        }
        console.println(spec.name() + ": " + jobs.size() + " run(s) to do, " + parallel + " at a time, in " + out);
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, parallel));
        try {
            List<Future<?>> fs = new ArrayList<>();
            jobs.forEach(j -> fs.add(pool.submit(j)));
            for (Future<?> f : fs) {
                f.get();
            }
        } catch (Exception e) {
            throw new IOException("experiment interrupted: " + e.getMessage(), e);
        } finally {
            pool.shutdownNow();
        }
        if (!failures.isEmpty()) {
            console.println(failures.size() + " run(s) failed; rerun the same command to retry them");
        }
        return collect(spec, out);
    }

    private static RunResult trainAndEvaluate(String name, TrainConfig cfg, Path dir, Data data) throws IOException {
        Files.createDirectories(dir);
        try (PrintStream log = new PrintStream(Files.newOutputStream(dir.resolve("train.log"),
                StandardOpenOption.CREATE, StandardOpenOption.APPEND), true, StandardCharsets.UTF_8)) {
            Trainer.run(cfg, Trainer.Options.of(data.train(), dir, log).resuming(true));
            Checkpoint.Contents ckpt = Checkpoint.read(dir.resolve(Checkpoint.FILE));
            int done = ckpt.epochsDone();
            int epochs = cfg.optimizer().epochs();
            if (done != epochs) {
                throw new IOException("the run stopped after " + done + " of " + epochs + " epochs");
            }
            Map<String, Double> metrics;
            try (Backend be = Backends.create(cfg.run().backend(), cfg.run().compute());
                 Network net = Evaluator.load(ckpt, be, data.train());
                 Parallel host = new Parallel(cfg.run().threads())) {
                log.println("evaluating on " + data.eval().name() + " (" + data.eval().n() + " images)");
                metrics = host.call(() -> Evaluator.evaluate(Evaluator.encoder("checkpoint", be, net), data.train(),
                        data.eval(), Evaluator.Protocol.seeded(cfg.run().seed())));
            }
            RunResult r = new RunResult(name, cfg.run().seed(), done, trainSeconds(dir), metrics);
            AtomicFile.writeString(dir.resolve("eval.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(r)
                    + "\n");
            return r;
        }
    }

    /**
     * The context rows of a report, once per experiment (baselines.json): raw pixels and a randomly initialised encoder
     * of the runs' architecture, evaluated with the same protocol on the same data.
     */
    public static Map<String, Map<String, Double>> baselines(Path out, TrainConfig base, Data data) throws IOException {
        Path file = out.resolve("baselines.json");
        if (Files.isRegularFile(file)) {
            return readBaselines(out);
        }
        Map<String, Map<String, Double>> m = new LinkedHashMap<>();
        Evaluator.Protocol settings = Evaluator.Protocol.DEFAULT;
        m.put("raw pixels", Evaluator.evaluate(Evaluator.pixels(data.train()), data.train(), data.eval(), settings));
        try (Backend be = Backends.create(base.run().backend(), base.run().compute());
             Network random = Models.create(base.model().encoder(), be, 0,
                     new Dims(data.train().h(), data.train().w(), data.train().c()), base.model().dim())) {
            m.put("random encoder", Evaluator.evaluate(Evaluator.encoder("random", be, random), data.train(), data.eval(),
                    settings));
        }
        Files.createDirectories(out);
        AtomicFile.writeString(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(m) + "\n");
        return m;
    }

    /** The baselines an earlier run of the experiment wrote, or none. */
    public static Map<String, Map<String, Double>> readBaselines(Path out) throws IOException {
        Path file = out.resolve("baselines.json");
        return Files.isRegularFile(file)
                ? JSON.readValue(file.toFile(), new TypeReference<>() {})
                : Map.of();
    }

    /** Σ of the epochs' wall-clock seconds in log.jsonl (k-means included; resumed runs add up). */
    static double trainSeconds(Path dir) throws IOException {
        double s = 0;
        for (String line : Files.readAllLines(dir.resolve("log.jsonl"))) {
            if (!line.isBlank()) {
                s += JSON.readTree(line).path("seconds").asDouble();
            }
        }
        return s;
    }

    static final ObjectMapper JSON = new ObjectMapper();

    /** Every finished run of the spec (those with an eval.json), in spec order. */
    public static List<RunResult> collect(Spec spec, Path out) throws IOException {
        List<RunResult> rs = new ArrayList<>();
        for (Spec.Config c : spec.configs()) {
            for (long seed : spec.seeds()) {
                Path f = runDir(out, c.name(), seed).resolve("eval.json");
                if (Files.isRegularFile(f)) {
                    rs.add(JSON.readValue(f.toFile(), RunResult.class));
                }
            }
        }
        return rs;
    }
}
