package org.pauc.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pauc.config.TrainConfig;

class IdxTest {

    static byte[] idx(int magic, int[] dims, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + payload.length);
        b.putInt(magic);
        for (int d : dims) {
            b.putInt(d);
        }
        b.put(payload);
        return b.array();
    }

    static byte[] gzip(byte[] content) throws IOException {
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        try (OutputStream o = new GZIPOutputStream(bo)) {
            o.write(content);
        }
        return bo.toByteArray();
    }

    static void write(Path file, byte[] content, boolean gzip) throws IOException {
        Files.write(file, gzip ? gzip(content) : content);
    }

    /** A tiny Fashion-MNIST-like folder: n images of 2×3 and their labels. */
    static void dataset(Path dir, String prefix, int n, boolean gzip) throws IOException {
        byte[] pixels = new byte[n * 6];
        byte[] labels = new byte[n];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (byte) (i * 37);
        }
        for (int i = 0; i < n; i++) {
            labels[i] = (byte) (i % 10);
        }
        String ext = gzip ? ".gz" : "";
        write(dir.resolve(prefix + "-images-idx3-ubyte" + ext), idx(0x803, new int[] {n, 2, 3}, pixels), gzip);
        write(dir.resolve(prefix + "-labels-idx1-ubyte" + ext), idx(0x801, new int[] {n}, labels), gzip);
    }

    @Test
    void readsPlainAndGzipFiles(@TempDir Path dir) throws IOException {
        dataset(dir, "train", 5, true);
        dataset(dir, "t10k", 3, false);
        Datasets.Splits s = Datasets.idxPair(dir, "tiny");
        assertEquals(5, s.train().n());
        assertEquals(3, s.test().n());
        assertEquals(2, s.train().h());
        assertEquals(3, s.train().w());
        assertArrayEquals(new int[] {0, 1, 2, 3, 4}, s.train().labels());
        assertEquals((37 & 0xff) / 255f, s.train().pixels()[1], 0);
        assertEquals(((2 * 37) & 0xff) / 255f, s.train().pixels()[2], 0);
    }

    @Test
    void badFilesNameTheFileAndTheProblem(@TempDir Path dir) throws IOException {
        dataset(dir, "train", 5, true);
        dataset(dir, "t10k", 3, true);
        Path images = dir.resolve("train-images-idx3-ubyte.gz");
        byte[] full = idx(0x803, new int[] {5, 2, 3}, new byte[30]);
        write(images, Arrays.copyOf(full, full.length - 7), true);
        var e = assertThrows(DataException.class, () -> Datasets.idxPair(dir, "tiny"));
        assertEquals(images + ": the header announces 5 images of 2×3 (46 bytes), the file holds 39", e.getMessage());
        // a header that claims 2³¹−1 images fails before anything is allocated
        write(images, idx(0x803, new int[] {Integer.MAX_VALUE, 1, 1}, new byte[4]), false);
        e = assertThrows(DataException.class, () -> Datasets.idxPair(dir, "tiny"));
        assertTrue(e.getMessage().contains("the header announces 2147483647 images"), e.getMessage());
        // a gzip stream whose CRC does not match its data
        byte[] gz = gzip(full);
        gz[gz.length - 8] ^= 1;
        Files.write(images, gz);
        e = assertThrows(DataException.class, () -> Datasets.idxPair(dir, "tiny"));
        assertTrue(e.getMessage().contains("corrupt gzip data"), e.getMessage());
        write(images, full, true);

        write(images, idx(0x801, new int[] {5}, new byte[5]), true);
        e = assertThrows(DataException.class, () -> Datasets.idxPair(dir, "tiny"));
        assertTrue(e.getMessage().contains("not an IDX image file"), e.getMessage());

        write(images, idx(0x803, new int[] {4, 2, 3}, new byte[24]), true);
        e = assertThrows(DataException.class, () -> Datasets.idxPair(dir, "tiny"));
        assertTrue(e.getMessage().contains("5 labels for 4 images"), e.getMessage());

        Files.delete(dir.resolve("t10k-labels-idx1-ubyte.gz"));
        dataset(dir, "train", 5, true);
        e = assertThrows(DataException.class, () -> Datasets.idxPair(dir, "tiny"));
        assertTrue(e.getMessage().contains("t10k-labels-idx1-ubyte.gz: missing"), e.getMessage());
    }

    @Test
    void theEmbeddedSubsetIsClassBalanced() throws IOException {
        Datasets.Splits s = Datasets.load(Datasets.Request.of(Datasets.SMALL, Path.of("."), 28));
        assertEquals(10000, s.train().n());
        assertEquals(2000, s.test().n());
        int[] count = new int[10];
        for (int l : s.train().labels()) {
            count[l]++;
        }
        for (int c : count) {
            assertEquals(1000, c);
        }
    }

    @Test
    void augmentedViewsDependOnlyOnSeedEpochIndexAndView() throws IOException {
        Dataset ds = Datasets.load(Datasets.Request.of(Datasets.SMALL, Path.of("."), 28)).train().head(4);
        Augment a = new Augment(TrainConfig.Augmentation.DEFAULT, 7);
        float[] x = new float[784];
        float[] y = new float[784];
        a.view(ds, 2, 3, 0, x, 0);
        a.view(ds, 1, 3, 0, y, 0); // another call in between must not matter
        a.view(ds, 2, 3, 0, y, 0);
        assertArrayEquals(x, y);
        a.view(ds, 2, 3, 1, y, 0);
        assertTrue(!Arrays.equals(x, y), "the two views differ");
        for (float v : x) {
            assertTrue(v >= 0 && v <= 1);
        }
    }
}
