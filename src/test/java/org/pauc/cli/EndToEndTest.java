package org.pauc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pauc.checkpoint.Checkpoint;
import org.pauc.testing.TinyImages;

/** The command line as a user runs it: train, resume, eval and experiment on a few hundred generated images. */
class EndToEndTest {
    static final String[] SMALL = {"--image-size", "12", "--batch-size", "32", "--clusters", "4,8", "--queue", "64",
        "--dim", "8", "--neg-prototypes", "4", "--warmup-epochs", "1", "--backend", "cpu"};

    static String[] args(String first, String[] more, String... rest) {
        String[] a = new String[1 + more.length + rest.length];
        a[0] = first;
        System.arraycopy(more, 0, a, 1, more.length);
        System.arraycopy(rest, 0, a, 1 + more.length, rest.length);
        return a;
    }

    @Test
    void trainResumeAndEvalAFolderDataset(@TempDir Path dir) throws IOException {
        Path data = dir.resolve("shapes");
        TinyImages.classFolders(data, 3, 80, 16, 1);
        TinyImages.classFolders(data.resolve("test"), 3, 20, 16, 2);
        Path run = dir.resolve("run");
        CliTest.Run r = CliTest.run(args("train", SMALL, "--dataset", data.toString(), "--epochs", "2", "--out",
                run.toString(), "--method", "pcl"));
        assertEquals(0, r.code(), r.err());
        assertEquals(2, Checkpoint.read(run.resolve(Checkpoint.FILE)).epochsDone());
        assertTrue(Files.readString(run.resolve("config.json")).contains("\"method\":\"pcl\""));
        // resuming a finished run trains nothing more and keeps the log
        r = CliTest.run(args("train", SMALL, "--dataset", data.toString(), "--epochs", "2", "--resume", run.toString(),
                "--method", "pcl"));
        assertEquals(0, r.code(), r.err());
        assertEquals(2, Files.readAllLines(run.resolve("log.jsonl")).size());
        // resuming with another setting is refused in one line
        r = CliTest.run(args("train", SMALL, "--dataset", data.toString(), "--epochs", "3", "--resume", run.toString(),
                "--method", "pcl"));
        assertEquals(2, r.code());
        assertTrue(r.err().contains("written by another configuration") && r.err().lines().count() == 1, r.err());
        Path json = dir.resolve("eval.json");
        r = CliTest.run("eval", "--checkpoint", run.resolve(Checkpoint.FILE).toString(), "--dataset", data.toString(),
                "--image-size", "12", "--backend", "cpu", "--knn-k", "10", "--json", json.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("checkpoint") && r.out().contains("raw pixels") && r.out().contains("coagulation"),
                r.out());
        assertTrue(Files.readString(json).contains("\"knn_top1\""));
        assertTrue(Files.isRegularFile(run.resolve("plots").resolve("pca.png")));
    }

    @Test
    void resnet50TrainsAndResumesOnSixtyFourPixelImages(@TempDir Path dir) throws IOException {
        Path data = dir.resolve("photos");
        TinyImages.classFolders(data, 2, 8, 64, 3);
        Path run = dir.resolve("r50");
        String[] flags = {"--dataset", data.toString(), "--image-size", "64", "--encoder", "resnet50", "--dim", "16",
            "--method", "pcl", "--clusters", "2", "--warmup-epochs", "1", "--neg-prototypes", "1", "--batch-size", "8",
            "--queue", "16", "--epochs", "2", "--backend", "cpu"};
        CliTest.Run r = CliTest.run(args("train", flags, "--out", run.toString()));
        assertEquals(0, r.code(), r.err());
        Checkpoint.Contents c = Checkpoint.read(run.resolve(Checkpoint.FILE));
        assertEquals(2, c.epochsDone());
        assertTrue(c.tensors().containsKey("encoder_q.backbone.layer4.2.conv3.weight"));
        r = CliTest.run(args("train", flags, "--resume", run.toString()));
        assertEquals(0, r.code(), r.err());
    }

    @Test
    void anExperimentRunsEvaluatesAndReports(@TempDir Path dir) throws IOException {
        Path data = dir.resolve("shapes");
        TinyImages.classFolders(data, 3, 60, 16, 1);
        Path spec = Files.writeString(dir.resolve("spec.json"), """
                {"name": "tiny", "train": {"dataset": "%s", "image-size": 12, "epochs": 1, "batch-size": 32,
                  "clusters": [4, 8], "queue": 64, "dim": 8, "neg-prototypes": 4, "warmup-epochs": 0},
                 "configs": [{"name": "moco", "method": "moco"}, {"name": "pcl", "method": "pcl"}],
                 "seeds": [0], "eval": {"validation": 60}}
                """.formatted(data.toString().replace("\\", "\\\\")));
        Path out = dir.resolve("out");
        CliTest.Run r = CliTest.run("experiment", spec.toString(), "--backend", "cpu", "--threads", "1", "--out",
                out.toString(), "--no-plots");
        assertEquals(0, r.code(), r.err() + r.out());
        assertTrue(r.out().contains("2 of 2 runs finished"), r.out());
        assertTrue(Files.readString(out.resolve("summary.md")).contains("| pcl |"));
        assertEquals(3, Files.readAllLines(out.resolve("results.csv")).size());
    }
}
