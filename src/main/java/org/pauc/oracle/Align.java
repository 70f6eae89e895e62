package org.pauc.oracle;

/**
 * align (PAUC's alignment to the positive prototype): L = mean_i || v_i − C[pos_i] ||_2^α.
 * Backward: dv_i = α ||r_i||^(α−2) r_i / N with r_i = v_i − C[pos_i]; 0 where r_i = 0 (PyTorch's
 * norm subgradient). Gradient w.r.t. v only.
 */
public final class Align {
    public static final String OP = "align";
    public static final double DEFAULT_ALPHA = 2;

    private Align() {}

    public static void validate(Mat v, Mat c, int[] pos, double alpha) {
        Check.minRows(OP, "v", v, 1);
        Check.minRows(OP, "C", c, 1);
        Check.cols(OP, "C", c, v.cols, "the width d of v");
        Check.length(OP, "pos", pos, v.rows, "one prototype id per row of v");
        Check.indices(OP, "pos", pos, c.rows);
        Check.positive(OP, "alpha", alpha);
    }

    private static double distance(Mat v, int i, Mat c, int p) {
        double s = 0;
        for (int a = 0; a < v.cols; a++) {
            double r = v.get(i, a) - c.get(p, a);
            s += r * r;
        }
        return Math.sqrt(s);
    }

    public static double forward(Mat v, Mat c, int[] pos, double alpha) {
        validate(v, c, pos, alpha);
        double total = 0;
        for (int i = 0; i < v.rows; i++) {
            total += Math.pow(distance(v, i, c, pos[i]), alpha);
        }
        return total / v.rows;
    }

    public static Mat backward(Mat v, Mat c, int[] pos, double alpha, double dL) {
        validate(v, c, pos, alpha);
        Mat dv = new Mat(v.rows, v.cols);
        for (int i = 0; i < v.rows; i++) {
            double n = distance(v, i, c, pos[i]);
            if (n == 0) {
                continue;
            }
            double scale = dL * alpha * Math.pow(n, alpha - 2) / v.rows;
            for (int a = 0; a < v.cols; a++) {
                dv.set(i, a, scale * (v.get(i, a) - c.get(pos[i], a)));
            }
        }
        return dv;
    }
}
