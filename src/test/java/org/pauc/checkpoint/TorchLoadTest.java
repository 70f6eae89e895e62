package org.pauc.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pauc.cli.Main;

/**
 * PyTorch reads a pauc checkpoint with a minimal safetensors reader, builds the same network and reproduces
 * `pauc embed` (reference-tests/torch_load_check.py). Runs where python3 can import torch (Debian's python3-torch);
 * elsewhere it is skipped and says why.
 */
class TorchLoadTest {
    static final Path PYTHON = Path.of("/usr/bin/python3");

    static String torchMissing() throws InterruptedException {
        if (!Files.isExecutable(PYTHON)) {
            return "no " + PYTHON;
        }
        try {
            Process p = new ProcessBuilder(PYTHON.toString(), "-c", "import torch, numpy").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0 ? null
                    : "python3 cannot import torch and numpy (apt-get install python3-torch python3-numpy)";
        } catch (IOException e) {
            return "python3 does not start: " + e.getMessage();
        }
    }

    @Test
    void pytorchReproducesPaucEmbed(@TempDir Path dir) throws Exception {
        String missing = torchMissing();
        if (missing != null) {
            System.out.println("[torch] PyTorch loading check skipped: " + missing);
        }
        assumeTrue(missing == null, missing);
        Path ckpt = Path.of("src/test/resources/checkpoint-v1/checkpoint.safetensors");
        PrintWriter quiet = new PrintWriter(OutputStream.nullOutputStream());
        for (String output : new String[] {"features", "projections"}) {
            assertEquals(0, Main.execute(new String[] {"embed", "--checkpoint", ckpt.toString(), "--output", output,
                "--out", dir.resolve(output + ".safetensors").toString(), "--backend", "cpu"}, quiet, quiet));
        }
        Process p = new ProcessBuilder(PYTHON.toString(), "reference-tests/torch_load_check.py", ckpt.toString(),
                dir.resolve("features.safetensors").toString(), dir.resolve("projections.safetensors").toString(),
                "small-datasets/fashion-mnist-small/t10k-images-idx3-ubyte.gz").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS));
        System.out.print("[torch] " + out.replace("\n", "\n[torch] ").stripTrailing() + "\n");
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.strip().endsWith("PASS"), out);
    }
}
