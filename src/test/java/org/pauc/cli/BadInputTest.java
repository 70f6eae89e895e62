package org.pauc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pauc.testing.TinyImages;

/** Bad input of every kind: exit code 2 and exactly one line on stderr that names the input, never a trace. */
class BadInputTest {
    static final String V1 = "src/test/resources/checkpoint-v1/checkpoint.safetensors";

    static void assertBadInput(String expected, String... args) {
        CliTest.Run r = CliTest.run(args);
        String cmd = String.join(" ", args);
        assertEquals(2, r.code(), cmd + ": " + r.err() + r.out());
        List<String> lines = r.err().lines().toList();
        assertEquals(1, lines.size(), cmd + ": " + r.err());
        assertTrue(lines.get(0).startsWith("pauc: ") && lines.get(0).contains(expected), cmd + ": " + lines.get(0));
    }

    @Test
    void trainingSettingsOutOfRange() {
        assertBadInput("--lr must be in (0, 100], got 0", "train", "--lr", "0");
        assertBadInput("--tau must be in (0, 100], got Infinity", "train", "--tau", "Infinity");
        assertBadInput("--key-momentum must be in [0, 1], got 2", "train", "--key-momentum", "2");
        assertBadInput("--t must be in (0, 1000], got -1", "train", "--t", "-1");
        assertBadInput("--phi-alpha must be in (0, 1000000], got NaN", "train", "--phi-alpha", "NaN");
        assertBadInput("--jitter must be in [0, 1], got NaN", "train", "--jitter", "NaN");
        assertBadInput("--limit must be ≥ 0, got -5", "train", "--limit", "-5");
        assertBadInput("--dim must be in [1, 65536], got 1073741824", "train", "--dim", "1073741824");
        assertBadInput("--queue must be in [1, 1048576], got 2147483647", "train", "--queue", "2147483647");
        assertBadInput("--image-size must be in [1, 4096], got 30000", "train", "--image-size", "30000");
        assertBadInput("--kmeans-restarts must be in [1, 1000], got 0", "train", "--kmeans-restarts", "0");
        assertBadInput("--blur-sigma-min must be in (0, 64], got 1000000", "train", "--blur-sigma-min", "1e6");
        assertBadInput("--method must be one of moco, pcl, pauc, got 'simclr'", "train", "--method", "simclr");
        assertBadInput("--epochs expects an integer, got 'x'", "train", "--epochs", "x");
        assertBadInput("Unknown option", "train", "--bogus", "1");
        assertBadInput("unknown dataset 'nowhere'", "train", "--dataset", "nowhere");
    }

    @Test
    void otherCommandsFlagsOutOfRange(@TempDir Path dir) {
        assertBadInput("--knn-t must be in (0, 100], got 0", "eval", "--checkpoint", V1, "--knn-t", "0");
        assertBadInput("--knn-t must be in (0, 100], got NaN", "eval", "--checkpoint", V1, "--knn-t", "NaN");
        assertBadInput("--knn-k must be in [1, 100000], got 0", "eval", "--checkpoint", V1, "--knn-k", "0");
        assertBadInput("does not exist or is not writable", "eval", "--checkpoint", V1, "--json",
                dir.resolve("no").resolve("e.json").toString());
        assertBadInput("--gemm must be in [1, 16384], got -5", "bench", "--gemm", "-5");
        assertBadInput("--gemm must be in [1, 16384], got 30000", "bench", "--gemm", "30000");
        assertBadInput("unknown backend 'bogus'", "equivalence", "--backend", "cpu", "--against", "bogus");
    }

    @Test
    void filesThatAreNotWhatTheyShouldBe(@TempDir Path dir) throws IOException, InterruptedException {
        Path fifo = dir.resolve("fifo");
        Process p = new ProcessBuilder("mkfifo", fifo.toString()).start();
        assertEquals(0, p.waitFor());
        List<String[]> cases = new ArrayList<>();
        cases.add(new String[] {"found not a regular file", "eval", "--checkpoint", fifo.toString()});
        cases.add(new String[] {"found a folder", "eval", "--checkpoint", dir.toString()});
        cases.add(new String[] {"no such safetensors file", "eval", "--checkpoint", dir.resolve("none").toString()});
        Path garbage = Files.writeString(dir.resolve("garbage.safetensors"), "garbage!garbage!garbage");
        cases.add(new String[] {"not a safetensors file", "eval", "--checkpoint", garbage.toString()});
        cases.add(new String[] {"not a safetensors file", "export", "--checkpoint", garbage.toString(), "--out",
            dir.resolve("m.onnx").toString()});
        cases.add(new String[] {"--part must be backbone or backbone+head", "export", "--checkpoint", V1, "--out",
            dir.resolve("m.onnx").toString(), "--part", "head"});
        cases.add(new String[] {"not a safetensors file", "embed", "--checkpoint", garbage.toString(), "--out",
            dir.resolve("e.safetensors").toString()});
        cases.add(new String[] {"--output must be features or projections", "embed", "--checkpoint", V1, "--out",
            dir.resolve("e.safetensors").toString(), "--output", "logits"});
        Path spec = Files.writeString(dir.resolve("spec.json"),
                "{\"name\": \"x\", \"train\": [1, 2], \"configs\": [{\"name\": \"a\"}], \"seeds\": [0]}");
        cases.add(new String[] {"\"train\" must be an object of settings", "experiment", spec.toString()});
        cases.add(new String[] {"found not a regular file", "experiment", fifo.toString()});
        Path run = Files.createDirectories(dir.resolve("run"));
        Files.createSymbolicLink(run.resolve("checkpoint.safetensors"), fifo);
        cases.add(new String[] {"found not a regular file", "train", "--resume", run.toString(), "--backend", "cpu"});
        for (String[] c : cases) {
            String[] args = new String[c.length - 1];
            System.arraycopy(c, 1, args, 0, args.length);
            assertBadInput(c[0], args);
        }
        Path rgb = dir.resolve("rgb");
        TinyImages.classFolders(rgb, 2, 3, 28, 1);
        TinyImages.classFolders(rgb.resolve("test"), 2, 2, 28, 2);
        assertBadInput("does not fit 28×28×3 images: tensor encoder_q.backbone.conv1.weight has shape [3, 3, 1, 32]",
                "eval", "--checkpoint", V1, "--dataset", rgb.toString(), "--backend", "cpu");
        CliTest.Run r = CliTest.run("reference", "check", fifo.toString());
        assertEquals(2, r.code(), "a vector that cannot be read is bad input");
        assertTrue(r.out().contains("not a regular file"), r.out());
    }
}
