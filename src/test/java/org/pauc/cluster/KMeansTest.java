package org.pauc.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pauc.config.TrainConfig.KMeansInit;
import org.pauc.hostmath.Parallel;
import org.pauc.hostmath.Seeds;

class KMeansTest {

    /** n points around k well-separated centres in d dimensions; labels by construction. */
    static float[] blobs(int n, int d, int k, int[] labels, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[n * d];
        for (int i = 0; i < n; i++) {
            labels[i] = i % k;
            for (int a = 0; a < d; a++) {
                x[i * d + a] = (float) ((a == labels[i] ? 10 : 0) + 0.1 * r.nextGaussian());
            }
        }
        return x;
    }

    @Test
    void separatesWellSeparatedBlobsExactly() {
        int n = 600;
        int d = 8;
        int k = 5;
        int[] truth = new int[n];
        float[] x = blobs(n, d, k, truth, 1);
        for (KMeansInit init : KMeansInit.values()) {
            KMeans.Result r = KMeans.fit(x, n, d, k, 20, 3, init, 0);
            int[] map = new int[k];
            Arrays.fill(map, -1);
            for (int i = 0; i < n; i++) {
                int c = r.assign()[i];
                if (map[c] < 0) {
                    map[c] = truth[i];
                }
                assertEquals(map[c], truth[i], "point " + i + " with " + init);
            }
        }
    }

    @Test
    void moreClustersThanPointsAndEmptyClustersDoNotCrash() {
        float[] x = {0, 0, 0, 0, 1, 1};
        KMeans.Result r = KMeans.fit(x, 3, 2, 10, 5, 1, KMeansInit.KMEANS_PP, 3);
        assertEquals(3, r.k());
        for (int s : KMeans.sizes(r.assign(), r.k())) {
            assertTrue(s >= 1, "every cluster keeps a member");
        }
        assertEquals(0, r.inertia(), 1e-6);
    }

    @Test
    void sameResultForAnyThreadCount() {
        int n = 3000;
        int[] truth = new int[n];
        float[] x = blobs(n, 16, 12, truth, 2);
        try (Parallel one = new Parallel(1); Parallel two = new Parallel(2); Parallel many = new Parallel(16)) {
            KMeans.Result a = one.call(() -> KMeans.fit(x, n, 16, 40, 10, 2, KMeansInit.KMEANS_PP, 5));
            KMeans.Result b = two.call(() -> KMeans.fit(x, n, 16, 40, 10, 2, KMeansInit.KMEANS_PP, 5));
            KMeans.Result c = many.call(() -> KMeans.fit(x, n, 16, 40, 10, 2, KMeansInit.KMEANS_PP, 5));
            assertArrayEquals(a.assign(), b.assign());
            assertArrayEquals(a.centroids(), b.centroids());
            assertArrayEquals(a.centroids(), c.centroids(), "16 threads on this machine's cores");
        }
    }

    /**
     * Points in a memory-mapped file, read by the worker threads a block at a time, cluster exactly as the same
     * points in an array (the E-step's path against the in-memory one, whose blocks are packed once for the GEMM).
     */
    @Test
    void mappedPointsClusterExactlyAsAnArray(@TempDir Path dir) throws IOException {
        int n = 5000;
        int d = 8;
        int[] truth = new int[n];
        float[] x = blobs(n, d, 10, truth, 4);
        try (Parallel two = new Parallel(2); FileChannel ch = FileChannel.open(dir.resolve("f.f32"), StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE); Arena arena = Arena.ofShared()) {
            MemorySegment seg = ch.map(FileChannel.MapMode.READ_WRITE, 0, 4L * n * d, arena);
            MemorySegment.copy(x, 0, seg, ValueLayout.JAVA_FLOAT, 0, n * d);
            for (KMeansInit init : KMeansInit.values()) {
                KMeans.Result a = two.call(() -> KMeans.fit(x, n, d, 30, 5, 2, init, 9));
                KMeans.Result b = two.call(() -> KMeans.fit(Points.of(seg, n, d), 30, 5, 2, init, 9));
                assertArrayEquals(a.assign(), b.assign());
                assertArrayEquals(a.centroids(), b.centroids());
                assertEquals(a.inertia(), b.inertia());
            }
        }
    }

    /**
     * k-means++ as defined, one point at a time: the first centre uniform, each next one drawn with probability
     * proportional to the squared distance to the nearest centre so far (Σ_j (x_j − c_j)² in float, j ascending; the
     * cumulative sum in double, in point order).
     */
    static float[] scalarPlusPlus(float[] x, int n, int d, int k, SplittableRandom rng) {
        float[] c = new float[k * d];
        System.arraycopy(x, rng.nextInt(n) * d, c, 0, d);
        float[] near = new float[n];
        for (int j = 0; j < k; j++) {
            if (j > 0) {
                // the first point whose running total (in point order) passes u·total
                double[] running = new double[n];
                double sum = 0;
                for (int i = 0; i < n; i++) {
                    sum += near[i];
                    running[i] = sum;
                }
                double u = rng.nextDouble() * running[n - 1];
                int pick = 0;
                while (pick < n - 1 && !(running[pick] > u)) {
                    pick++;
                }
                System.arraycopy(x, pick * d, c, j * d, d);
            }
            for (int i = 0; i < n; i++) {
                float s = 0;
                for (int a = 0; a < d; a++) {
                    float t = x[i * d + a] - c[j * d + a];
                    s += t * t;
                }
                near[i] = j == 0 ? s : Math.min(near[i], s);
            }
        }
        return c;
    }

    /** The vectorised seeding against the definition, to the bit: points in an array and mapped, partial groups. */
    @Test
    void plusPlusSeedingIsTheScalarDefinitionToTheBit(@TempDir Path dir) throws IOException {
        int n = 2 * 1024 + 37;
        int d = 19;
        int k = 40;
        SplittableRandom r = new SplittableRandom(8);
        float[] x = new float[n * d];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        float[] expected = scalarPlusPlus(x, n, d, k, Seeds.kmeans(6, 0));
        try (Parallel two = new Parallel(2); FileChannel ch = FileChannel.open(dir.resolve("f.f32"),
                StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
             Arena arena = Arena.ofShared()) {
            MemorySegment seg = ch.map(FileChannel.MapMode.READ_WRITE, 0, 4L * n * d, arena);
            MemorySegment.copy(x, 0, seg, ValueLayout.JAVA_FLOAT, 0, n * d);
            assertArrayEquals(expected, two.call(() -> KMeans.seedPlusPlus(Points.of(x, n, d), k, 6)));
            assertArrayEquals(expected, two.call(() -> KMeans.seedPlusPlus(Points.of(seg, n, d), k, 6)));
            // the distances themselves, to centres that are no data point
            float[] c = new float[k * d];
            for (int i = 0; i < c.length; i++) {
                c[i] = (float) r.nextGaussian();
            }
            float[] near = new float[n];
            for (int i = 0; i < n; i++) {
                near[i] = Float.POSITIVE_INFINITY;
                for (int j = 0; j < k; j++) {
                    float s = 0;
                    for (int a = 0; a < d; a++) {
                        float t = x[i * d + a] - c[j * d + a];
                        s += t * t;
                    }
                    near[i] = Math.min(near[i], s);
                }
            }
            for (boolean keep : new boolean[] {true, false}) {
                assertArrayEquals(near, two.call(() -> KMeans.nearestSquaredDistances(Points.of(x, n, d), c, k, keep)));
                assertArrayEquals(near, two.call(() -> KMeans.nearestSquaredDistances(Points.of(seg, n, d), c, k,
                        keep)));
            }
        }
    }
}
