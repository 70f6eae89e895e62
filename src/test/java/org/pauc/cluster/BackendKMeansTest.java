package org.pauc.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.pauc.backend.Backend;
import org.pauc.backend.Backends;
import org.pauc.backend.Buffer;
import org.pauc.config.TrainConfig.KMeansInit;

/**
 * k-means through a backend's ops (what a device backend runs in the E-step), tested on the CPU and oracle backends:
 * the same clustering as the host's k-means from the same seeds, and the same bits for any thread count.
 */
class BackendKMeansTest {
    /** Points around k centres with overlapping spread: a real clustering problem, not only separated blobs. */
    static float[] points(int n, int d, int k, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] centres = new float[k * d];
        for (int i = 0; i < centres.length; i++) {
            centres[i] = (float) r.nextGaussian();
        }
        float[] x = new float[n * d];
        for (int i = 0; i < n; i++) {
            int c = r.nextInt(k);
            for (int a = 0; a < d; a++) {
                x[i * d + a] = centres[c * d + a] + (float) (0.4 * r.nextGaussian());
            }
        }
        return x;
    }

    static KMeans.Result onBackend(Backend be, float[] x, int n, int d, int k, KMeansInit init) {
        try (Buffer b = be.upload(x)) {
            return BackendKMeans.fit(be, b, Points.of(x, n, d), k, 10, 2, init, 7);
        }
    }

    @Test
    void theSameClusteringAsTheHostsKMeans() {
        int n = 1500;
        int d = 16;
        int k = 12;
        float[] x = points(n, d, k, 3);
        for (KMeansInit init : KMeansInit.values()) {
            KMeans.Result host = KMeans.fit(x, n, d, k, 10, 2, init, 7);
            for (String name : new String[] {"cpu", "oracle"}) {
                try (Backend be = Backends.create(name, 2)) {
                    KMeans.Result dev = onBackend(be, x, n, d, k, init);
                    assertArrayEquals(host.assign(), dev.assign(), name + " " + init + ": assignments");
                    assertEquals(host.inertia(), dev.inertia(), 1e-4 * host.inertia(), name + " " + init + ": inertia");
                    for (int i = 0; i < k * d; i++) {
                        assertEquals(host.centroids()[i], dev.centroids()[i], 1e-4, name + " " + init + ": centroid " + i);
                    }
                }
            }
        }
    }

    @Test
    void theThreadCountChangesNoBit() {
        int n = 2000;
        int d = 8;
        int k = 30;
        float[] x = points(n, d, 20, 5);
        KMeans.Result one;
        KMeans.Result two;
        try (Backend be = Backends.create("cpu", 1)) {
            one = onBackend(be, x, n, d, k, KMeansInit.KMEANS_PP);
        }
        try (Backend be = Backends.create("cpu", 2)) {
            two = onBackend(be, x, n, d, k, KMeansInit.KMEANS_PP);
        }
        assertArrayEquals(one.assign(), two.assign());
        assertArrayEquals(one.centroids(), two.centroids());
        assertEquals(one.inertia(), two.inertia());
    }

    @Test
    void moreClustersThanDistinctPlacesStillFillsEveryCluster() {
        // 40 points on 4 places, k = 10: empty clusters take the farthest points, as the host's k-means does
        int n = 40;
        int d = 2;
        float[] x = new float[n * d];
        for (int i = 0; i < n; i++) {
            x[i * d] = i % 4;
            x[i * d + 1] = (i % 4) * 2 + 0.01f * i;
        }
        try (Backend be = Backends.create("cpu", 2)) {
            KMeans.Result r = onBackend(be, x, n, d, 10, KMeansInit.KMEANS_PP);
            int[] sizes = KMeans.sizes(r.assign(), 10);
            for (int s : sizes) {
                assertTrue(s > 0, Arrays.toString(sizes));
            }
        }
    }
}
