package org.pauc.experiment;

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
import org.pauc.config.TrainConfig;
import org.pauc.io.InputException;
import org.pauc.train.Trainer;

/** Specs, the runner's resume and reporting rules, and the statistics of the report. */
class ExperimentTest {

    private static Path spec(Path dir, String json) throws IOException {
        return Files.writeString(dir.resolve("spec.json"), json);
    }

    private static final String TINY = """
            {"name": "tiny",
             "train": {"epochs": 1, "batch-size": 32, "limit": 160, "queue": 64, "warmup-epochs": 0,
                       "clusters": [4, 8], "neg-prototypes": 4, "dim": 16},
             "configs": [{"name": "moco", "method": "moco"},
                         {"name": "pcl", "method": "pauc", "lambda-align": 0, "lambda-unif": 0, "lambda-corr": 0}],
             "seeds": [3, 4],
             "eval": {"validation": 64}}
            """;

    @Test
    void aSpecTurnsIntoOneConfigurationPerRun(@TempDir Path dir) throws IOException {
        Spec s = Spec.read(spec(dir, TINY));
        assertEquals(List.of(3L, 4L), s.seeds());
        TrainConfig c = s.config(s.configs().get(1), 4, "cpu", 1);
        assertEquals(List.of(4, 8), c.clustering().clusters());
        assertEquals(0, c.objective().lambdaAlign());
        assertEquals(TrainConfig.Method.PAUC, c.objective().method());
        assertEquals(new TrainConfig.Run(4, 1, "cpu", 0, 2, "fp32", "auto"), c.run());
        assertEquals(TrainConfig.DEFAULTS.optimizer().lr(), c.optimizer().lr(), "unset settings keep their defaults");
        assertEquals(64, s.eval().validation());
    }

    @Test
    void badSpecsAreOneLineErrors(@TempDir Path dir) throws IOException {
        Path file = spec(dir, "{}");
        var reserved = assertThrows(InputException.class, () -> Spec.read(spec(dir,
                "{\"name\": \"x\", \"configs\": [{\"name\": \"a\", \"backend\": \"cpu\"}], \"seeds\": [0]}")));
        assertEquals(file + ": --backend is set by the runner, not the spec", reserved.getMessage());
        var twice = assertThrows(InputException.class, () -> Spec.read(spec(dir,
                "{\"name\": \"x\", \"configs\": [{\"name\": \"a\"}, {\"name\": \"a\"}], \"seeds\": [0]}")));
        assertTrue(twice.getMessage().contains("used twice"), twice.getMessage());
        var key = assertThrows(InputException.class, () -> Spec.read(spec(dir,
                "{\"name\": \"x\", \"config\": [], \"seeds\": [0]}")));
        assertTrue(key.getMessage().contains("unknown key \"config\""), key.getMessage());
        var json = assertThrows(InputException.class, () -> Spec.read(spec(dir, "{\"name\": ")));
        assertTrue(json.getMessage().contains("not valid JSON") && !json.getMessage().contains("\n"), json.getMessage());
        for (String bad : List.of(
                "{\"name\": \"x\", \"train\": [1, 2], \"configs\": [{\"name\": \"a\"}], \"seeds\": [0]}",
                "{\"name\": \"x\", \"configs\": [{\"name\": \"..\"}], \"seeds\": [0]}",
                "{\"name\": \"x\", \"configs\": [{\"epochs\": 2}], \"seeds\": [0]}",
                "{\"name\": \"x\", \"configs\": [{\"name\": \"a\"}], \"seeds\": [0], \"eval\": {\"validation\": -5}}",
                "{\"name\": \"x\", \"configs\": [{\"name\": \"a\", \"epochs\": \"20\"}], \"seeds\": [0]}",
                "{\"name\": \"x\", \"configs\": [{\"name\": \"a\", \"lr\": -1}], \"seeds\": [0]}",
                "{\"name\": \"x\", \"configs\": [{\"name\": \"a\"}], \"seeds\": [\"0\"]}",
                "[1, 2]")) {
            var e = assertThrows(InputException.class, () -> Spec.read(spec(dir, bad)), bad);
            assertTrue(e.getMessage().startsWith(file.toString()) && !e.getMessage().contains("\n"), e.getMessage());
        }
    }

