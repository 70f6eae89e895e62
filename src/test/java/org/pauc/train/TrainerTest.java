package org.pauc.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pauc.checkpoint.Checkpoint;
import org.pauc.config.Settings;
import org.pauc.config.TrainConfig;
import org.pauc.data.Dataset;
import org.pauc.data.Datasets;
import org.pauc.hostmath.Gemm;
import org.pauc.io.InputException;
import org.pauc.io.SafeTensors;

class TrainerTest {
    static final PrintStream QUIET = new PrintStream(new ByteArrayOutputStream());

    /** A small, fast run: 384 images, batch 32, 8-d embeddings… on the CPU backend. */
    static TrainConfig config(String method, int epochs, Map<String, ?> more) {
        TrainConfig base = Settings.set(TrainConfig.DEFAULTS, Map.ofEntries(Map.entry("method", method),
                Map.entry("epochs", epochs), Map.entry("warmup-epochs", 1), Map.entry("batch-size", 32),
                Map.entry("seed", 3), Map.entry("backend", "cpu"), Map.entry("dim", 32), Map.entry("lr", 0.05),
                Map.entry("queue", 64), Map.entry("lambda-align", 0.5), Map.entry("clusters", List.of(8, 16)),
                Map.entry("kmeans-iterations", 5), Map.entry("neg-prototypes", 16), Map.entry("limit", 384)));
        return Settings.set(base, more);
    }

    static TrainConfig config(String method, int epochs) {
        return config(method, epochs, Map.of());
    }

    static Dataset data() throws IOException {
        return Datasets.load(Datasets.Request.of(Datasets.SMALL, Path.of("."), 28)).train().head(384);
    }

    static Trainer.Options options(Dataset d, Path dir) {
        return Trainer.Options.of(d, dir, QUIET);
    }

    @Test
    void everyMethodTrainsWithFiniteFallingLosses(@TempDir Path dir) throws IOException {
        Dataset d = data();
        for (String run : List.of("moco", "pcl", "pauc", "pauc cross_view")) {
            String method = run.split(" ")[0];
            TrainConfig cfg = run.contains(" ") ? config(method, 4, Map.of("correlation", run.split(" ")[1]))
                    : config(method, 4);
            List<EpochLog> logs = Trainer.run(cfg, options(d, dir.resolve(run.replace(' ', '-'))));
            assertEquals(4, logs.size());
            for (EpochLog l : logs) {
                assertTrue(Double.isFinite(l.loss()), method + " " + l);
            }
            // InfoNCE against a queue that is already full after the first steps: it must fall as training goes on.
            assertTrue(logs.get(3).infoNce() < logs.get(0).infoNce(), method + ": " + logs);
            if (!method.equals("moco")) {
                assertTrue(logs.get(1).protoNce() > 0 && logs.get(0).protoNce() == 0, method + " prototypes after warm-up");
            }
            Path log = dir.resolve(run.replace(' ', '-')).resolve("log.jsonl");
            assertEquals(4, Files.readAllLines(log).size());
        }
    }

    static void assertSameTensors(Path a, Path b, String what) throws IOException {
        SafeTensors.Contents x = SafeTensors.read(a.resolve(Checkpoint.FILE));
        SafeTensors.Contents y = SafeTensors.read(b.resolve(Checkpoint.FILE));
        assertEquals(x.tensors().keySet(), y.tensors().keySet());
        for (String name : x.tensors().keySet()) {
            assertArrayEquals(x.tensors().get(name).data(), y.tensors().get(name).data(), what + ": " + name);
        }
    }

