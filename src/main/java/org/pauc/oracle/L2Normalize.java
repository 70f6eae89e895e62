package org.pauc.oracle;

/**
 * l2_normalize: y_i = x_i / max(||x_i||_2, eps), row by row.
 * Backward (n = ||x_i||): if n ≥ eps, dx_i = (dy_i − y_i (y_i·dy_i)) / n; otherwise the denominator is the
 * constant eps and dx_i = dy_i / eps (PyTorch's clamp_min semantics).
 */
public final class L2Normalize {
    public static final String OP = "l2_normalize";
    public static final double DEFAULT_EPS = 1e-12;

    private L2Normalize() {}

    /** The checks of {@link #backward}: eps positive, dy of x's shape. */
    public static void validate(Mat x, Mat dy, double eps) {
        Check.positive(OP, "eps", eps);
        Check.shape(OP, "dy", dy, x.rows, x.cols, "the shape of x");
    }

    public static Mat forward(Mat x, double eps) {
        Check.positive(OP, "eps", eps);
        Mat y = x.copy();
        for (int i = 0; i < x.rows; i++) {
            double denom = Math.max(x.rowNorm(i), eps);
            for (int c = 0; c < x.cols; c++) {
                y.set(i, c, x.get(i, c) / denom);
            }
        }
        return y;
    }

    /** Gradient of sum(dy ⊙ y) with respect to x. */
    public static Mat backward(Mat x, Mat dy, double eps) {
        validate(x, dy, eps);
        Mat y = forward(x, eps);
        Mat dx = new Mat(x.rows, x.cols);
        for (int i = 0; i < x.rows; i++) {
            double n = x.rowNorm(i);
            if (n >= eps) {
                double ydy = y.dotRows(i, dy, i);
                for (int c = 0; c < x.cols; c++) {
                    dx.set(i, c, (dy.get(i, c) - y.get(i, c) * ydy) / n);
                }
            } else {
                for (int c = 0; c < x.cols; c++) {
                    dx.set(i, c, dy.get(i, c) / eps);
                }
            }
        }
        return dx;
    }
}
