package org.pauc.hostmath;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.pauc.oracle.Mat;
import org.pauc.oracle.layers.Layers;

/** The Vector API GEMM against the oracle's, on shapes with tails in every blocking dimension. */
class GemmTest {
    /** C = 0.5·op(A)·op(B) + β·C on Gaussian operands, with the oracle's result in double. */
    private record Product(boolean ta, boolean tb, int m, int n, int k, float beta, Mat a, Mat b, Mat c, double[] want) {
        static Product of(SplittableRandom r, boolean ta, boolean tb, int m, int n, int k, float beta) {
            Mat a = Mat.gaussian(r, 1, m * k, 1);
            Mat b = Mat.gaussian(r, 1, k * n, 1);
            Mat c = Mat.gaussian(r, 1, m * n, 1);
            double[] want = c.data.clone();
            Layers.gemm(ta, tb, m, n, k, 0.5, a.data, b.data, beta, want);
            return new Product(ta, tb, m, n, k, beta, a, b, c, want);
        }

        float[] run(boolean parallel) {
            float[] got = c.toFloats();
            Gemm.gemm(ta, tb, m, n, k, 0.5f, a.toFloats(), b.toFloats(), beta, got, parallel);
            return got;
        }

        void check(float[] got) {
            for (int i = 0; i < got.length; i++) {
                assertEquals(want[i], got[i], 1e-4 * (1 + Math.abs(want[i])) * Math.sqrt(k),
                        m + "×" + n + "×" + k + " ta=" + ta + " tb=" + tb + " β=" + beta + " at " + i);
            }
        }
    }

    @Test
    void matchesTheOracleForEveryTranspositionAndOddShapes() {
        SplittableRandom r = new SplittableRandom(4);
        // the last: one tile of C with a long k, computed by two tasks split at a row panel
        int[][] shapes = {{1, 1, 1}, {7, 33, 5}, {Gemm.MR + 3, Gemm.NR + 1, Gemm.KC + 9}, {130, 70, 300},
            {Gemm.MR + 1, Gemm.NR, 2 * Gemm.KC + 5}};
        for (int[] s : shapes) {
            int m = s[0];
            int n = s[1];
            int k = s[2];
            for (int t = 0; t < 4; t++) {
                Product q = Product.of(r, (t & 1) != 0, (t & 2) != 0, m, n, k, 2f);
                for (boolean parallel : new boolean[] {false, true}) {
                    q.check(q.run(parallel));
                }
            }
        }
    }

    /** B packed once gives the products of packing it in each GEMM, to the bit, across column blocks and k-slices. */
    @Test
    void aPrePackedBGivesTheSameBits() {
        SplittableRandom r = new SplittableRandom(6);
        int[][] shapes = {{70, Gemm.NC + 40, Gemm.KC + 9}, {9, 33, 2 * Gemm.KC + 1}, {200, 1000, 128},
            {Gemm.MR + 1, Gemm.NR, 2 * Gemm.KC + 5}};
        for (int[] s : shapes) {
            int m = s[0];
            int n = s[1];
            int k = s[2];
            for (boolean tb : new boolean[] {false, true}) {
                float[] a = Mat.gaussian(r, 1, m * k, 1).toFloats();
                float[] b = Mat.gaussian(r, 1, k * n, 1).toFloats();
                Gemm.PackedB packed = Gemm.pack(tb, n, k, b, 0, tb ? k : n);
                for (boolean parallel : new boolean[] {false, true}) {
                    float[] want = new float[m * n];
                    Gemm.gemm(false, tb, m, n, k, -2f, a, 0, k, b, 0, tb ? k : n, 0f, want, 0, n, parallel);
                    float[] got = new float[m * n];
                    Gemm.gemm(false, m, -2f, a, 0, k, packed, got, 0, n, parallel);
                    assertArrayEquals(want, got, m + "×" + n + "×" + k + " tb=" + tb + " parallel=" + parallel);
                }
            }
        }
    }

    /**
     * A row-major B read in place gives the bits of B packed into panels: partial row tiles, several k-slices, a
     * submatrix of a wider array at an offset, both A layouts, each path (one fork-join per slice, one for all of k,
     * split along k), on the caller alone and in parallel.
     */
    @Test
    void bReadInPlaceGivesTheBitsOfAPackedB() {
        SplittableRandom r = new SplittableRandom(9);
        int[][] shapes = {{Gemm.MR + 3, 2 * Gemm.NR, 2 * Gemm.KC + 5}, {Gemm.MC, 3 * Gemm.NR, Gemm.KC + 1},
            {64, Gemm.NR, 3 * Gemm.KC}, {Gemm.MR + 1, Gemm.NR, 9 * Gemm.KC + 7}, {5, 2 * Gemm.NR, 100}};
        for (int[] s : shapes) {
            int m = s[0];
            int n = s[1];
            int k = s[2];
            int ldb = n + 7;
            int offB = 11;
            assertTrue(Gemm.readsBInPlace(false, m, n), m + "×" + n + " reads B in place");
            float[] b = Mat.gaussian(r, 1, offB + k * ldb, 1).toFloats();
            for (boolean ta : new boolean[] {false, true}) {
                float[] a = Mat.gaussian(r, 1, m * k, 1).toFloats();
                for (boolean parallel : new boolean[] {false, true}) {
                    float[][] out = new float[2][];
                    for (int packed = 0; packed < 2; packed++) {
                        float[] c = Mat.gaussian(new SplittableRandom(3), 1, m * n, 1).toFloats();
                        Gemm.packEveryB = packed == 1;
                        try {
                            Gemm.gemm(ta, false, m, n, k, 1f, a, 0, ta ? m : k, b, offB, ldb, 0.5f, c, 0, n,
                                    parallel);
                        } finally {
                            Gemm.packEveryB = false;
                        }
                        out[packed] = c;
                    }
                    assertArrayEquals(out[1], out[0], m + "×" + n + "×" + k + " ta=" + ta + " parallel=" + parallel);
                }
            }
        }
        assertFalse(Gemm.readsBInPlace(true, 8, Gemm.NR), "a transposed B is packed");
        assertFalse(Gemm.readsBInPlace(false, 8, Gemm.NR + 1), "a partial panel is packed");
        assertFalse(Gemm.readsBInPlace(false, Gemm.MC + 1, Gemm.NR), "B shared by several row blocks is packed");
    }