    @Test
    void runsResumeSkipFinishedOnesAndReportOnlyFinishedBudgets(@TempDir Path dir) throws IOException {
        Spec s = Spec.read(spec(dir, TINY));
        Path out = dir.resolve("out");
        Runner.Data data = Runner.data(s, s.config(s.configs().get(0), 3, "cpu", 1), Path.of("."), null);
        assertEquals(96, data.train().n());
        assertEquals(64, data.eval().n());
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
        List<Runner.RunResult> first = Runner.run(s, out, "cpu", 1, 2, data, quiet);
        assertEquals(4, first.size());
        for (Runner.RunResult r : first) {
            assertEquals(1, r.epochs());
            assertTrue(r.metrics().get("linear_probe_top1") > 0 && r.trainSeconds() > 0, r.toString());
        }
        // a finished run is skipped: its eval.json is kept as it is
        Path done = Runner.runDir(out, "pcl", 4).resolve("eval.json");
        String before = Files.readString(done);
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Runner.run(s, out, "cpu", 1, 1, data, new PrintStream(log));
        assertTrue(log.toString().contains("0 run(s) to do"), log.toString());
        assertEquals(before, Files.readString(done));
        // a run without eval.json (an unfinished budget) is not reported
        Files.delete(done);
        assertEquals(3, Runner.collect(s, out).size());
        String md = Report.write(s, Runner.collect(s, out), Map.of(), out, "pcl", false);
        assertTrue(md.contains("| pcl | 1 |") && md.contains("| moco | 2 |"), md);
        assertTrue(Files.readString(out.resolve("results.csv")).lines().count() == 4);
    }

    @Test
    void anInterruptedRunResumesFromItsCheckpoint(@TempDir Path dir) throws IOException {
        Spec s = Spec.read(spec(dir, TINY.replace("\"epochs\": 1", "\"epochs\": 2").replace("\"seeds\": [3, 4]", "\"seeds\": [3]")));
        Path out = dir.resolve("out");
        TrainConfig moco = s.config(s.configs().get(0), 3, "cpu", 1);
        Runner.Data data = Runner.data(s, moco, Path.of("."), null);
        Path run = Runner.runDir(out, "moco", 3);
        // the run is killed after its first epoch: a checkpoint, no evaluation
        Trainer.run(moco, Trainer.Options.of(data.train(), run, new PrintStream(new ByteArrayOutputStream())).stopAfter(1));
        assertTrue(Runner.collect(s, out).isEmpty(), "an unfinished run is not a result");
        Runner.run(s, out, "cpu", 1, 1, data, new PrintStream(new ByteArrayOutputStream()));
        assertTrue(Files.readString(run.resolve("train.log")).contains("resuming " + run + " after epoch 1 of 2"));
        assertEquals(2, Runner.collect(s, out).stream().filter(r -> r.config().equals("moco")).findFirst().orElseThrow().epochs());
    }

    @Test
    void intervalsUseStudentsT() {
        Report.Estimate e = Report.estimate(List.of(1.0, 2.0, 3.0));
        assertEquals(2.0, e.mean(), 1e-12);
        assertEquals(4.303 * 1.0 / Math.sqrt(3), e.halfWidth(), 1e-12); // sd = 1, t(0.975, 2) = 4.303
        assertTrue(Double.isNaN(Report.estimate(List.of(5.0)).halfWidth()));
        assertEquals(12.706, Report.t975(1), 0);
        assertEquals(1.96, Report.t975(500), 0);
        var runs = List.of(
                new Runner.RunResult("a", 0, 1, 1, Map.of("knn_top1", 0.5)), new Runner.RunResult("a", 1, 1, 1, Map.of("knn_top1", 0.7)),
                new Runner.RunResult("b", 0, 1, 1, Map.of("knn_top1", 0.4)), new Runner.RunResult("b", 1, 1, 1, Map.of("knn_top1", 0.6)));
        Report.Estimate d = Report.paired(runs, "a", "b", "knn_top1");
        assertEquals(0.1, d.mean(), 1e-12);
        assertEquals(0.0, d.halfWidth(), 1e-12); // the same difference on both seeds
    }
}
