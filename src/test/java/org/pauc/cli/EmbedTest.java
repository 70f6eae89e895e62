package org.pauc.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pauc.backend.Backend;
import org.pauc.backend.Backends;
import org.pauc.backend.Buffer;
import org.pauc.checkpoint.Checkpoint;
import org.pauc.data.Dataset;
import org.pauc.data.Datasets;
import org.pauc.eval.Evaluator;
import org.pauc.io.SafeTensors;
import org.pauc.nn.Network;
import org.pauc.testing.TinyImages;

/** `pauc embed` and label-free `pauc eval`: the files they write, read back and checked against pauc's forward. */
class EmbedTest {
    static final Path V1 = Path.of("src/test/resources/checkpoint-v1/checkpoint.safetensors");

    static float[] forward(Dataset d, boolean projections) throws IOException {
        try (Backend be = Backends.create("cpu", 2); Network net = Evaluator.load(Checkpoint.read(V1), be, d);
             Buffer x = be.upload(d.pixels())) {
            if (!projections) {
                return be.download(net.backbone(be, x, d.n()));
            }
            Buffer u = net.forward(be, x, d.n(), false);
            try (Buffer v = be.allocate(u.size())) {
                be.l2Normalize(d.n(), net.output().size(), u, v, 1e-12f);
                return be.download(v);
            }
        }
    }

    static void assertClose(float[] want, float[] got) {
        assertEquals(want.length, got.length);
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], 1e-5 * (1 + Math.abs(want[i])), "element " + i);
        }
    }

    @Test
    void embedsTheTestSplitInOrderWithLabelsAndSources(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("test.safetensors");
        CliTest.Run r = CliTest.run("embed", "--checkpoint", V1.toString(), "--split", "test", "--out", out.toString(),
                "--backend", "cpu");
        assertEquals(0, r.code(), r.err());
        Dataset test = Datasets.load(Datasets.Request.of(Datasets.SMALL, Path.of("."), 28)).test();
        SafeTensors.Contents c = SafeTensors.read(out);
        assertArrayEquals(new int[] {test.n(), 128}, c.tensors().get("features").shape());
        assertClose(forward(test, false), c.tensors().get("features").data());
        int[] index = c.ints().get("index").data();
        for (int i = 0; i < index.length; i++) {
            assertEquals(i, index[i]);
        }
        assertArrayEquals(test.labels(), c.ints().get("label").data());
        assertEquals("pauc-embeddings/1", c.metadata().get("format"));
        List<String> sources = Files.readAllLines(dir.resolve("test.sources.txt"));
        assertEquals(test.n(), sources.size());
        assertEquals(test.name() + "#17", sources.get(17));
    }

    @Test
    void anUnlabeledFolderEmbedsAsProjectionsNpyAndCsv(@TempDir Path dir) throws IOException {
        Path images = dir.resolve("photos");
        TinyImages.unlabeled(images, 40, 30, 9);
        Files.move(images.resolve("img-003.png"), images.resolve("a-first.png")); // sorted order, not creation order
        Dataset d = Datasets.load(Datasets.Request.of(images.toString(), Path.of("."), 12)).train();
        // the committed checkpoint is of 28×28×1 images; a folder is RGB: train one of its shape
        Path run = dir.resolve("run");
        CliTest.Run t = CliTest.run(EndToEndTest.args("train", EndToEndTest.SMALL, "--dataset", images.toString(),
                "--epochs", "1", "--out", run.toString(), "--method", "moco"));
        assertEquals(0, t.code(), t.err());
        Path ckpt = run.resolve(Checkpoint.FILE);
        Path st = dir.resolve("e.safetensors");
        assertEquals(0, CliTest.run("embed", "--checkpoint", ckpt.toString(), "--dataset", images.toString(),
                "--split", "train", "--image-size", "12", "--output", "projections", "--out", st.toString(), "--backend",
                "cpu").code());
        SafeTensors.Contents c = SafeTensors.read(st);
        assertFalse(c.ints().containsKey("label"), "no labels for unlabelled images");
        float[] v = c.tensors().get("features").data();
        int dim = c.tensors().get("features").shape()[1];
        for (int i = 0; i < d.n(); i++) {
            double s = 0;
            for (int j = 0; j < dim; j++) {
                s += v[i * dim + j] * v[i * dim + j];
            }
            assertEquals(1, s, 1e-4, "projections are unit rows");
        }
        List<String> sources = Files.readAllLines(dir.resolve("e.sources.txt"));
        assertEquals(images.resolve("a-first.png").toString(), sources.get(0));
        Path npy = dir.resolve("e.npy");
        assertEquals(0, CliTest.run("embed", "--checkpoint", ckpt.toString(), "--dataset", images.toString(),
                "--split", "train", "--image-size", "12", "--out", npy.toString(), "--backend", "cpu").code());
        byte[] b = Files.readAllBytes(npy);
        String header = new String(b, 10, (b[8] & 0xff) | (b[9] & 0xff) << 8, StandardCharsets.US_ASCII);
        assertTrue(header.contains("'shape': (40, 128)") && header.contains("'<f4'"), header);
        assertEquals(10 + header.length() + 40 * 128 * 4, b.length);
        Path csv = dir.resolve("e.csv");
        assertEquals(0, CliTest.run("embed", "--checkpoint", ckpt.toString(), "--dataset", images.toString(),
                "--split", "train", "--image-size", "12", "--out", csv.toString(), "--backend", "cpu").code());
        List<String> rows = Files.readAllLines(csv);
        assertEquals(41, rows.size());
        assertTrue(rows.get(1).startsWith("0,,"), rows.get(1));
        // label-free evaluation of the same folder
        CliTest.Run e = CliTest.run("eval", "--checkpoint", ckpt.toString(), "--dataset", images.toString(),
                "--image-size", "12", "--backend", "cpu", "--knn-k", "10", "--json", dir.resolve("eval.json").toString());
        assertEquals(0, e.code(), e.err());
        assertTrue(e.out().contains("not available") && e.out().contains("n/a") && e.out().contains("clusters"),
                e.out());
        assertTrue(Files.readString(dir.resolve("eval.json")).contains("\"cluster_size_max\""));
    }
}
