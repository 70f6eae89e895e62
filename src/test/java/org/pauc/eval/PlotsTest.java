package org.pauc.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The figures are written as PNG files (headless). */
class PlotsTest {
    private static final byte[] PNG = {(byte) 0x89, 'P', 'N', 'G'};

    private static void assertPng(Path f) throws IOException {
        byte[] b = Files.readAllBytes(f);
        assertTrue(b.length > 1000, f + " is " + b.length + " bytes");
        assertArrayEquals(PNG, Arrays.copyOf(b, 4), f + " is not a PNG");
    }

    @Test
    void writesTheThreeFigures(@TempDir Path dir) throws IOException {
        System.setProperty("java.awt.headless", "true");
        Path log = dir.resolve("log.jsonl");
        Files.writeString(log, """
                {"epoch":1,"loss":8.0,"infoNce":7.0,"protoNce":0.0,"align":0.0,"uniformity":-2.0,"knnTop1":null}
                {"epoch":2,"loss":7.5,"infoNce":6.5,"protoNce":4.0,"align":1.0,"uniformity":-2.5,"knnTop1":0.6}
                """);
        assertTrue(Plots.trainingCurves(log, dir.resolve("training.png")));
        assertPng(dir.resolve("training.png"));
        assertFalse(Plots.trainingCurves(dir.resolve("missing.jsonl"), dir.resolve("x.png")));
        SplittableRandom r = new SplittableRandom(1);
        int n = 60;
        float[] x = new float[n * 3];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i % 3;
            for (int a = 0; a < 3; a++) {
                x[i * 3 + a] = (float) ((a == labels[i] ? 1 : 0) + 0.1 * r.nextGaussian());
            }
        }
        Plots.pca(x, n, 3, labels, new String[] {"a", "b", "c"}, "test", dir.resolve("pca.png"));
        assertPng(dir.resolve("pca.png"));
        Plots.clusters(new int[] {5, 7, 1, 30}, new double[] {0.1, 0.2, 0.2, 0.05}, dir.resolve("clusters.png"));
        assertPng(dir.resolve("clusters.png"));
    }
}
