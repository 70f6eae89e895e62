package org.pauc.tensor;

import java.util.Arrays;
import org.pauc.oracle.Mat;

/**
 * A named-shape array as it travels between the op registry, the gradient checker and reference-vector
 * files. Values are held as doubles whatever the dtype; the dtype records how they are written and read.
 */
public record Tensor(DType dtype, int[] shape, double[] data) {

    public Tensor {
        long n = 1;
        for (int s : shape) {
            if (s < 0) {
                throw new IllegalArgumentException("negative size in shape " + Arrays.toString(shape));
            }
            n *= s;
        }
        if (n != data.length) {
            throw new IllegalArgumentException(
                    "shape " + Arrays.toString(shape) + " needs " + n + " values, data has " + data.length);
        }
    }

    public static Tensor scalar(double value) {
        return new Tensor(DType.F64, new int[0], new double[] {value});
    }

    public static Tensor of(Mat m) {
        return new Tensor(DType.F64, new int[] {m.rows, m.cols}, m.data.clone());
    }

    public static Tensor vector(double[] values) {
        return new Tensor(DType.F64, new int[] {values.length}, values.clone());
    }

    public static Tensor indices(int[] ids) {
        double[] d = new double[ids.length];
        for (int i = 0; i < ids.length; i++) {
            d[i] = ids[i];
        }
        return new Tensor(DType.I32, new int[] {ids.length}, d);
    }

    public int size() {
        return data.length;
    }

    public String shapeString() {
        return Arrays.toString(shape);
    }

    public Tensor copy() {
        return new Tensor(dtype, shape.clone(), data.clone());
    }

    /** This tensor as a matrix; it must have rank 2. {@code where} names the op and input for the error. */
    public Mat asMat(String where) {
        if (shape.length != 2) {
            throw new IllegalArgumentException(where + " must be a matrix [rows, cols], got shape " + shapeString());
        }
        return new Mat(shape[0], shape[1], data.clone());
    }

    public double[] asVector(String where) {
        if (shape.length != 1) {
            throw new IllegalArgumentException(where + " must be a vector [n], got shape " + shapeString());
        }
        return data.clone();
    }

    /** This tensor as a vector of integer ids; every value must be an integer that fits an int. */
    public int[] asIndices(String where) {
        double[] v = asVector(where);
        int[] ids = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            if (v[i] != Math.rint(v[i]) || Math.abs(v[i]) > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(where + "[" + i + "] = " + v[i] + " is not an integer id");
            }
            ids[i] = (int) v[i];
        }
        return ids;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Tensor t && t.dtype == dtype && Arrays.equals(t.shape, shape) && Arrays.equals(t.data, data);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(shape) + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return dtype.id() + shapeString();
    }
}
