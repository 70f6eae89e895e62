package org.pauc.cluster;

import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;
import org.pauc.config.TrainConfig.KMeansInit;
import org.pauc.dist.Collective;
import org.pauc.dist.Collectives;

/**
 * Run under {@code mpirun} by {@link DistKMeansTest}: every rank fits k-means shared out over the processes on the
 * same seeded points and prints a hash of the result; the test compares it with one process's fit.
 */
public final class DistKMeansProbe {
    private DistKMeansProbe() {}

    /** Seeded clustered points, n × d. */
    static float[] points(int n, int d, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] centres = new float[12 * d];
        for (int i = 0; i < centres.length; i++) {
            centres[i] = (float) r.nextGaussian() * 3;
        }
        float[] x = new float[n * d];
        for (int i = 0; i < n; i++) {
            int c = r.nextInt(12);
            for (int j = 0; j < d; j++) {
                x[i * d + j] = centres[c * d + j] + (float) r.nextGaussian();
            }
        }
        return x;
    }

    /** One line describing a fit to the bit: k, a hash of the centroids' bits, a hash of the assignments, the inertia. */
    static String describe(KMeans.Result r) {
        return r.k() + " " + Arrays.hashCode(r.centroids()) + " " + Arrays.hashCode(r.assign()) + " "
                + Double.doubleToRawLongBits(r.inertia());
    }

    /** The fits the test compares: (n, d, k, init) cases, the second with clusters emptied on the way. */
    static final int[][] CASES = {{5000, 16, 20, 0}, {3333, 8, 40, 1}, {700, 4, 5, 0}, {20000, 32, 64, 1}};

    static KMeans.Result fit(int[] c, Collective dist) {
        float[] x = points(c[0], c[1], c[0] + c[2]);
        KMeansInit init = c[3] == 0 ? KMeansInit.KMEANS_PP : KMeansInit.RANDOM;
        return KMeans.fit(Points.of(x, c[0], c[1]), c[2], 6, 2, init, 5, dist);
    }

    public static void main(String[] args) {
        Collective dist = Collectives.open(Collectives.Mode.MPI, Map.of());
        for (int i = 0; i < CASES.length; i++) {
            System.out.println("[" + dist.rank() + "] case" + i + "=" + describe(fit(CASES[i], dist)));
        }
        Collectives.close();
    }
}