    @Test
    void resultsDoNotDependOnTheThreadCount() {
        SplittableRandom r = new SplittableRandom(5);
        float[] a = Mat.gaussian(r, 1, 300 * 257, 1).toFloats();
        float[] b = Mat.gaussian(r, 1, 257 * 190, 1).toFloats();
        int[] counts = {1, 2, 16, 64};
        float[][] out = new float[counts.length][];
        for (int i = 0; i < counts.length; i++) {
            float[] c = new float[300 * 190];
            try (Parallel p = new Parallel(counts[i])) {
                p.run(() -> Gemm.gemm(false, false, 300, 190, 257, 1f, a, b, 0f, c, true));
            }
            out[i] = c;
        }
        for (int i = 1; i < counts.length; i++) {
            assertArrayEquals(out[0], out[i], counts[i] + " threads");
        }
    }

    /** A small output with a long k is summed in parts along k: near the oracle, the same bits for any threads. */
    @Test
    void aLongKProductSplitAlongKMatchesTheOracleWhateverTheThreads() {
        SplittableRandom r = new SplittableRandom(8);
        int m = 40;
        int n = 70;
        int k = 9 * Gemm.KC + 7;
        assertTrue(Gemm.kParts(m, n, k, true) > 1, "the shape is split");
        assertTrue((long) m * n * k >= Gemm.FORK_MACS, "the parts run on the pool's threads");
        for (float beta : new float[] {0f, 1.5f}) {
            for (int t = 0; t < 4; t++) {
                Product q = Product.of(r, (t & 1) != 0, (t & 2) != 0, m, n, k, beta);
                float[] first = null;
                for (int threads : new int[] {1, 2, 16}) {
                    float[] got;
                    try (Parallel p = new Parallel(threads)) {
                        got = p.call(() -> q.run(true));
                    }
                    q.check(got);
                    if (first == null) {
                        first = got;
                    } else {
                        assertArrayEquals(first, got, threads + " threads");
                    }
                }
            }
        }
        assertEquals(1, Gemm.kParts(m, n, k, false), "a product on one thread is not split");
        assertEquals(1, Gemm.kParts(m, n, 2 * Gemm.KC, true), "a short k is not split");
        assertEquals(1, Gemm.kParts(1024, 1024, 64 * Gemm.KC, true), "a large output is not split");
    }

    /** A quarter of the L2 for the packed A block, at most 128 rows, at least four register blocks, or the rows named. */
    @Test
    void theRowBlockFollowsTheL2CacheUpTo128Rows() {
        assertEquals(128, Gemm.rowsPerBlock(0, 8, null), "no size reported");
        assertEquals(128, Gemm.rowsPerBlock(1 << 20, 8, null), "1 MiB");
        assertEquals(128, Gemm.rowsPerBlock(2 << 20, 8, null), "2 MiB: capped");
        assertEquals(64, Gemm.rowsPerBlock(512 << 10, 8, null), "512 KiB");
        assertEquals(32, Gemm.rowsPerBlock(256 << 10, 8, null), "256 KiB");
        assertEquals(32, Gemm.rowsPerBlock(64 << 10, 8, null), "at least four register blocks");
        assertEquals(125, Gemm.rowsPerBlock(1 << 20, 5, null), "whole register blocks of 5 rows");
        assertEquals(60, Gemm.rowsPerBlock(512 << 10, 5, null));
        assertEquals(96, Gemm.rowsPerBlock(2 << 20, 8, "100"), "named, rounded down to register blocks");
        assertEquals(128, Gemm.rowsPerBlock(2 << 20, 8, "many"), "an invalid name is refused by the CLI, ignored here");
        assertEquals(null, Gemm.rowsProblem("256"));
        assertTrue(Gemm.rowsProblem("many").startsWith("-Dpauc.gemm.mc=many: "), Gemm.rowsProblem("many"));
        assertTrue(Gemm.rowsProblem("1") != null && Gemm.rowsProblem("99999") != null);
        assertTrue(Gemm.MC % Gemm.MR == 0 && Gemm.MC <= 128, "this machine's: " + Gemm.MC);
    }

    /** The row block decides which task computes what, never a sum: other blocks give this JVM's bits. */
    @Test
    void theRowBlockChangesNoBits() throws Exception {
        String here = GemmRowsProbe.digest();
        for (String rows : new String[] {"32", "256"}) {
            Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "--add-modules", "jdk.incubator.vector", "-D" + Gemm.ROWS_PROPERTY + "=" + rows,
                    "-D" + VectorWidth.PROPERTY + "=" + Gemm.S.vectorBitSize(), "-cp",
                    System.getProperty("java.class.path"), GemmRowsProbe.class.getName()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, p.waitFor(), out);
            assertEquals("MC " + rows + " " + here, out.strip().lines().reduce((x, y) -> y).orElse(""), out);
        }
    }

    @Test
    void scratchGrowsAndIsReused() {
        Scratch s = new Scratch();
        float[] a = s.get(10);
        assertTrue(a.length >= 10);
        assertSame(a, s.get(5), "a smaller request reuses the array");
        assertTrue(s.get(100).length >= 100);
    }
}
