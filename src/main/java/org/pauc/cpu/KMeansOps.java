package org.pauc.cpu;

import org.pauc.hostmath.FixedPoint;
import org.pauc.hostmath.Gemm;
import org.pauc.hostmath.Parallel;
import org.pauc.hostmath.Scratch;

/**
 * The E-step's k-means steps on the CPU; they must match {@link org.pauc.oracle.KMeansStep}. Assignment: per block of
 * rows, x·cᵀ by GEMM, then ‖x‖² + ‖c‖² − 2x·c and the arg-min (lowest index on ties). Sums: exact in fixed point
 * ({@link FixedPoint}), so neither the thread count nor the order of the points changes a bit.
 */
final class KMeansOps {
    private static final int ROWS = 256;
    private static final Scratch DOTS = new Scratch();

    private KMeansOps() {}

    private static float[] sqNorms(float[] a, int rows, int d) {
        float[] s = new float[rows];
        for (int i = 0; i < rows; i++) {
            float v = 0;
            for (int t = 0; t < d; t++) {
                v += a[i * d + t] * a[i * d + t];
            }
            s[i] = v;
        }
        return s;
    }

    static void assign(int n, int d, int k, float[] x, float[] c, int[] assign, float[] dist) {
        float[] cn = sqNorms(c, k, d);
        float[] xn = sqNorms(x, n, d);
        int blocks = (n + ROWS - 1) / ROWS;
        Parallel.forEach(blocks, b -> {
            int i0 = b * ROWS;
            int rows = Math.min(ROWS, n - i0);
            float[] dots = DOTS.get(rows * k);
            Gemm.gemm(false, true, rows, k, d, 1f, x, i0 * d, d, c, 0, d, 0f, dots, 0, k, false);
            for (int r = 0; r < rows; r++) {
                int best = 0;
                float bestDist = Float.POSITIVE_INFINITY;
                for (int j = 0; j < k; j++) {
                    float v = xn[i0 + r] + cn[j] - 2 * dots[r * k + j];
                    if (v < bestDist) {
                        bestDist = v;
                        best = j;
                    }
                }
                assign[i0 + r] = best;
                dist[i0 + r] = Math.max(0f, bestDist);
            }
        });
    }

    private static int checked(int[] assign, int i, int k) {
        int j = assign[i];
        if (j < 0 || j >= k) {
            throw new IllegalArgumentException("k-means: assign[" + i + "] = " + j + " out of range [0, " + k + ")");
        }
        return j;
    }

    static void sums(int n, int d, int k, float[] x, int[] assign, float[] sums, float[] counts) {
        double maxAbs = 0;
        for (int i = 0; i < n * d; i++) {
            maxAbs = Math.max(maxAbs, Math.abs(x[i]));
        }
        double scale = FixedPoint.scale(n, maxAbs);
        long[] acc = new long[k * d];
        long[] m = new long[k];
        for (int i = 0; i < n; i++) {
            int j = checked(assign, i, k);
            m[j]++;
            for (int t = 0; t < d; t++) {
                acc[j * d + t] += FixedPoint.fixed(x[i * d + t], scale);
            }
        }
        for (int q = 0; q < k * d; q++) {
            sums[q] = FixedPoint.toFloat(acc[q], scale);
        }
        for (int j = 0; j < k; j++) {
            counts[j] = m[j];
        }
    }

    static void distanceSums(int n, int d, int k, float[] x, float[] c, int[] assign, float[] out) {
        float[] r = new float[n];
        double maxAbs = 0;
        for (int i = 0; i < n; i++) {
            int j = checked(assign, i, k);
            float s = 0;
            for (int t = 0; t < d; t++) {
                float diff = x[i * d + t] - c[j * d + t];
                s += diff * diff;
            }
            r[i] = (float) Math.sqrt(s);
            maxAbs = Math.max(maxAbs, r[i]);
        }
        double scale = FixedPoint.scale(n, maxAbs);
        long[] acc = new long[k];
        for (int i = 0; i < n; i++) {
            acc[assign[i]] += FixedPoint.fixed(r[i], scale);
        }
        for (int j = 0; j < k; j++) {
            out[j] = FixedPoint.toFloat(acc[j], scale);
        }
    }
}
