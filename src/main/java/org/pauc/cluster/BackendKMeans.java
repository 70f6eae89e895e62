package org.pauc.cluster;

import java.util.SplittableRandom;
import org.pauc.backend.Backend;
import org.pauc.backend.Buffer;
import org.pauc.config.TrainConfig.KMeansInit;
import org.pauc.hostmath.Seeds;

/**
 * Lloyd's k-means through a {@link Backend}'s ops (assignment by distance GEMM and arg-min, member sums and counts in
 * exact fixed point), for a backend whose buffers live on a device: the points stay there, and each iteration moves
 * only the k centroids up and their sums and counts down. The seeding (k-means++ or random points, per restart from
 * the same seeds as {@link KMeans}) and the handling of empty clusters (the farthest point) are {@link KMeans}'s, on
 * the host. Results do not depend on the thread count; they are not {@link KMeans}'s bits (the sums are exact here).
 */
public final class BackendKMeans {
    private BackendKMeans() {}

    /**
     * k-means of the n×d points in {@code x} (on the backend), with {@code host} the same points on the host for the
     * seeding and the empty clusters.
     */
    public static KMeans.Result fit(Backend be, Buffer x, Points host, int k, int iterations, int restarts,
                                    KMeansInit init, long seed) {
        KMeans.checkArguments(host.n(), k, iterations, restarts);
        int kk = Math.min(k, host.n());
        return KMeans.lowestInertia(restarts, r -> once(be, x, host, kk, iterations, init, Seeds.kmeans(seed, r)));
    }

    private static KMeans.Result once(Backend be, Buffer x, Points host, int k, int iterations, KMeansInit init,
                                      SplittableRandom rng) {
        int n = host.n();
        int d = host.d();
        float[] c = KMeans.initial(host, k, init, rng);
        try (Buffer cb = be.upload(c); Buffer assign = be.allocateIndices(n); Buffer dist = be.allocate(n);
             Buffer sums = be.allocate(k * d); Buffer counts = be.allocate(k)) {
            be.kmeansAssign(n, d, k, x, cb, assign, dist);
            for (int it = 0; it < iterations; it++) {
                be.clusterSums(n, d, k, x, assign, sums, counts);
                float[] s = be.download(sums);
                int[] size = sizes(be.download(counts));
                for (int j = 0; j < k; j++) {
                    if (size[j] == 0) {
                        // an empty cluster takes the point farthest from its centroid (KMeans.update's rule)
                        takeFarthest(be, host, assign, dist, size, s, j);
                    }
                }
                for (int j = 0; j < k; j++) {
                    if (size[j] > 0) {
                        for (int t = 0; t < d; t++) {
                            c[j * d + t] = s[j * d + t] / size[j];
                        }
                    }
                }
                be.upload(c, 0, cb, 0, c.length);
                be.kmeansAssign(n, d, k, x, cb, assign, dist);
            }
            int[] a = be.downloadIndices(assign);
            float[] dv = be.download(dist);
            KMeans.fillEmpty(host, n, d, c, k, a, dv, KMeans.sizes(a, k));
            double inertia = 0;
            for (int i = 0; i < n; i++) {
                inertia += dv[i];
            }
            return new KMeans.Result(k, c, a, inertia);
        }
    }

    private static int[] sizes(float[] counts) {
        int[] s = new int[counts.length];
        for (int j = 0; j < s.length; j++) {
            s[j] = Math.round(counts[j]);
        }
        return s;
    }

    /** Moves the farthest point into empty cluster j: its row becomes j's sum, and leaves its old cluster's. */
    private static void takeFarthest(Backend be, Points host, Buffer assign, Buffer dist, int[] size, float[] s, int j) {
        int n = host.n();
        int d = host.d();
        int[] a = be.downloadIndices(assign);
        float[] dv = be.download(dist);
        int far = KMeans.farthest(n, a, dv, size);
        if (far < 0) {
            return;
        }
        float[] p = new float[d];
        KMeans.row(host, far, p, 0);
        int old = a[far];
        size[old]--;
        for (int t = 0; t < d; t++) {
            s[old * d + t] -= p[t];
            s[j * d + t] = p[t];
        }
        size[j] = 1;
        a[far] = j;
        dv[far] = 0;
        be.uploadIndices(a, assign);
        be.upload(dv, 0, dist, 0, n);
    }
}