    /**
     * An E-step over more points than one k-means block: the mapped features are read by the worker threads, and
     * the prototypes are the same whatever the thread count.
     */
    @Test
    void anEStepOverSeveralBlocksIsTheSameOnOneAndTwoThreads(@TempDir Path dir) throws IOException {
        Dataset d = Datasets.load(Datasets.Request.of(Datasets.SMALL, Path.of("."), 28)).train().head(2600);
        TrainConfig cfg = config("pcl", 1, Map.of("warmup-epochs", 0, "limit", 2600, "batch-size", 200,
                "queue", 400, "clusters", List.of(20)));
        List<EpochLog> one = Trainer.run(cfg.withThreads(1), options(d, dir.resolve("one")));
        List<EpochLog> two = Trainer.run(cfg.withThreads(2), options(d, dir.resolve("two")));
        assertEquals(one.get(0).loss(), two.get(0).loss());
        assertEquals(one.get(0).accProto(), two.get(0).accProto());
        assertTrue(one.get(0).protoNce() > 0);
    }

    /** The loader's worker count splits batches differently, never changes them. */
    @Test
    void theWorkerCountDoesNotChangeTheRun(@TempDir Path dir) throws IOException {
        Dataset d = data();
        Trainer.run(config("pauc", 2, Map.of("workers", 1)), options(d, dir.resolve("one")));
        Trainer.run(config("pauc", 2, Map.of("workers", 3)), options(d, dir.resolve("three")));
        assertSameTensors(dir.resolve("one"), dir.resolve("three"), "workers 1 and 3");
    }

    @Test
    void resumingReachesBitIdenticalWeights(@TempDir Path dir) throws IOException {
        Dataset d = data();
        // queue 40 with batch 32: the queue wraps inside a step
        TrainConfig cfg = config("pauc", 3, Map.of("queue", 40));
        Trainer.run(cfg, options(d, dir.resolve("straight")));
        Trainer.run(cfg.withThreads(1), options(d, dir.resolve("one-thread")));
        Path partial = dir.resolve("partial");
        Trainer.run(cfg, options(d, partial).stopAfter(2));
        assertEquals(2, Checkpoint.read(partial.resolve(Checkpoint.FILE)).epochsDone());
        Trainer.run(cfg, options(d, partial).resuming(true));
        assertSameTensors(dir.resolve("straight"), partial, "resumed");
        assertSameTensors(dir.resolve("straight"), dir.resolve("one-thread"), "one thread");
        assertEquals(3, Files.readAllLines(partial.resolve("log.jsonl")).size());
        assertEquals(12 * 3 * 32 % 40, Checkpoint.read(partial.resolve(Checkpoint.FILE)).queuePointer());
    }

