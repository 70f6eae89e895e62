package org.pauc.oracle;

/**
 * Column standardisation used by {@link Correlation} and {@link CrossCorrelation}:
 * μ_a = mean_i z_ia, σ_a = sqrt( mean_i (z_ia − μ_a)² + eps ) (biased variance), ẑ = (z − μ) / σ.
 * Backward (exact with eps inside σ): dz_ia = ( dẑ_ia − mean_i dẑ_ia − ẑ_ia · mean_i(dẑ_ia ẑ_ia) ) / σ_a.
 */
final class Standardize {
    private Standardize() {}

    static double[] sigma(Mat z, double eps) {
        int n = z.rows;
        double[] sigma = new double[z.cols];
        for (int a = 0; a < z.cols; a++) {
            double mu = 0;
            for (int i = 0; i < n; i++) {
                mu += z.get(i, a);
            }
            mu /= n;
            double var = 0;
            for (int i = 0; i < n; i++) {
                double c = z.get(i, a) - mu;
                var += c * c;
            }
            sigma[a] = Math.sqrt(var / n + eps);
        }
        return sigma;
    }

    static Mat forward(Mat z, double eps) {
        double[] sigma = sigma(z, eps);
        Mat zh = new Mat(z.rows, z.cols);
        for (int a = 0; a < z.cols; a++) {
            double mu = 0;
            for (int i = 0; i < z.rows; i++) {
                mu += z.get(i, a);
            }
            mu /= z.rows;
            for (int i = 0; i < z.rows; i++) {
                zh.set(i, a, (z.get(i, a) - mu) / sigma[a]);
            }
        }
        return zh;
    }

    static Mat backward(Mat z, Mat dzh, double eps) {
        double[] sigma = sigma(z, eps);
        Mat zh = forward(z, eps);
        int n = z.rows;
        Mat dz = new Mat(z.rows, z.cols);
        for (int a = 0; a < z.cols; a++) {
            double meanG = 0;
            double meanGz = 0;
            for (int i = 0; i < n; i++) {
                meanG += dzh.get(i, a);
                meanGz += dzh.get(i, a) * zh.get(i, a);
            }
            meanG /= n;
            meanGz /= n;
            for (int i = 0; i < n; i++) {
                dz.set(i, a, (dzh.get(i, a) - meanG - zh.get(i, a) * meanGz) / sigma[a]);
            }
        }
        return dz;
    }

    /** a^T b / N for two N×d matrices: the d×d (cross-)correlation of standardised columns. */
    static Mat correlationMatrix(Mat a, Mat b) {
        Mat r = new Mat(a.cols, b.cols);
        for (int i = 0; i < a.rows; i++) {
            for (int x = 0; x < a.cols; x++) {
                double ai = a.get(i, x);
                for (int y = 0; y < b.cols; y++) {
                    r.add(x, y, ai * b.get(i, y));
                }
            }
        }
        return r.scaled(1.0 / a.rows);
    }

    /** a · g / N for a N×d and g d×d: the gradient through correlationMatrix on its second side. */
    static Mat times(Mat a, Mat g, double scale) {
        Mat out = new Mat(a.rows, g.cols);
        for (int i = 0; i < a.rows; i++) {
            for (int x = 0; x < a.cols; x++) {
                double ai = a.get(i, x) * scale;
                for (int y = 0; y < g.cols; y++) {
                    out.add(i, y, ai * g.get(x, y));
                }
            }
        }
        return out;
    }

    static Mat transpose(Mat m) {
        Mat t = new Mat(m.cols, m.rows);
        for (int i = 0; i < m.rows; i++) {
            for (int j = 0; j < m.cols; j++) {
                t.set(j, i, m.get(i, j));
            }
        }
        return t;
    }
}
