package org.pauc.oracle;

import java.util.Arrays;

/**
 * concentration (PCL's φ, an estimator without gradient). For cluster c with members Z_c:
 * φ_c = mean_{z∈Z_c} ||F_z − C_raw[c]||_2 / ln(|Z_c| + α) when |Z_c| > 1, else the largest such φ;
 * then φ is clipped to [P10, P90] (numpy's linear-interpolation percentiles) and rescaled to mean τ:
 * φ ← τ · φ / mean(φ). C_raw are the centroids before normalisation.
 */
public final class Concentration {
    public static final String OP = "concentration";
    public static final double DEFAULT_ALPHA = 10;
    public static final double DEFAULT_TAU = 0.2;

    private Concentration() {}

    /** The rows of F one at a time: a matrix, or features read from a file in blocks. */
    public interface Rows {
        int rows();

        int cols();

        /** Copies row z into dst[0 … cols). */
        void row(int z, double[] dst);
    }

    /** A matrix's rows. */
    public static Rows rows(Mat m) {
        return new Rows() {
            @Override
            public int rows() {
                return m.rows;
            }

            @Override
            public int cols() {
                return m.cols;
            }

            @Override
            public void row(int z, double[] dst) {
                for (int a = 0; a < m.cols; a++) {
                    dst[a] = m.get(z, a);
                }
            }
        };
    }

    public static double[] compute(Mat features, Mat centroids, int[] assign, double alpha, double tau) {
        Check.minRows(OP, "F", features, 1);
        return compute(rows(features), centroids, assign, alpha, tau);
    }

    /** As above, reading F a row at a time. */
    public static double[] compute(Rows features, Mat centroids, int[] assign, double alpha, double tau) {
        return clipAndScale(raw(features, centroids, assign, alpha), tau);
    }

    /** φ from unclipped φ: clipped to [P10, P90], then rescaled to mean τ. */
    public static double[] clipAndScale(double[] raw, double tau) {
        double lo = percentile(raw, 10);
        double hi = percentile(raw, 90);
        double[] phi = new double[raw.length];
        double mean = 0;
        for (int c = 0; c < raw.length; c++) {
            phi[c] = Math.min(Math.max(raw[c], lo), hi);
            mean += phi[c];
        }
        mean /= phi.length;
        for (int c = 0; c < phi.length; c++) {
            phi[c] = tau * phi[c] / mean;
        }
        return phi;
    }

    /**
     * φ before clipping and rescaling: the mean member distance over ln(size + α), with clusters of fewer
     * than two members given the largest value. Fails when no cluster has two members (φ is undefined).
     */
    public static double[] raw(Mat features, Mat centroids, int[] assign, double alpha) {
        Check.minRows(OP, "F", features, 1);
        return raw(rows(features), centroids, assign, alpha);
    }

    /** As above, reading F a row at a time. */
    public static double[] raw(Rows features, Mat centroids, int[] assign, double alpha) {
        if (features.rows() < 1) {
            throw new IllegalArgumentException(OP + ": F has no rows");
        }
        Check.minRows(OP, "C_raw", centroids, 1);
        Check.cols(OP, "C_raw", centroids, features.cols(), "the width d of F");
        Check.length(OP, "assign", assign, features.rows(), "one cluster id per row of F");
        Check.indices(OP, "assign", assign, centroids.rows);
        Check.finite(OP, "alpha", alpha);
        int k = centroids.rows;
        double[] distanceSum = new double[k];
        int[] size = new int[k];
        double[] f = new double[features.cols()];
        for (int z = 0; z < features.rows(); z++) {
            int c = assign[z];
            features.row(z, f);
            double s = 0;
            for (int a = 0; a < f.length; a++) {
                double r = f[a] - centroids.get(c, a);
                s += r * r;
            }
            distanceSum[c] += Math.sqrt(s);
            size[c]++;
        }
        return fromSums(distanceSum, size, alpha);
    }

    /**
     * Unclipped φ from each cluster's sum of member distances and its size (what a backend's
     * {@code clusterDistanceSums} and {@code clusterSums} give): the mean distance over ln(size + α), clusters of
     * fewer than two members given the largest value.
     */
    public static double[] fromSums(double[] distanceSum, int[] size, double alpha) {
        int k = distanceSum.length;
        double[] phi = new double[k];
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < k; c++) {
            if (size[c] > 1) {
                phi[c] = distanceSum[c] / size[c] / Math.log(size[c] + alpha);
                max = Math.max(max, phi[c]);
            }
        }
        if (max == Double.NEGATIVE_INFINITY) {
            throw new IllegalArgumentException(OP + ": no cluster has more than one member, so φ is undefined");
        }
        for (int c = 0; c < k; c++) {
            if (size[c] <= 1) {
                phi[c] = max;
            }
        }
        return phi;
    }

    /** numpy.percentile with the default 'linear' method: x_lo + (x_hi − x_lo)·frac at rank p/100·(n−1). */
    public static double percentile(double[] values, double p) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        double rank = p / 100 * (sorted.length - 1);
        int lo = (int) Math.floor(rank);
        int hi = (int) Math.ceil(rank);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
    }
}
