package org.pauc.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pauc.data.Augment;
import org.pauc.data.Dataset;
import org.pauc.data.Datasets;
import org.pauc.io.SafeTensors;

class TrainerTest {
    static final PrintStream QUIET = new PrintStream(new ByteArrayOutputStream());

    static TrainConfig config(String method, int epochs) {
        return config(method, epochs, "offdiag");
    }

    static TrainConfig config(String method, int epochs, String correlation) {
        return new TrainConfig(method, Datasets.SMALL, null, 28, epochs, 1, 32, 3, 2, "cpu", "small-cnn", 32, 0.05, 0.9,
                1e-4, 0.99, 64, 0.2, 1, 0.5, 1, 5e-3, 2, 2, 1e-5, "pairwise", correlation, 5e-3, List.of(8, 16), 5, 1,
                "kmeans++", 16, 10, 384, 0, Augment.Config.DEFAULT);
    }

    static Dataset data() throws IOException {
        return Datasets.load(Datasets.SMALL, null, Path.of("."), 28).train().head(384);
    }

    @Test
    void everyMethodTrainsWithFiniteFallingLosses(@TempDir Path dir) throws IOException {
        Dataset d = data();
        for (String run : List.of("moco", "pcl", "pauc", "pauc cross_view")) {
            String method = run.split(" ")[0];
            TrainConfig cfg = run.contains(" ") ? config(method, 4, run.split(" ")[1]) : config(method, 4);
            List<Trainer.EpochLog> logs = Trainer.run(cfg, d, dir.resolve(run.replace(' ', '-')), false, QUIET);
            assertEquals(4, logs.size());
            for (Trainer.EpochLog l : logs) {
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

    @Test
    void resumingReachesBitIdenticalWeights(@TempDir Path dir) throws IOException {
        Dataset d = data();
        TrainConfig cfg = config("pauc", 3);
        Trainer.run(cfg, d, dir.resolve("straight"), false, QUIET);
        // the same run with one thread
        Trainer.run(cfg.withThreads(1), d, dir.resolve("one-thread"), false, QUIET);
        // the same run stopped after its second epoch (as if killed), then resumed
        Path partial = dir.resolve("partial");
        Trainer.run(cfg, d, partial, false, QUIET, 2);
        assertEquals("2", SafeTensors.read(partial.resolve(Checkpoint.FILE)).metadata().get("epochs_done"));
        Trainer.run(cfg, d, partial, true, QUIET);
        SafeTensors.Contents a = SafeTensors.read(dir.resolve("straight").resolve(Checkpoint.FILE));
        SafeTensors.Contents b = SafeTensors.read(partial.resolve(Checkpoint.FILE));
        SafeTensors.Contents c = SafeTensors.read(dir.resolve("one-thread").resolve(Checkpoint.FILE));
        assertEquals(a.tensors().keySet(), b.tensors().keySet());
        for (String name : a.tensors().keySet()) {
            assertArrayEquals(a.tensors().get(name).data(), b.tensors().get(name).data(), "resumed: " + name);
            assertArrayEquals(a.tensors().get(name).data(), c.tensors().get(name).data(), "one thread: " + name);
        }
        assertEquals(3, Files.readAllLines(partial.resolve("log.jsonl")).size());
    }

    @Test
    void theKnnMonitorIsLoggedEveryNEpochs(@TempDir Path dir) throws IOException {
        TrainConfig c = config("moco", 2);
        TrainConfig every = new TrainConfig(c.method(), c.dataset(), c.data(), c.imageSize(), 2, c.warmupEpochs(),
                c.batchSize(), c.seed(), c.threads(), c.backend(), c.encoder(), c.dim(), c.lr(), c.momentum(),
                c.weightDecay(), c.keyMomentum(), c.queue(), c.tau(), c.lambdaProto(), c.lambdaAlign(), c.lambdaUnif(),
                c.lambdaCorr(), c.alpha(), c.t(), c.eps(), c.uniformity(), c.correlation(), c.lambdaOff(), c.clusters(),
                c.kmeansIterations(), c.kmeansRestarts(), c.kmeansInit(), c.negPrototypes(), c.phiAlpha(), c.limit(), 2,
                c.augment());
        Dataset test = Datasets.load(Datasets.SMALL, null, Path.of("."), 28).test().head(100);
        List<Trainer.EpochLog> logs = Trainer.run(every, data(), dir, false, QUIET, Integer.MAX_VALUE, test);
        assertEquals(null, logs.get(0).knnTop1());
        assertTrue(logs.get(1).knnTop1() > 0.1 && logs.get(1).knnTop1() <= 1, logs.get(1).toString());
        assertTrue(Files.readAllLines(dir.resolve("log.jsonl")).get(1).contains("\"knnTop1\":"));
    }

    @Test
    void badSettingsAreClearErrors(@TempDir Path dir) throws IOException {
        Dataset small = data().head(20);
        var e = assertThrows(IllegalArgumentException.class, () -> Trainer.run(config("pcl", 1), small, dir, false, QUIET));
        assertTrue(e.getMessage().contains("fewer than the batch size 32"), e.getMessage());
        Dataset d = data();
        TrainConfig many = new TrainConfig("pcl", Datasets.SMALL, null, 28, 1, 0, 32, 0, 2, "cpu", "small-cnn", 32, 0.05,
                0.9, 1e-4, 0.99, 64, 0.2, 1, 0.5, 1, 5e-3, 2, 2, 1e-5, "pairwise", "offdiag", 5e-3, List.of(1000), 5, 1,
                "kmeans++", 16, 10, 0, 0, Augment.Config.DEFAULT);
        e = assertThrows(IllegalArgumentException.class, () -> Trainer.run(many, d, dir, false, QUIET));
        assertTrue(e.getMessage().contains("fewer than the cluster count 1000"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> config("simclr", 1));
        assertTrue(e.getMessage().contains("--method must be moco, pcl or pauc"), e.getMessage());
    }
}
