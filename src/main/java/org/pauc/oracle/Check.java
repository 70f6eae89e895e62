package org.pauc.oracle;

/**
 * Argument validation shared by the oracle ops. Every failure is an {@link IllegalArgumentException}
 * whose message names the op, the input and what was expected, e.g.
 * {@code info_nce: k must be 4×3 (the shape of q), got 4×2}.
 */
public final class Check {
    private Check() {}

    public static void shape(String op, String input, Mat m, int rows, int cols, String why) {
        if (m == null) {
            throw new IllegalArgumentException(op + ": input " + input + " is missing");
        }
        if (m.rows != rows || m.cols != cols) {
            throw new IllegalArgumentException(
                    op + ": " + input + " must be " + rows + "×" + cols + " (" + why + "), got " + m.shape());
        }
    }

    public static void cols(String op, String input, Mat m, int cols, String why) {
        if (m == null) {
            throw new IllegalArgumentException(op + ": input " + input + " is missing");
        }
        if (m.cols != cols) {
            throw new IllegalArgumentException(
                    op + ": " + input + " must have " + cols + " columns (" + why + "), got " + m.shape());
        }
    }

    public static void minRows(String op, String input, Mat m, int min) {
        if (m == null) {
            throw new IllegalArgumentException(op + ": input " + input + " is missing");
        }
        if (m.rows < min) {
            throw new IllegalArgumentException(
                    op + ": " + input + " needs at least " + min + " row" + (min == 1 ? "" : "s") + ", got " + m.shape());
        }
    }

    public static void length(String op, String input, int[] a, int n, String why) {
        if (a == null) {
            throw new IllegalArgumentException(op + ": input " + input + " is missing");
        }
        if (a.length != n) {
            throw new IllegalArgumentException(
                    op + ": " + input + " must have length " + n + " (" + why + "), got " + a.length);
        }
    }

    public static void length(String op, String input, double[] a, int n, String why) {
        if (a == null) {
            throw new IllegalArgumentException(op + ": input " + input + " is missing");
        }
        if (a.length != n) {
            throw new IllegalArgumentException(
                    op + ": " + input + " must have length " + n + " (" + why + "), got " + a.length);
        }
    }

    public static void indices(String op, String input, int[] ids, int bound) {
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= bound) {
                throw new IllegalArgumentException(op + ": " + input + "[" + i + "] = " + ids[i]
                        + " is out of range [0, " + bound + ")");
            }
        }
    }

    public static void positive(String op, String name, double value) {
        if (!(value > 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException(op + ": " + name + " must be a positive finite number, got " + value);
        }
    }

    public static void finite(String op, String name, double value) {
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException(op + ": " + name + " must be finite, got " + value);
        }
    }

    public static void positiveEntries(String op, String input, double[] a) {
        for (int i = 0; i < a.length; i++) {
            if (!(a[i] > 0) || Double.isInfinite(a[i])) {
                throw new IllegalArgumentException(
                        op + ": " + input + "[" + i + "] must be a positive finite number, got " + a[i]);
            }
        }
    }
}
