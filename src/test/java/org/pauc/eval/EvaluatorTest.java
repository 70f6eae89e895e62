package org.pauc.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pauc.backend.Backend;
import org.pauc.checkpoint.Checkpoint;
import org.pauc.config.Settings;
import org.pauc.config.TrainConfig;
import org.pauc.cpu.CpuBackend;
import org.pauc.data.Dataset;
import org.pauc.data.Datasets;
import org.pauc.nn.Network;
import org.pauc.train.Trainer;

class EvaluatorTest {

    @Test
    void unlabelledImagesAreAOneLineError() throws IOException {
        Dataset labelled = Datasets.load(Datasets.Request.of(Datasets.SMALL, Path.of("."), 28)).test().head(20);
        Dataset unlabelled = new Dataset("folder", 20, 28, 28, 1, labelled.pixels(), null, null);
        var e = assertThrows(IllegalArgumentException.class,
                () -> Evaluator.evaluate(Evaluator.pixels(labelled), labelled, unlabelled, Evaluator.Protocol.DEFAULT));
        assertTrue(e.getMessage().startsWith("evaluation needs labels") && !e.getMessage().contains("\n"), e.getMessage());
    }

    @Test
    void evaluatesACheckpointAndTheRawPixelBaseline(@TempDir Path dir) throws IOException {
        Datasets.Splits s = Datasets.load(Datasets.Request.of(Datasets.SMALL, Path.of("."), 28));
        Dataset train = s.train().head(600);
        Dataset test = s.test().head(200);
        TrainConfig cfg = Settings.set(TrainConfig.DEFAULTS, Map.of("method", "moco", "epochs", 1, "warmup-epochs", 0,
                "seed", 1, "backend", "cpu", "dim", 32, "lr", 0.05, "queue", 128));
        Trainer.run(cfg, Trainer.Options.of(train, dir, new PrintStream(new ByteArrayOutputStream())));
        Evaluator.Protocol settings = new Evaluator.Protocol(20, 0.07, 0, 10);
        try (Backend be = new CpuBackend(2); Network net = Evaluator.load(Checkpoint.read(dir.resolve(Checkpoint.FILE)), be, train)) {
            Map<String, Double> m = Evaluator.evaluate(Evaluator.encoder("checkpoint", be, net), train, test, settings);
            assertEquals(Evaluator.METRICS, List.copyOf(m.keySet()).subList(0, Evaluator.METRICS.size()));
            assertTrue(m.get("cluster_size_min") <= m.get("cluster_size_median")
                    && m.get("cluster_size_median") <= m.get("cluster_size_max"), m.toString());
            for (String k : List.of("knn_top1", "linear_probe_top1", "nmi", "ami")) {
                assertTrue(m.get(k) > 0.1 && m.get(k) <= 1, k + " = " + m.get(k));
            }
            assertTrue(m.get("alignment") >= 0 && m.get("alignment") <= 4, "alignment " + m.get("alignment"));
            assertTrue(m.get("uniformity") <= 0 && m.get("uniformity") >= -4, "uniformity " + m.get("uniformity"));
        }
        Map<String, Double> raw = Evaluator.evaluate(Evaluator.pixels(train), train, test, settings);
        assertTrue(raw.get("knn_top1") > 0.5, "raw-pixel kNN on Fashion-MNIST is far above chance: " + raw);
    }

    @Test
    void aFileThatIsNotACheckpointIsAClearError(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("x.safetensors");
        Files.writeString(f, "not a checkpoint");
        Dataset d = Datasets.load(Datasets.Request.of(Datasets.SMALL, Path.of("."), 28)).train().head(10);
        try (Backend be = new CpuBackend(1)) {
            var e = assertThrows(IOException.class, () -> Evaluator.load(Checkpoint.read(f), be, d));
            assertTrue(e.getMessage().contains("not a safetensors file"), e.getMessage());
        }
    }
}
