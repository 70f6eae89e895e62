package org.pauc.oracle;

/**
 * cross_correlation (variant "cross_view", Barlow Twins form): standardise za and zb column-wise
 * (see {@link Standardize}), Cm = ẑaᵀ ẑb / N, L = Σ_a (1 − Cm_aa)² + λ_off Σ_{a≠b} Cm_ab².
 * Backward: G_aa = −2(1 − Cm_aa), G_ab = 2 λ_off Cm_ab; dẑa = ẑb Gᵀ / N, dẑb = ẑa G / N.
 */
public final class CrossCorrelation {
    public static final String OP = "cross_correlation";
    public static final double DEFAULT_LAMBDA_OFF = 5e-3;
    public static final double DEFAULT_EPS = 1e-5;

    /** The gradients with respect to both views. */
    public record Grads(Mat za, Mat zb) {}

    private CrossCorrelation() {}

    public static void validate(Mat za, Mat zb, double lambdaOff, double eps) {
        Check.minRows(OP, "za", za, 1);
        Check.shape(OP, "zb", zb, za.rows, za.cols, "the shape of za");
        Check.finite(OP, "lambda_off", lambdaOff);
        Check.positive(OP, "eps", eps);
    }

    private static Mat crossMatrix(Mat za, Mat zb, double eps) {
        return Standardize.correlationMatrix(Standardize.forward(za, eps), Standardize.forward(zb, eps));
    }

    public static double forward(Mat za, Mat zb, double lambdaOff, double eps) {
        validate(za, zb, lambdaOff, eps);
        Mat c = crossMatrix(za, zb, eps);
        double total = 0;
        for (int a = 0; a < c.rows; a++) {
            for (int b = 0; b < c.cols; b++) {
                double x = c.get(a, b);
                total += a == b ? (1 - x) * (1 - x) : lambdaOff * x * x;
            }
        }
        return total;
    }

    public static Grads backward(Mat za, Mat zb, double lambdaOff, double eps, double dL) {
        validate(za, zb, lambdaOff, eps);
        Mat zha = Standardize.forward(za, eps);
        Mat zhb = Standardize.forward(zb, eps);
        Mat c = Standardize.correlationMatrix(zha, zhb);
        Mat g = new Mat(c.rows, c.cols);
        for (int a = 0; a < c.rows; a++) {
            for (int b = 0; b < c.cols; b++) {
                double x = c.get(a, b);
                g.set(a, b, dL * (a == b ? -2 * (1 - x) : 2 * lambdaOff * x));
            }
        }
        double invN = 1.0 / za.rows;
        Mat dzha = Standardize.times(zhb, Standardize.transpose(g), invN);
        Mat dzhb = Standardize.times(zha, g, invN);
        return new Grads(Standardize.backward(za, dzha, eps), Standardize.backward(zb, dzhb, eps));
    }
}
