package org.pauc.ops;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.pauc.hostmath.Seeds;
import org.pauc.oracle.Mat;
import org.pauc.tensor.DType;
import org.pauc.tensor.Tensor;

/**
 * The seeded randomness of test cases, and the cases of every op. Each op declares its own cases
 * ({@link NamedOp#cases(Cases)}: a random case and the edge cases that break naive implementations, such as
 * near-collapsed embeddings, duplicate prototype ids, one negative, very small τ, a constant feature column, many
 * negatives) from the building blocks here. Shared by the gradient checker and {@code reference generate}.
 */
public final class Cases {

    /** One evaluation of one op: inputs and parameters by name. */
    public record Case(String op, String name, Map<String, Tensor> inputs, Map<String, Double> params) {
        public String id() {
            return op + "/" + name;
        }
    }

    private final SplittableRandom rng;

    private final String op;

    Cases(long seed, String op) {
        this.rng = Seeds.cases(seed, op);
        this.op = op;
    }

    /** Every case of every op of the loss contract, for this seed. */
    public static List<Case> all(long seed) {
        List<Case> out = new ArrayList<>();
        for (NamedOp op : OracleOps.all()) {
            out.addAll(op.cases(seed));
        }
        return out;
    }

    /** The cases of one op (of the contract or a layer), for this seed. */
    public static List<Case> of(String op, long seed) {
        return AllOps.get(op).cases(seed);
    }

    /** A case of this op with default parameters; inputs from alternating names and values. */
    Case of(String name, Object... nameValue) {
        return new Case(op, name, inputs(nameValue), params());
    }

    /** A case of this op with these parameters. */
    Case of(String name, Map<String, Double> params, Object... nameValue) {
        return new Case(op, name, inputs(nameValue), params);
    }

    /** A case of this op with default parameters and these inputs. */
    Case of(String name, Map<String, Tensor> inputs) {
        return new Case(op, name, inputs, params());
    }

    /** A case of this op with these parameters and inputs. */
    Case of(String name, Map<String, Double> params, Map<String, Tensor> inputs) {
        return new Case(op, name, inputs, params);
    }

    // ---- random building blocks -------------------------------------------------------------

    Mat gaussian(int rows, int cols, double scale) {
        return Mat.gaussian(rng, rows, cols, scale);
    }

    /** Rows drawn uniformly on the unit sphere. */
    Mat unitRows(int rows, int cols) {
        return Mat.unitRows(rng, rows, cols);
    }

    /** Rows within about {@code spread} of one common unit vector, renormalised: a near-collapsed batch. */
    Mat collapsedRows(int rows, int cols, double spread) {
        Mat centre = unitRows(1, cols);
        Mat m = gaussian(rows, cols, spread);
        for (int i = 0; i < rows; i++) {
            m.addRow(i, 1, centre, 0);
        }
        return normalizeRows(m);
    }

    static Mat normalizeRows(Mat m) {
        for (int i = 0; i < m.rows; i++) {
            double n = m.rowNorm(i);
            for (int c = 0; c < m.cols; c++) {
                m.set(i, c, m.get(i, c) / n);
            }
        }
        return m;
    }

    int[] ids(int n, int bound) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = rng.nextInt(bound);
        }
        return a;
    }

    /** {@code n} distinct ids from [0, bound) (n ≤ bound), in random order. */
    int[] distinctIds(int n, int bound) {
        int[] perm = new int[bound];
        for (int i = 0; i < bound; i++) {
            perm[i] = i;
        }
        for (int i = 0; i < n; i++) {
            int j = i + rng.nextInt(bound - i);
            int t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        return Arrays.copyOf(perm, n);
    }

    double[] positives(int n, double lo, double hi) {
        double[] a = new double[n];
        for (int i = 0; i < n; i++) {
            a[i] = lo + (hi - lo) * rng.nextDouble();
        }
        return a;
    }

    /** Inputs from alternating names and values (a Mat, ids, a vector or a tensor). */
    static Map<String, Tensor> inputs(Object... nameValue) {
        Map<String, Tensor> m = new LinkedHashMap<>();
        for (int i = 0; i < nameValue.length; i += 2) {
            Object v = nameValue[i + 1];
            Tensor t = switch (v) {
                case Mat mat -> Tensor.of(mat);
                case int[] ids -> Tensor.indices(ids);
                case double[] vec -> Tensor.vector(vec);
                case Tensor tensor -> tensor;
                default -> throw new IllegalArgumentException("unsupported input " + v);
            };
            m.put((String) nameValue[i], t);
        }
        return m;
    }

    /** Parameters from alternating names and numbers. */
    static Map<String, Double> params(Object... nameValue) {
        return OracleOps.params(nameValue);
    }

    /** {@code s} distinct negatives drawn from the ids in [0, k) that are not among the positives. */
    int[] negatives(int[] pos, int k, int s) {
        boolean[] used = new boolean[k];
        for (int p : pos) {
            used[p] = true;
        }
        int[] free = IntStream.range(0, k).filter(c -> !used[c]).toArray();
        int[] pick = distinctIds(Math.min(s, free.length), free.length);
        int[] neg = new int[pick.length];
        for (int i = 0; i < pick.length; i++) {
            neg[i] = free[pick[i]];
        }
        return neg;
    }

    static Mat withConstantColumn(Mat z, int col, double value) {
        for (int i = 0; i < z.rows; i++) {
            z.set(i, col, value);
        }
        return z;
    }

    // ---- tensors for the layer ops ------------------------------------------------------------

    /** A tensor of this shape with N(0, scale²) entries. */
    Tensor gaussianTensor(double scale, int... shape) {
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        double[] data = new double[n];
        for (int i = 0; i < n; i++) {
            data[i] = scale * rng.nextGaussian();
        }
        return new Tensor(DType.F64, shape, data);
    }

    /** Values whose magnitude is at least 0.05, so that finite differences never cross a kink at 0. */
    Tensor awayFromZero(int... shape) {
        Tensor t = gaussianTensor(1, shape);
        for (int i = 0; i < t.size(); i++) {
            double v = t.data()[i];
            t.data()[i] = Math.copySign(Math.abs(v) + 0.05, v);
        }
        return t;
    }
}