    @Test
    void aKillBetweenTheLogLineAndTheCheckpointLeavesThemAgreeingAfterResume(@TempDir Path dir) throws IOException {
        Dataset d = data();
        TrainConfig cfg = config("pcl", 3);
        Trainer.run(cfg, options(d, dir.resolve("straight")));
        Path run = dir.resolve("killed");
        Trainer.run(cfg, options(d, run).stopAfter(1));
        // as if killed after epoch 2's log line was appended but before its checkpoint was renamed into place
        Files.writeString(run.resolve("log.jsonl"), Files.readAllLines(run.resolve("log.jsonl")).get(0) + "\n",
                StandardOpenOption.APPEND);
        Files.writeString(run.resolve("." + Checkpoint.FILE + "12345.tmp"), "half-written");
        Trainer.run(cfg, options(d, run).resuming(true).stopAfter(2));
        // as if killed in the middle of appending epoch 3's log line
        Files.writeString(run.resolve("log.jsonl"), "{\"epoch\":3,\"lr\"", StandardOpenOption.APPEND);
        Trainer.run(cfg, options(d, run).resuming(true));
        List<String> lines = Files.readAllLines(run.resolve("log.jsonl"));
        assertEquals(3, lines.size());
        for (int e = 0; e < 3; e++) {
            assertTrue(lines.get(e).startsWith("{\"epoch\":" + (e + 1) + ","), lines.get(e));
        }
        try (var files = Files.list(run)) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().endsWith(".tmp")), "stale temporary removed");
        }
        assertSameTensors(dir.resolve("straight"), run, "resumed after a kill");
    }

    @Test
    void resumeRefusesAnotherConfigurationButAllowsAnotherThreadCount(@TempDir Path dir) throws IOException {
        Dataset d = data();
        TrainConfig cfg = config("moco", 2);
        Trainer.run(cfg, options(d, dir).stopAfter(1));
        var e = assertThrows(InputException.class,
                () -> Trainer.run(config("moco", 2, Map.of("lr", 0.1)), options(d, dir).resuming(true)));
        assertTrue(e.getMessage().contains("written by another configuration"), e.getMessage());
        assertEquals(1, Checkpoint.read(dir.resolve(Checkpoint.FILE)).epochsDone(), "the checkpoint is untouched");
        assertEquals(1, Trainer.run(cfg.withThreads(1), options(d, dir).resuming(true)).size());
    }

    @Test
    void resumeOnSomethingThatIsNotACheckpointFileIsAnError(@TempDir Path dir) throws IOException {
        Dataset d = data();
        Files.createDirectories(dir.resolve(Checkpoint.FILE));
        var e = assertThrows(InputException.class, () -> Trainer.run(config("moco", 1), options(d, dir).resuming(true)));
        assertTrue(e.getMessage().contains("found a folder"), e.getMessage());
        Path dangling = dir.resolve("dangling");
        Files.createDirectories(dangling);
        Files.createSymbolicLink(dangling.resolve(Checkpoint.FILE), dangling.resolve("nowhere"));
        e = assertThrows(InputException.class, () -> Trainer.run(config("moco", 1), options(d, dangling).resuming(true)));
        assertTrue(e.getMessage().contains("no such"), e.getMessage());
    }

    @Test
    void aNonFiniteLossStopsTheRunAndKeepsTheLastCheckpoint(@TempDir Path dir) throws IOException {
        Dataset d = data();
        TrainConfig cfg = config("moco", 2);
        Trainer.run(cfg, options(d, dir).stopAfter(1));
        float[] nan = new float[d.pixels().length];
        Arrays.fill(nan, Float.NaN);
        Dataset broken = new Dataset(d.name(), d.n(), d.h(), d.w(), d.c(), nan, d.labels(), d.classes());
        var e = assertThrows(Trainer.DivergedException.class, () -> Trainer.run(cfg, options(broken, dir).resuming(true)));
        assertTrue(e.getMessage().startsWith("the loss is NaN at epoch 2, step 1"), e.getMessage());
        assertEquals(1, Checkpoint.read(dir.resolve(Checkpoint.FILE)).epochsDone());
        assertEquals(1, Files.readAllLines(dir.resolve("log.jsonl")).size());
    }

    @Test
    void paucTermsWaitForThePrototypesOnlyUnderThePrototypesRule(@TempDir Path dir) throws IOException {
        Dataset d = data();
        List<EpochLog> first = Trainer.run(config("pauc", 2, Map.of("terms-start", "first-step")),
                options(d, dir.resolve("first")));
        List<EpochLog> protos = Trainer.run(config("pauc", 2, Map.of("terms-start", "prototypes")),
                options(d, dir.resolve("protos")));
        // epoch 1 is the warm-up (no prototypes)
        assertTrue(first.get(0).uniformity() != 0 && first.get(0).correlation() != 0, first.get(0).toString());
        assertEquals(0, protos.get(0).uniformity());
        assertEquals(0, protos.get(0).correlation());
        assertEquals(0, protos.get(0).align());
        assertTrue(protos.get(1).uniformity() != 0 && protos.get(1).correlation() != 0 && protos.get(1).align() != 0,
                protos.get(1).toString());
        assertTrue(Files.readString(dir.resolve("protos").resolve("config.json")).contains("\"termsStart\":\"prototypes\""));
    }

    @Test
    void theKnnMonitorIsLoggedEveryNEpochs(@TempDir Path dir) throws IOException {
        TrainConfig cfg = config("moco", 2);
        Dataset test = Datasets.load(Datasets.Request.of(Datasets.SMALL, Path.of("."), 28)).test().head(100);
        Dataset d = data();
        List<EpochLog> logs = Trainer.run(cfg, options(d, dir).listen(new KnnMonitor(d, test, 2, 2, QUIET)));
        assertNull(logs.get(0).knnTop1());
        assertTrue(logs.get(1).knnTop1() > 0.1 && logs.get(1).knnTop1() <= 1, logs.get(1).toString());
        assertTrue(Files.readAllLines(dir.resolve("log.jsonl")).get(1).contains("\"knnTop1\":"));
    }

    /**
     * bf16 (emulated) trains like fp32: the kNN of a short PAUC run stays within the seed-to-seed spread of fp32
     * (two seeds), with a floor of 0.04, about two standard errors of a top-1 on 400 test images.
     */
    @Test
    void aBf16RunStaysWithinSeedNoiseOfFp32(@TempDir Path dir) throws IOException {
        Dataset test = Datasets.load(Datasets.Request.of(Datasets.SMALL, Path.of("."), 28)).test().head(400);
        Dataset d = Datasets.load(Datasets.Request.of(Datasets.SMALL, Path.of("."), 28)).train().head(768);
        double[] knn = new double[3];
        String[] runs = {"fp32 0", "fp32 1", "bf16 0"};
        for (int i = 0; i < runs.length; i++) {
            String[] r = runs[i].split(" ");
            TrainConfig cfg = config("pauc", 3, Map.of("precision", r[0], "seed", Integer.parseInt(r[1]), "limit", 768,
                    "batch-size", 64, "clusters", List.of(20, 40)));
            List<EpochLog> logs = Trainer.run(cfg, options(d, dir.resolve(runs[i].replace(' ', '-')))
                    .listen(new KnnMonitor(d, test, 3, 3, QUIET)));
            knn[i] = logs.get(2).knnTop1();
        }
        double noise = Math.abs(knn[0] - knn[1]);
        assertTrue(knn[2] > 0.4, "bf16 learns: " + Arrays.toString(knn));
        assertTrue(Math.abs(knn[2] - knn[0]) <= Math.max(0.04, 2 * noise), "kNN fp32 seed 0, seed 1, bf16 seed 0: "
                + Arrays.toString(knn));
        assertTrue(Files.readString(dir.resolve("bf16-0").resolve("config.json")).contains("\"precision\":\"bf16\""));
        System.out.println("[bf16] kNN fp32 seed 0, fp32 seed 1, bf16 seed 0: " + Arrays.toString(knn));
    }

    @Test
    void badSettingsAreClearErrors(@TempDir Path dir) throws IOException {
        Dataset small = data().head(20);
        var e = assertThrows(IllegalArgumentException.class, () -> Trainer.run(config("pcl", 1), options(small, dir)));
        assertTrue(e.getMessage().contains("fewer than the batch size 32"), e.getMessage());
        TrainConfig many = config("pcl", 1, Map.of("clusters", List.of(1000)));
        e = assertThrows(IllegalArgumentException.class, () -> Trainer.run(many, options(data(), dir)));
        assertTrue(e.getMessage().contains("fewer than the cluster count 1000"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> config("simclr", 1));
        assertTrue(e.getMessage().contains("--method must be one of moco, pcl, pauc"), e.getMessage());
    }

    /** The E-step's feature pass: larger batches for small images, the training batch where the bits would change. */
    @Test
    void theFeaturePassBatchOnlyGrowsWhereTheFeaturesStayTheSame() {
        int mr = Gemm.MR;
        assertEquals(256 / mr * mr, EStep.featureBatch(8 * mr, 28 * 28));
        assertEquals(64 * mr, EStep.featureBatch(64 * mr, 28 * 28));
        assertEquals(8 * mr + 1, EStep.featureBatch(8 * mr + 1, 28 * 28));
        assertEquals(8 * mr, EStep.featureBatch(8 * mr, 224 * 224 * 3));
        assertEquals((1 << 20) / (64 * 64 * 3) / mr * mr, EStep.featureBatch(4 * mr, 64 * 64 * 3));
    }
}
