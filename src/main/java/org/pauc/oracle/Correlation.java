package org.pauc.oracle;

/**
 * correlation (PAUC's feature decorrelation, variant "offdiag"): ẑ = standardised columns of z
 * (see {@link Standardize}), R = ẑᵀẑ / N (d×d), L = Σ_{a≠b} R_ab².
 * Backward: G = dL/dR = 2R off the diagonal, 0 on it; dẑ = ẑ (G + Gᵀ) / N; then through the standardisation.
 */
public final class Correlation {
    public static final String OP = "correlation";
    public static final double DEFAULT_EPS = 1e-5;

    private Correlation() {}

    public static void validate(Mat z, double eps) {
        Check.minRows(OP, "z", z, 1);
        Check.positive(OP, "eps", eps);
    }

    public static double forward(Mat z, double eps) {
        validate(z, eps);
        Mat zh = Standardize.forward(z, eps);
        Mat r = Standardize.correlationMatrix(zh, zh);
        double total = 0;
        for (int a = 0; a < r.rows; a++) {
            for (int b = 0; b < r.cols; b++) {
                if (a != b) {
                    total += r.get(a, b) * r.get(a, b);
                }
            }
        }
        return total;
    }

    public static Mat backward(Mat z, double eps, double dL) {
        validate(z, eps);
        Mat zh = Standardize.forward(z, eps);
        Mat r = Standardize.correlationMatrix(zh, zh);
        Mat g = new Mat(r.rows, r.cols);
        for (int a = 0; a < r.rows; a++) {
            for (int b = 0; b < r.cols; b++) {
                if (a != b) {
                    g.set(a, b, 2 * r.get(a, b) * dL);
                }
            }
        }
        Mat sym = g.copy().addScaled(1, Standardize.transpose(g));
        Mat dzh = Standardize.times(zh, sym, 1.0 / z.rows);
        return Standardize.backward(z, dzh, eps);
    }
}
