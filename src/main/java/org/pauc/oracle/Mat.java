package org.pauc.oracle;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A dense row-major matrix of doubles: the one data type of the oracle.
 * Deliberately plain: element access by (row, column), no views, no hidden copies.
 */
public final class Mat {
    public final int rows;
    public final int cols;
    public final double[] data;

    public Mat(int rows, int cols) {
        this(rows, cols, new double[checkedSize(rows, cols)]);
    }

    public Mat(int rows, int cols, double[] data) {
        if (data.length != checkedSize(rows, cols)) {
            throw new IllegalArgumentException(
                    "Mat: data holds " + data.length + " values, shape " + rows + "×" + cols + " needs " + rows * cols);
        }
        this.rows = rows;
        this.cols = cols;
        this.data = data;
    }

    private static int checkedSize(int rows, int cols) {
        if (rows < 0 || cols < 0) {
            throw new IllegalArgumentException("Mat: negative shape " + rows + "×" + cols);
        }
        return Math.multiplyExact(rows, cols);
    }

    /** A matrix of the float values {@code data} (rows × cols, row-major), widened to double. */
    public static Mat of(int rows, int cols, float[] data) {
        double[] d = new double[data.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = data[i];
        }
        return new Mat(rows, cols, d);
    }

    /** rows × cols independent draws of N(0, scale²) from {@code r}, row by row. */
    public static Mat gaussian(SplittableRandom r, int rows, int cols, double scale) {
        Mat m = new Mat(rows, cols);
        for (int i = 0; i < m.data.length; i++) {
            m.data[i] = scale * r.nextGaussian();
        }
        return m;
    }

    /** rows × cols rows drawn uniformly on the unit sphere (normalised Gaussian rows). */
    public static Mat unitRows(SplittableRandom r, int rows, int cols) {
        Mat m = gaussian(r, rows, cols, 1);
        for (int i = 0; i < rows; i++) {
            double n = m.rowNorm(i);
            for (int c = 0; c < cols; c++) {
                m.set(i, c, m.get(i, c) / n);
            }
        }
        return m;
    }

    /** The values rounded to float. */
    public float[] toFloats() {
        float[] f = new float[data.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) data[i];
        }
        return f;
    }

    public double get(int r, int c) {
        return data[r * cols + c];
    }

    public void set(int r, int c, double value) {
        data[r * cols + c] = value;
    }

    public void add(int r, int c, double value) {
        data[r * cols + c] += value;
    }

    /** Dot product of row {@code r} of this matrix with row {@code s} of {@code other}. */
    public double dotRows(int r, Mat other, int s) {
        double sum = 0;
        for (int c = 0; c < cols; c++) {
            sum += data[r * cols + c] * other.data[s * other.cols + c];
        }
        return sum;
    }

    /** this[r, :] += scale · other[s, :]. */
    public void addRow(int r, double scale, Mat other, int s) {
        for (int c = 0; c < cols; c++) {
            data[r * cols + c] += scale * other.data[s * other.cols + c];
        }
    }

    public double rowNorm(int r) {
        return Math.sqrt(dotRows(r, this, r));
    }

    public Mat copy() {
        return new Mat(rows, cols, data.clone());
    }

    public Mat scaled(double s) {
        Mat out = copy();
        for (int i = 0; i < out.data.length; i++) {
            out.data[i] *= s;
        }
        return out;
    }

    /** this += s · other, in place; returns this. */
    public Mat addScaled(double s, Mat other) {
        if (other.rows != rows || other.cols != cols) {
            throw new IllegalArgumentException("Mat.addScaled: " + other.shape() + " does not match " + shape());
        }
        for (int i = 0; i < data.length; i++) {
            data[i] += s * other.data[i];
        }
        return this;
    }

    public String shape() {
        return rows + "×" + cols;
    }

    @Override
    public String toString() {
        return "Mat" + shape() + Arrays.toString(data);
    }
}
