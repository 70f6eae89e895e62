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
 * Seeded test cases for every op of the contract: a random case and the edge cases that break naive
 * implementations (near-collapsed embeddings, duplicate prototype ids, one negative, very small τ, a
 * constant feature column, many negatives). Shared by the gradient checker and {@code reference generate}.
 */
public final class Cases {

    /** One evaluation of one op: inputs and parameters by name. */
    public record Case(String op, String name, Map<String, Tensor> inputs, Map<String, Double> params) {
        public String id() {
            return op + "/" + name;
        }
    }

    private final SplittableRandom rng;

    private Cases(long seed, String op) {
        this.rng = Seeds.cases(seed, op);
    }

    /** Every case of every op of the loss contract, for this seed. */
    public static List<Case> all(long seed) {
        List<Case> out = new ArrayList<>();
        for (String op : OracleOps.names()) {
            out.addAll(of(op, seed));
        }
        return out;
    }

    /** The cases of one op, for this seed. */
    public static List<Case> of(String op, long seed) {
        Cases c = new Cases(seed, op);
        return switch (op) {
            case "l2_normalize" -> c.l2Normalize();
            case "info_nce" -> c.infoNce();
            case "proto_nce" -> c.protoNce();
            case "align" -> c.align();
            case "uniformity" -> c.uniformity();
            case "correlation" -> c.correlation();
            case "cross_correlation" -> c.crossCorrelation();
            case "concentration" -> c.concentration();
            case "pauc_objective" -> c.paucObjective();
            case "gemm" -> c.gemm();
            case "conv2d" -> c.conv2d();
            case "batch_norm" -> c.batchNorm();
            case "batch_norm_split" -> c.splitBatchNorm();
            case "relu" -> c.relu();
            case "max_pool" -> c.pool("max_pool");
            case "avg_pool" -> c.pool("avg_pool");
            case "global_avg_pool" -> c.globalAvgPool();
            case "linear" -> c.linear();
            default -> throw new IllegalArgumentException("no cases for op '" + op + "'");
        };
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

    private static Map<String, Tensor> inputs(Object... nameValue) {
        Map<String, Tensor> m = new LinkedHashMap<>();
        for (int i = 0; i < nameValue.length; i += 2) {
            Object v = nameValue[i + 1];
            Tensor t = switch (v) {
                case Mat mat -> Tensor.of(mat);
                case int[] ids -> Tensor.indices(ids);
                case double[] vec -> Tensor.vector(vec);
                default -> throw new IllegalArgumentException("unsupported input " + v);
            };
            m.put((String) nameValue[i], t);
        }
        return m;
    }

    private static Map<String, Double> params(Object... nameValue) {
        return OracleOps.params(nameValue);
    }

    // ---- the cases ----------------------------------------------------------------------------

    private List<Case> l2Normalize() {
        String op = "l2_normalize";
        Mat small = gaussian(3, 4, 1);
        for (int c = 0; c < 4; c++) {
            small.set(1, c, small.get(1, c) * 1e-3);
        }
        return List.of(
                new Case(op, "random", inputs("x", gaussian(5, 7, 2), "dy", gaussian(5, 7, 1)), params()),
                new Case(op, "one-row", inputs("x", gaussian(1, 3, 1), "dy", gaussian(1, 3, 1)), params()),
                new Case(op, "below-eps", inputs("x", small, "dy", gaussian(3, 4, 1)), params("eps", 0.5)));
    }

    private List<Case> infoNce() {
        String op = "info_nce";
        Mat collapsed = collapsedRows(7, 4, 1e-3);
        Mat cq = new Mat(3, 4, Arrays.copyOfRange(collapsed.data, 0, 12));
        Mat ck = new Mat(3, 4, Arrays.copyOfRange(collapsed.data, 0, 12));
        Mat cqueue = new Mat(4, 4, Arrays.copyOfRange(collapsed.data, 12, 28));
        return List.of(
                new Case(op, "random", inputs("q", unitRows(4, 6), "k", unitRows(4, 6), "queue", unitRows(9, 6)), params()),
                new Case(op, "small-tau", inputs("q", unitRows(3, 5), "k", unitRows(3, 5), "queue", unitRows(6, 5)),
                        params("tau", 0.02)),
                new Case(op, "one-negative", inputs("q", unitRows(3, 4), "k", unitRows(3, 4), "queue", unitRows(1, 4)),
                        params("tau", 0.1)),
                new Case(op, "near-collapsed", inputs("q", cq, "k", ck, "queue", cqueue), params()),
                new Case(op, "many-negatives",
                        inputs("q", unitRows(2, 4), "k", unitRows(2, 4), "queue", unitRows(2048, 4)), params("tau", 0.05)));
    }

    private List<Case> protoNce() {
        String op = "proto_nce";
        return List.of(
                new Case(op, "random", protoInputs(unitRows(5, 6), 7, ids(5, 7), 2, 0.05, 0.4), params()),
                new Case(op, "duplicate-ids", protoInputs(unitRows(6, 4), 3, new int[] {0, 0, 1, 1, 1, 0}, 1, 0.1, 0.3),
                        params()),
                new Case(op, "one-negative", protoInputs(unitRows(3, 5), 5, ids(3, 5), 1, 0.1, 0.3), params()),
                new Case(op, "no-negatives", protoInputs(unitRows(3, 5), 4, ids(3, 4), 0, 0.1, 0.3), params()),
                new Case(op, "small-phi", protoInputs(unitRows(4, 5), 8, ids(4, 8), 3, 0.01, 0.03), params()),
                new Case(op, "near-collapsed", protoInputs(collapsedRows(5, 4, 1e-3), 6, ids(5, 6), 2, 0.1, 0.3),
                        params()));
    }

    /** proto_nce inputs: S distinct negatives drawn from the ids not used as positives. */
    private Map<String, Tensor> protoInputs(Mat q, int k, int[] pos, int s, double phiLo, double phiHi) {
        return inputs("q", q, "C", unitRows(k, q.cols), "phi", positives(k, phiLo, phiHi), "pos", pos,
                "neg", negatives(pos, k, s));
    }

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

    private List<Case> align() {
        String op = "align";
        Mat c = unitRows(3, 4);
        int[] pos = {2, 0, 2, 1, 2};
        Mat near = new Mat(5, 4);
        for (int i = 0; i < 5; i++) {
            near.addRow(i, 1, c, pos[i]);
        }
        near.addScaled(1, gaussian(5, 4, 1e-3));
        return List.of(
                new Case(op, "random", inputs("v", unitRows(5, 6), "C", unitRows(4, 6), "pos", ids(5, 4)), params()),
                new Case(op, "alpha-1", inputs("v", unitRows(4, 3), "C", unitRows(3, 3), "pos", ids(4, 3)),
                        params("alpha", 1)),
                new Case(op, "alpha-3", inputs("v", unitRows(4, 3), "C", unitRows(3, 3), "pos", ids(4, 3)),
                        params("alpha", 3)),
                new Case(op, "duplicate-ids-near-prototype", inputs("v", near, "C", c, "pos", pos), params()));
    }

    private List<Case> uniformity() {
        String op = "uniformity";
        return List.of(
                new Case(op, "random", inputs("v", unitRows(6, 5)), params()),
                new Case(op, "two-samples", inputs("v", unitRows(2, 3)), params()),
                new Case(op, "near-collapsed", inputs("v", collapsedRows(5, 4, 1e-3)), params()),
                new Case(op, "large-t", inputs("v", unitRows(5, 3)), params("t", 20)));
    }

    private Mat withConstantColumn(Mat z, int col, double value) {
        for (int i = 0; i < z.rows; i++) {
            z.set(i, col, value);
        }
        return z;
    }

    private List<Case> correlation() {
        String op = "correlation";
        return List.of(
                new Case(op, "random", inputs("z", gaussian(8, 5, 1)), params()),
                new Case(op, "constant-column", inputs("z", withConstantColumn(gaussian(6, 4, 1), 2, 0.7)), params()),
                new Case(op, "two-samples", inputs("z", gaussian(2, 3, 1)), params("eps", 1e-3)),
                new Case(op, "near-collapsed", inputs("z", collapsedRows(6, 4, 1e-2)), params()));
    }

    private List<Case> crossCorrelation() {
        String op = "cross_correlation";
        return List.of(
                new Case(op, "random", inputs("za", gaussian(8, 4, 1), "zb", gaussian(8, 4, 1)), params()),
                new Case(op, "constant-column",
                        inputs("za", withConstantColumn(gaussian(6, 3, 1), 1, -0.3), "zb", gaussian(6, 3, 1)),
                        params("lambda_off", 0.1)),
                new Case(op, "same-view", sameView(7, 4), params()));
    }

    private Map<String, Tensor> sameView(int n, int d) {
        Mat z = gaussian(n, d, 1);
        Mat zb = z.copy().addScaled(1, gaussian(n, d, 0.05));
        return inputs("za", z, "zb", zb);
    }

    private List<Case> concentration() {
        String op = "concentration";
        Mat f = unitRows(20, 4);
        int[] assign = ids(20, 4);
        Mat centroids = gaussian(4, 4, 0.5);
        // Singletons and an empty cluster: ids 5 and 6 get one member each, 7 none.
        int[] withSingletons = ids(12, 5);
        withSingletons[3] = 5;
        withSingletons[9] = 6;
        return List.of(
                new Case(op, "random", inputs("F", f, "C_raw", centroids, "assign", assign), params()),
                new Case(op, "singletons-and-empty",
                        inputs("F", unitRows(12, 3), "C_raw", gaussian(8, 3, 0.5), "assign", withSingletons),
                        params("alpha", 10, "tau", 0.1)),
                new Case(op, "two-clusters", inputs("F", unitRows(6, 3), "C_raw", gaussian(2, 3, 0.5),
                        "assign", new int[] {0, 1, 0, 1, 1, 0}), params("alpha", 2, "tau", 0.3)));
    }

    private List<Case> paucObjective() {
        String op = "pauc_objective";
        List<Case> cases = new ArrayList<>();
        cases.add(new Case(op, "moco-m0", objective(5, 6, 8, new int[0], 0), params()));
        cases.add(new Case(op, "pauc-m1", objective(5, 6, 8, new int[] {4}, 2), params()));
        cases.add(new Case(op, "pauc-m2", objective(6, 5, 7, new int[] {3, 5}, 2),
                params("lambda_align", 0.3, "lambda_unif", 0.7, "lambda_corr", 0.05, "alpha", 1.5, "t", 3)));
        cases.add(new Case(op, "pcl-m2", objective(4, 5, 6, new int[] {3, 6}, 2),
                params("lambda_align", 0, "lambda_unif", 0, "lambda_corr", 0)));
        cases.add(new Case(op, "small-tau", objective(4, 4, 5, new int[] {5}, 1), params("tau", 0.02)));
        return cases;
    }

    /** Objective inputs: raw (unnormalised) u, unit keys and queue, and M clusterings of sizes ks. */
    private Map<String, Tensor> objective(int n, int d, int r, int[] ks, int negatives) {
        Map<String, Tensor> in = inputs("u", gaussian(n, d, 3), "k", unitRows(n, d), "queue", unitRows(r, d));
        for (int m = 0; m < ks.length; m++) {
            int[] pos = ids(n, ks[m]);
            in.put("C." + m, Tensor.of(unitRows(ks[m], d)));
            in.put("phi." + m, Tensor.vector(positives(ks[m], 0.05, 0.4)));
            in.put("pos." + m, Tensor.indices(pos));
            in.put("neg." + m, Tensor.indices(negatives(pos, ks[m], negatives)));
        }
        return in;
    }

    // ---- layer ops (gradient checks only) ------------------------------------------------------

    private Tensor gaussianTensor(double scale, int... shape) {
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
    private Tensor awayFromZero(int... shape) {
        Tensor t = gaussianTensor(1, shape);
        for (int i = 0; i < t.size(); i++) {
            double v = t.data()[i];
            t.data()[i] = Math.copySign(Math.abs(v) + 0.05, v);
        }
        return t;
    }

    private static Map<String, Tensor> tensors(Object... nameTensor) {
        Map<String, Tensor> m = new LinkedHashMap<>();
        for (int i = 0; i < nameTensor.length; i += 2) {
            m.put((String) nameTensor[i], (Tensor) nameTensor[i + 1]);
        }
        return m;
    }

    private List<Case> gemm() {
        List<Case> cases = new ArrayList<>();
        int m = 5;
        int n = 7;
        int k = 3;
        for (int ta = 0; ta < 2; ta++) {
            for (int tb = 0; tb < 2; tb++) {
                Tensor a = ta == 0 ? gaussianTensor(1, m, k) : gaussianTensor(1, k, m);
                Tensor b = tb == 0 ? gaussianTensor(1, k, n) : gaussianTensor(1, n, k);
                cases.add(new Case("gemm", (ta == 0 ? "N" : "T") + (tb == 0 ? "N" : "T"),
                        tensors("A", a, "B", b, "dy", gaussianTensor(1, m, n)), params("ta", ta, "tb", tb)));
            }
        }
        return cases;
    }

    private List<Case> conv2d() {
        return List.of(
                convCase("3x3-stride1-pad1", 2, 5, 6, 3, 4, 3, 1, 1),
                convCase("3x3-stride2-pad1", 2, 7, 5, 2, 3, 3, 2, 1),
                convCase("1x1-stride1-pad0", 1, 4, 3, 5, 2, 1, 1, 0),
                convCase("3x3-stride1-pad0", 1, 5, 5, 1, 2, 3, 1, 0));
    }

    private Case convCase(String name, int n, int h, int w, int cin, int cout, int k, int stride, int pad) {
        int oh = (h + 2 * pad - k) / stride + 1;
        int ow = (w + 2 * pad - k) / stride + 1;
        return new Case("conv2d", name, tensors("x", gaussianTensor(1, n, h, w, cin), "w", gaussianTensor(0.5, k, k, cin, cout),
                "b", gaussianTensor(1, cout), "dy", gaussianTensor(1, n, oh, ow, cout)), params("stride", stride, "pad", pad));
    }

    private List<Case> batchNorm() {
        return List.of(
                new Case("batch_norm", "1d", tensors("x", gaussianTensor(2, 6, 5), "gamma", gaussianTensor(1, 5),
                        "beta", gaussianTensor(1, 5), "dy", gaussianTensor(1, 6, 5)), params()),
                new Case("batch_norm", "2d", tensors("x", gaussianTensor(1, 2, 3, 3, 4), "gamma", gaussianTensor(1, 4),
                        "beta", gaussianTensor(1, 4), "dy", gaussianTensor(1, 2, 3, 3, 4)), params()),
                new Case("batch_norm", "two-rows", tensors("x", gaussianTensor(1, 2, 3), "gamma", gaussianTensor(1, 3),
                        "beta", gaussianTensor(1, 3), "dy", gaussianTensor(1, 2, 3)), params("eps", 1e-3)));
    }

    private List<Case> splitBatchNorm() {
        return List.of(
                new Case("batch_norm_split", "2d-two-groups", tensors("x", gaussianTensor(1, 4, 2, 3, 3),
                        "gamma", gaussianTensor(1, 3), "beta", gaussianTensor(1, 3), "dy", gaussianTensor(1, 4, 2, 3, 3)),
                        params("splits", 2)),
                new Case("batch_norm_split", "1d-three-groups", tensors("x", gaussianTensor(2, 6, 4), "gamma",
                        gaussianTensor(1, 4), "beta", gaussianTensor(1, 4), "dy", gaussianTensor(1, 6, 4)),
                        params("splits", 3)));
    }

    private List<Case> relu() {
        return List.of(new Case("relu", "random", tensors("x", awayFromZero(4, 6), "dy", gaussianTensor(1, 4, 6)), params()));
    }

    private List<Case> pool(String op) {
        return List.of(
                new Case(op, "2x2-stride2", tensors("x", gaussianTensor(1, 2, 4, 6, 3), "dy", gaussianTensor(1, 2, 2, 3, 3)),
                        params("kernel", 2, "stride", 2)),
                new Case(op, "3x3-stride2-odd", tensors("x", gaussianTensor(1, 1, 7, 5, 2), "dy", gaussianTensor(1, 1, 3, 2, 2)),
                        params("kernel", 3, "stride", 2)));
    }

    private List<Case> globalAvgPool() {
        return List.of(new Case("global_avg_pool", "random",
                tensors("x", gaussianTensor(1, 3, 2, 5, 4), "dy", gaussianTensor(1, 3, 4)), params()));
    }

    private List<Case> linear() {
        return List.of(new Case("linear", "random", tensors("x", gaussianTensor(1, 4, 5), "w", gaussianTensor(0.5, 3, 5),
                "b", gaussianTensor(1, 3), "dy", gaussianTensor(1, 4, 3)), params()));
    }
}
