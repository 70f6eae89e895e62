package org.pauc.oracle;

/**
 * uniformity (Wang & Isola): L = log( 2/(N(N−1)) · Σ_{i<j} exp(−t ||v_i − v_j||²) ), computed as a
 * log-sum-exp over the pairs. Backward: with w_ij the softmax of s_ij = −t||v_i − v_j||² over pairs,
 * dv_i = Σ_{j≠i} −2t w_ij (v_i − v_j). Needs N ≥ 2. Gradient w.r.t. v.
 */
public final class Uniformity {
    public static final String OP = "uniformity";
    public static final double DEFAULT_T = 2;

    private Uniformity() {}

    public static void validate(Mat v, double t) {
        if (v == null || v.rows < 2) {
            throw new IllegalArgumentException(OP + ": v needs N ≥ 2 rows (pairs of samples), got "
                    + (v == null ? "nothing" : v.shape()));
        }
        Check.finite(OP, "t", t);
    }

    private static double squaredDistance(Mat v, int i, int j) {
        double s = 0;
        for (int a = 0; a < v.cols; a++) {
            double r = v.get(i, a) - v.get(j, a);
            s += r * r;
        }
        return s;
    }

    /** The exponents s_ij = −t ||v_i − v_j||² for i < j, and their maximum at index [pairs]. */
    private static double[] exponents(Mat v, double t) {
        int n = v.rows;
        double[] s = new double[n * (n - 1) / 2 + 1];
        double max = Double.NEGATIVE_INFINITY;
        int p = 0;
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                s[p] = -t * squaredDistance(v, i, j);
                max = Math.max(max, s[p]);
                p++;
            }
        }
        s[p] = max;
        return s;
    }

    private static double logSumExp(double[] s) {
        int pairs = s.length - 1;
        double max = s[pairs];
        double sum = 0;
        for (int p = 0; p < pairs; p++) {
            sum += Math.exp(s[p] - max);
        }
        return max + Math.log(sum);
    }

    public static double forward(Mat v, double t) {
        validate(v, t);
        int n = v.rows;
        return logSumExp(exponents(v, t)) + Math.log(2.0 / ((double) n * (n - 1)));
    }

    public static Mat backward(Mat v, double t, double dL) {
        validate(v, t);
        double[] s = exponents(v, t);
        double lse = logSumExp(s);
        Mat dv = new Mat(v.rows, v.cols);
        int p = 0;
        for (int i = 0; i < v.rows; i++) {
            for (int j = i + 1; j < v.rows; j++) {
                double g = -2 * t * Math.exp(s[p++] - lse) * dL;
                for (int a = 0; a < v.cols; a++) {
                    double diff = g * (v.get(i, a) - v.get(j, a));
                    dv.add(i, a, diff);
                    dv.add(j, a, -diff);
                }
            }
        }
        return dv;
    }
}
