package org.pauc.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pauc.checkpoint.Checkpoint;
import org.pauc.config.TrainConfig;

/**
 * A real run of {@code pauc train} in another JVM, killed with SIGKILL at seeded random moments and resumed each
 * time until it finishes: its checkpoint must equal an uninterrupted run's bit for bit, and its log must hold one
 * line per epoch, in order.
 */
class KillTest {
    static final List<String> FLAGS = List.of("--method", "pauc", "--epochs", "4", "--warmup-epochs", "1",
            "--batch-size", "32", "--seed", "3", "--backend", "cpu", "--dim", "32", "--lr", "0.05", "--queue", "40",
            "--lambda-align", "0.5", "--clusters", "8,16", "--kmeans-iterations", "5", "--neg-prototypes", "16",
            "--limit", "384");

    static Process start(Path run, boolean resume) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), "org.pauc.cli.Main", "train"));
        cmd.addAll(FLAGS);
        cmd.addAll(List.of(resume ? "--resume" : "--out", run.toString()));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(new File(run + ".out")).start();
    }

    @Test
    void aRunKilledAtRandomMomentsResumesToTheUninterruptedWeights(@TempDir Path dir) throws Exception {
        TrainConfig cfg = TrainerTest.config("pauc", 4, Map.of("queue", 40));
        Path straight = dir.resolve("straight");
        Trainer.run(cfg, TrainerTest.options(TrainerTest.data(), straight));
        Path run = dir.resolve("killed");
        SplittableRandom r = new SplittableRandom(11);
        int kills = 0;
        for (int attempt = 0; attempt < 40; attempt++) {
            Process p = start(run, attempt > 0);
            boolean finished = p.waitFor(attempt < 6 ? 600 + r.nextInt(2500) : 120_000, TimeUnit.MILLISECONDS);
            if (finished) {
                assertEquals(0, p.exitValue(), Files.readString(Path.of(run + ".out")));
                break;
            }
            p.destroyForcibly().waitFor();
            kills++;
        }
        assertTrue(kills >= 3, "the run was killed " + kills + " times");
        assertEquals(4, Checkpoint.read(run.resolve(Checkpoint.FILE)).epochsDone());
        TrainerTest.assertSameTensors(straight, run, "killed " + kills + " times");
        List<String> lines = Files.readAllLines(run.resolve("log.jsonl"));
        assertEquals(4, lines.size());
        for (int e = 0; e < 4; e++) {
            assertTrue(lines.get(e).startsWith("{\"epoch\":" + (e + 1) + ","), lines.get(e));
        }
        try (var files = Files.list(run)) {
            assertTrue(files.noneMatch(f -> f.getFileName().toString().endsWith(".tmp")));
        }
    }
}
