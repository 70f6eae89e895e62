package org.pauc.oracle;

/**
 * The steps of Lloyd's k-means that a backend runs for the E-step, in double precision (features x, n×d; centroids
 * c, k×d):
 * <ul>
 *   <li>assignment: a_i = argmin_j ‖x_i − c_j‖² (the lowest j on ties), with that squared distance;</li>
 *   <li>member sums and counts: s_j = Σ_{i: a_i = j} x_i, m_j = |{i: a_i = j}|;</li>
 *   <li>φ's sums: r_j = Σ_{i: a_i = j} ‖x_i − c_j‖₂ (PCL's concentration divides these by m_j log(m_j + α)).</li>
 * </ul>
 */
public final class KMeansStep {
    private KMeansStep() {}

    /** Each row's nearest centroid and its squared distance. */
    public record Assignment(int[] assign, double[] dist) {}

    private static double sq(double[] x, int i, double[] c, int j, int d) {
        double s = 0;
        for (int a = 0; a < d; a++) {
            double r = x[i * d + a] - c[j * d + a];
            s += r * r;
        }
        return s;
    }

    public static Assignment assign(int n, int d, int k, double[] x, double[] c) {
        int[] a = new int[n];
        double[] dist = new double[n];
        for (int i = 0; i < n; i++) {
            double best = Double.POSITIVE_INFINITY;
            for (int j = 0; j < k; j++) {
                double s = sq(x, i, c, j, d);
                if (s < best) {
                    best = s;
                    a[i] = j;
                }
            }
            dist[i] = best;
        }
        return new Assignment(a, dist);
    }

    /** Member sums (k×d) and counts (k), from the assignment. */
    public record Sums(double[] sums, double[] counts) {}

    public static Sums sums(int n, int d, int k, double[] x, int[] assign) {
        double[] s = new double[k * d];
        double[] m = new double[k];
        for (int i = 0; i < n; i++) {
            int j = checked(assign[i], i, k);
            m[j]++;
            for (int a = 0; a < d; a++) {
                s[j * d + a] += x[i * d + a];
            }
        }
        return new Sums(s, m);
    }

    /** Σ over each cluster's members of the (unsquared) distance to its centroid. */
    public static double[] distanceSums(int n, int d, int k, double[] x, double[] c, int[] assign) {
        double[] r = new double[k];
        for (int i = 0; i < n; i++) {
            int j = checked(assign[i], i, k);
            r[j] += Math.sqrt(sq(x, i, c, j, d));
        }
        return r;
    }

    private static int checked(int j, int i, int k) {
        if (j < 0 || j >= k) {
            throw new IllegalArgumentException("k-means: assign[" + i + "] = " + j + " out of range [0, " + k + ")");
        }
        return j;
    }
}
