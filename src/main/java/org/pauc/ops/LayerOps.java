package org.pauc.ops;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.pauc.oracle.layers.ConvShape;
import org.pauc.oracle.layers.Layers;
import org.pauc.oracle.layers.PoolShape;
import org.pauc.tensor.DType;
import org.pauc.tensor.Tensor;

/**
 * The oracle's layer ops ({@link Layers}) under names, for the gradient checker. Each takes its inputs and an
 * upstream gradient {@code dy}; its objective is sum(dy ⊙ y), so grad.NAME is the layer's backward pass.
 */
public final class LayerOps {
    private static final Map<String, NamedOp> OPS = new LinkedHashMap<>();

    static {
        for (NamedOp op : List.of(new GemmOp(), new Conv2dOp(), new BatchNormOp(), new SplitBatchNormOp(), new ReluOp(),
                new PoolOp("max_pool", Layers::maxPool, Layers::maxPoolBackward),
                new PoolOp("avg_pool", Layers::avgPool, (sh, x, dy) -> Layers.avgPoolBackward(sh, dy)),
                new GlobalAvgPoolOp(), new LinearOp())) {
            OPS.put(op.name(), op);
        }
    }

    private LayerOps() {}

    public static List<NamedOp> all() {
        return List.copyOf(OPS.values());
    }

    public static List<String> names() {
        return List.copyOf(OPS.keySet());
    }

    public static boolean contains(String name) {
        return OPS.containsKey(name);
    }

    public static NamedOp get(String name) {
        NamedOp op = OPS.get(name);
        if (op == null) {
            throw new IllegalArgumentException("unknown layer op '" + name + "' (known: " + String.join(", ", OPS.keySet()) + ")");
        }
        return op;
    }

    /** A layer: y = forward(inputs), and the gradient of sum(dy ⊙ y) w.r.t. each differentiated input. */
    private abstract static class LayerOp extends FixedOp {
        LayerOp(String name, Map<String, Double> defaults, List<String> inputs, List<String> grads) {
            super(name, defaults, inputs, grads);
        }

        @Override
        public List<String> valueOutputs() {
            return List.of("y");
        }

        abstract Tensor forward(Map<String, Tensor> in, Map<String, Double> p);

        abstract Map<String, double[]> backward(Map<String, Tensor> in, Map<String, Double> p);

        @Override
        protected Map<String, Tensor> compute(Map<String, Tensor> in, Map<String, Double> p) {
            Map<String, Tensor> out = new LinkedHashMap<>();
            out.put("y", forward(in, p));
            for (Map.Entry<String, double[]> g : backward(in, p).entrySet()) {
                Tensor x = in.get(g.getKey());
                out.put("grad." + g.getKey(), new Tensor(DType.F64, x.shape().clone(), g.getValue()));
            }
            return out;
        }

        @Override
        protected double scalar(Map<String, Tensor> in, Map<String, Double> p) {
            double[] y = forward(in, p).data();
            double[] dy = in.get("dy").data();
            if (dy.length != y.length) {
                throw new IllegalArgumentException(name() + ": dy has " + dy.length + " values, y has " + y.length);
            }
            double s = 0;
            for (int i = 0; i < y.length; i++) {
                s += dy[i] * y[i];
            }
            return s;
        }

        static int[] dims(Map<String, Tensor> in, String name, int rank) {
            int[] s = in.get(name).shape();
            if (s.length != rank) {
                throw new IllegalArgumentException(name + " must have rank " + rank + ", got shape " + in.get(name).shapeString());
            }
            return s;
        }

        static double[] d(Map<String, Tensor> in, String name) {
            return in.get(name).data();
        }

        static Tensor tensor(double[] data, int... shape) {
            return new Tensor(DType.F64, shape, data);
        }
    }

    /** y = op(A)·op(B); params ta, tb ∈ {0, 1}; A is m×k (k×m if ta), B is k×n (n×k if tb). */
    private static final class GemmOp extends LayerOp {
        GemmOp() {
            super("gemm", OracleOps.params("ta", 0, "tb", 0), List.of("A", "B", "dy"), List.of("A", "B"));
        }

        private record Dims(boolean ta, boolean tb, int m, int n, int k) {}

        private Dims dims(Map<String, Tensor> in, Map<String, Double> p) {
            boolean ta = p.get("ta") != 0;
            boolean tb = p.get("tb") != 0;
            int[] a = dims(in, "A", 2);
            int[] b = dims(in, "B", 2);
            int m = ta ? a[1] : a[0];
            int k = ta ? a[0] : a[1];
            int n = tb ? b[0] : b[1];
            if ((tb ? b[1] : b[0]) != k) {
                throw new IllegalArgumentException("gemm: inner sizes differ: op(A) is " + m + "×" + k + ", op(B) is "
                        + (tb ? b[1] : b[0]) + "×" + n);
            }
            return new Dims(ta, tb, m, n, k);
        }

        @Override
        Tensor forward(Map<String, Tensor> in, Map<String, Double> p) {
            Dims g = dims(in, p);
            double[] c = new double[g.m * g.n];
            Layers.gemm(g.ta, g.tb, g.m, g.n, g.k, 1, d(in, "A"), d(in, "B"), 0, c);
            return tensor(c, g.m, g.n);
        }

        @Override
        Map<String, double[]> backward(Map<String, Tensor> in, Map<String, Double> p) {
            Dims g = dims(in, p);
            double[] dy = d(in, "dy");
            double[] da = new double[g.m * g.k];
            double[] db = new double[g.k * g.n];
            // d op(A) = dy·op(B)ᵀ ; stored transposed when ta: dA = op(B)·dyᵀ.
            if (g.ta) {
                Layers.gemm(g.tb, true, g.k, g.m, g.n, 1, d(in, "B"), dy, 0, da);
            } else {
                Layers.gemm(false, !g.tb, g.m, g.k, g.n, 1, dy, d(in, "B"), 0, da);
            }
            // d op(B) = op(A)ᵀ·dy ; stored transposed when tb: dB = dyᵀ·op(A).
            if (g.tb) {
                Layers.gemm(true, g.ta, g.n, g.k, g.m, 1, dy, d(in, "A"), 0, db);
            } else {
                Layers.gemm(!g.ta, false, g.k, g.n, g.m, 1, d(in, "A"), dy, 0, db);
            }
            return Map.of("A", da, "B", db);
        }

        @Override
        protected List<Cases.Case> cases(Cases r) {
            List<Cases.Case> cases = new ArrayList<>();
            int m = 5;
            int n = 7;
            int k = 3;
            for (int ta = 0; ta < 2; ta++) {
                for (int tb = 0; tb < 2; tb++) {
                    Tensor a = ta == 0 ? r.gaussianTensor(1, m, k) : r.gaussianTensor(1, k, m);
                    Tensor b = tb == 0 ? r.gaussianTensor(1, k, n) : r.gaussianTensor(1, n, k);
                    cases.add(r.of((ta == 0 ? "N" : "T") + (tb == 0 ? "N" : "T"), Cases.params("ta", ta, "tb", tb),
                            "A", a, "B", b, "dy", r.gaussianTensor(1, m, n)));
                }
            }
            return cases;
        }
    }

    /** NHWC conv: x n×h×w×cin, w kh×kw×cin×cout, b cout; params stride, pad. */
    private static final class Conv2dOp extends LayerOp {
        Conv2dOp() {
            super("conv2d", OracleOps.params("stride", 1, "pad", 1), List.of("x", "w", "b", "dy"), List.of("x", "w", "b"));
        }

        private ConvShape shape(Map<String, Tensor> in, Map<String, Double> p) {
            int[] x = dims(in, "x", 4);
            int[] w = dims(in, "w", 4);
            if (w[2] != x[3]) {
                throw new IllegalArgumentException("conv2d: w has cin=" + w[2] + ", x has " + x[3] + " channels");
            }
            return new ConvShape(x[0], x[1], x[2], x[3], w[3], w[0], w[1], p.get("stride").intValue(),
                    p.get("pad").intValue());
        }

        @Override
        Tensor forward(Map<String, Tensor> in, Map<String, Double> p) {
            ConvShape s = shape(in, p);
            return tensor(Layers.conv2d(s, d(in, "x"), d(in, "w"), d(in, "b")), s.n(), s.oh(), s.ow(), s.cout());
        }

        @Override
        Map<String, double[]> backward(Map<String, Tensor> in, Map<String, Double> p) {
            Layers.ConvGrads g = Layers.conv2dBackward(shape(in, p), d(in, "x"), d(in, "w"), d(in, "dy"));
            return Map.of("x", g.dx(), "w", g.dw(), "b", g.db());
        }

        @Override
        protected List<Cases.Case> cases(Cases r) {
            return List.of(
                    convCase(r, "3x3-stride1-pad1", 2, 5, 6, 3, 4, 3, 1, 1),
                    convCase(r, "3x3-stride2-pad1", 2, 7, 5, 2, 3, 3, 2, 1),
                    convCase(r, "1x1-stride1-pad0", 1, 4, 3, 5, 2, 1, 1, 0),
                    convCase(r, "3x3-stride1-pad0", 1, 5, 5, 1, 2, 3, 1, 0));
        }

        private static Cases.Case convCase(Cases r, String name, int n, int h, int w, int cin, int cout, int k, int stride,
                                           int pad) {
            int oh = (h + 2 * pad - k) / stride + 1;
            int ow = (w + 2 * pad - k) / stride + 1;
            return r.of(name, Cases.params("stride", stride, "pad", pad), "x", r.gaussianTensor(1, n, h, w, cin),
                    "w", r.gaussianTensor(0.5, k, k, cin, cout), "b", r.gaussianTensor(1, cout),
                    "dy", r.gaussianTensor(1, n, oh, ow, cout));
        }
    }

    /** Training-mode batch norm over the last axis (x rows×c, or n×h×w×c); param eps. */
    private static final class BatchNormOp extends LayerOp {
        BatchNormOp() {
            super("batch_norm", OracleOps.params("eps", 1e-5), List.of("x", "gamma", "beta", "dy"),
                    List.of("x", "gamma", "beta"));
        }

        private static int channels(Map<String, Tensor> in) {
            int[] s = in.get("x").shape();
            return s[s.length - 1];
        }

        @Override
        Tensor forward(Map<String, Tensor> in, Map<String, Double> p) {
            int c = channels(in);
            int rows = in.get("x").size() / c;
            Layers.BatchStats st = Layers.batchStats(rows, c, d(in, "x"), p.get("eps"));
            return new Tensor(DType.F64, in.get("x").shape().clone(),
                    Layers.batchNormApply(rows, c, d(in, "x"), d(in, "gamma"), d(in, "beta"), st.mean(), st.invStd()));
        }

        @Override
        Map<String, double[]> backward(Map<String, Tensor> in, Map<String, Double> p) {
            int c = channels(in);
            int rows = in.get("x").size() / c;
            Layers.BatchStats st = Layers.batchStats(rows, c, d(in, "x"), p.get("eps"));
            Layers.NormGrads g = Layers.batchNormBackward(rows, c, d(in, "x"), d(in, "gamma"), st.mean(), st.invStd(),
                    d(in, "dy"));
            return Map.of("x", g.dx(), "gamma", g.dgamma(), "beta", g.dbeta());
        }

        @Override
        protected List<Cases.Case> cases(Cases r) {
            return List.of(
                    r.of("1d", "x", r.gaussianTensor(2, 6, 5), "gamma", r.gaussianTensor(1, 5), "beta", r.gaussianTensor(1, 5),
                            "dy", r.gaussianTensor(1, 6, 5)),
                    r.of("2d", "x", r.gaussianTensor(1, 2, 3, 3, 4), "gamma", r.gaussianTensor(1, 4),
                            "beta", r.gaussianTensor(1, 4), "dy", r.gaussianTensor(1, 2, 3, 3, 4)),
                    r.of("two-rows", Cases.params("eps", 1e-3), "x", r.gaussianTensor(1, 2, 3), "gamma", r.gaussianTensor(1, 3),
                            "beta", r.gaussianTensor(1, 3), "dy", r.gaussianTensor(1, 2, 3)));
        }
    }

    /**
     * Split batch norm: training-mode batch norm of each of {@code splits} equal groups of the samples (the first
     * axis), each with its own statistics: y[g] = batch_norm(x[g]); param eps, splits.
     */
    private static final class SplitBatchNormOp extends LayerOp {
        SplitBatchNormOp() {
            super("batch_norm_split", OracleOps.params("eps", 1e-5, "splits", 2.0), List.of("x", "gamma", "beta", "dy"),
                    List.of("x", "gamma", "beta"));
        }

        /** Rows and channels of one group. */
        private static int[] group(Map<String, Tensor> in, Map<String, Double> p) {
            int[] s = in.get("x").shape();
            int splits = p.get("splits").intValue();
            if (splits < 1 || s[0] % splits != 0) {
                throw new IllegalArgumentException("batch_norm_split: " + s[0] + " samples do not split into " + splits
                        + " equal groups");
            }
            int c = s[s.length - 1];
            return new int[] {in.get("x").size() / c / splits, c, splits};
        }

        private static double[] part(double[] a, int g, int len) {
            return Arrays.copyOfRange(a, g * len, (g + 1) * len);
        }

        @Override
        Tensor forward(Map<String, Tensor> in, Map<String, Double> p) {
            int[] g = group(in, p);
            int len = g[0] * g[1];
            double[] y = new double[in.get("x").size()];
            for (int s = 0; s < g[2]; s++) {
                double[] x = part(d(in, "x"), s, len);
                Layers.BatchStats st = Layers.batchStats(g[0], g[1], x, p.get("eps"));
                System.arraycopy(Layers.batchNormApply(g[0], g[1], x, d(in, "gamma"), d(in, "beta"), st.mean(),
                        st.invStd()), 0, y, s * len, len);
            }
            return new Tensor(DType.F64, in.get("x").shape().clone(), y);
        }

        @Override
        Map<String, double[]> backward(Map<String, Tensor> in, Map<String, Double> p) {
            int[] g = group(in, p);
            int len = g[0] * g[1];
            double[] dx = new double[in.get("x").size()];
            double[] dgamma = new double[g[1]];
            double[] dbeta = new double[g[1]];
            for (int s = 0; s < g[2]; s++) {
                double[] x = part(d(in, "x"), s, len);
                Layers.BatchStats st = Layers.batchStats(g[0], g[1], x, p.get("eps"));
                Layers.NormGrads ng = Layers.batchNormBackward(g[0], g[1], x, d(in, "gamma"), st.mean(), st.invStd(),
                        part(d(in, "dy"), s, len));
                System.arraycopy(ng.dx(), 0, dx, s * len, len);
                for (int c = 0; c < g[1]; c++) {
                    dgamma[c] += ng.dgamma()[c];
                    dbeta[c] += ng.dbeta()[c];
                }
            }
            return Map.of("x", dx, "gamma", dgamma, "beta", dbeta);
        }

        @Override
        protected List<Cases.Case> cases(Cases r) {
            return List.of(
                    r.of("2d-two-groups", Cases.params("splits", 2), "x", r.gaussianTensor(1, 4, 2, 3, 3),
                            "gamma", r.gaussianTensor(1, 3), "beta", r.gaussianTensor(1, 3), "dy", r.gaussianTensor(1, 4, 2, 3, 3)),
                    r.of("1d-three-groups", Cases.params("splits", 3), "x", r.gaussianTensor(2, 6, 4),
                            "gamma", r.gaussianTensor(1, 4), "beta", r.gaussianTensor(1, 4), "dy", r.gaussianTensor(1, 6, 4)));
        }
    }

    private static final class ReluOp extends LayerOp {
        ReluOp() {
            super("relu", OracleOps.params(), List.of("x", "dy"), List.of("x"));
        }

        @Override
        Tensor forward(Map<String, Tensor> in, Map<String, Double> p) {
            return new Tensor(DType.F64, in.get("x").shape().clone(), Layers.relu(d(in, "x")));
        }

        @Override
        Map<String, double[]> backward(Map<String, Tensor> in, Map<String, Double> p) {
            return Map.of("x", Layers.reluBackward(Layers.relu(d(in, "x")), d(in, "dy")));
        }

        @Override
        protected List<Cases.Case> cases(Cases r) {
            return List.of(r.of("random", "x", r.awayFromZero(4, 6), "dy", r.gaussianTensor(1, 4, 6)));
        }
    }

    private static PoolShape pool(Map<String, Tensor> in, Map<String, Double> p) {
        int[] x = LayerOp.dims(in, "x", 4);
        return new PoolShape(x[0], x[1], x[2], x[3], p.get("kernel").intValue(), p.get("stride").intValue());
    }

    /** A k×k pooling (params kernel, stride): forward(s, x) and backward(s, x, dy) from the oracle's Layers. */
    private static final class PoolOp extends LayerOp {
        interface Forward {
            double[] apply(PoolShape s, double[] x);
        }

        interface Backward {
            double[] apply(PoolShape s, double[] x, double[] dy);
        }

        private final Forward forward;
        private final Backward backward;

        PoolOp(String name, Forward forward, Backward backward) {
            super(name, OracleOps.params("kernel", 2, "stride", 2), List.of("x", "dy"), List.of("x"));
            this.forward = forward;
            this.backward = backward;
        }

        @Override
        Tensor forward(Map<String, Tensor> in, Map<String, Double> p) {
            PoolShape s = pool(in, p);
            return tensor(forward.apply(s, d(in, "x")), s.n(), s.oh(), s.ow(), s.c());
        }

        @Override
        Map<String, double[]> backward(Map<String, Tensor> in, Map<String, Double> p) {
            return Map.of("x", backward.apply(pool(in, p), d(in, "x"), d(in, "dy")));
        }

        @Override
        protected List<Cases.Case> cases(Cases r) {
            return List.of(
                    r.of("2x2-stride2", Cases.params("kernel", 2, "stride", 2), "x", r.gaussianTensor(1, 2, 4, 6, 3),
                            "dy", r.gaussianTensor(1, 2, 2, 3, 3)),
                    r.of("3x3-stride2-odd", Cases.params("kernel", 3, "stride", 2), "x", r.gaussianTensor(1, 1, 7, 5, 2),
                            "dy", r.gaussianTensor(1, 1, 3, 2, 2)));
        }
    }

    private static final class GlobalAvgPoolOp extends LayerOp {
        GlobalAvgPoolOp() {
            super("global_avg_pool", OracleOps.params(), List.of("x", "dy"), List.of("x"));
        }

        @Override
        Tensor forward(Map<String, Tensor> in, Map<String, Double> p) {
            int[] x = dims(in, "x", 4);
            return tensor(Layers.globalAvgPool(x[0], x[1] * x[2], x[3], d(in, "x")), x[0], x[3]);
        }

        @Override
        Map<String, double[]> backward(Map<String, Tensor> in, Map<String, Double> p) {
            int[] x = dims(in, "x", 4);
            return Map.of("x", Layers.globalAvgPoolBackward(x[0], x[1] * x[2], x[3], d(in, "dy")));
        }

        @Override
        protected List<Cases.Case> cases(Cases r) {
            return List.of(r.of("random", "x", r.gaussianTensor(1, 3, 2, 5, 4), "dy", r.gaussianTensor(1, 3, 4)));
        }
    }

    /** y = x·Wᵀ + b with W out×in. */
    private static final class LinearOp extends LayerOp {
        LinearOp() {
            super("linear", OracleOps.params(), List.of("x", "w", "b", "dy"), List.of("x", "w", "b"));
        }

        @Override
        Tensor forward(Map<String, Tensor> in, Map<String, Double> p) {
            int[] x = dims(in, "x", 2);
            int[] w = dims(in, "w", 2);
            return tensor(Layers.linear(x[0], x[1], w[0], d(in, "x"), d(in, "w"), d(in, "b")), x[0], w[0]);
        }

        @Override
        Map<String, double[]> backward(Map<String, Tensor> in, Map<String, Double> p) {
            int[] x = dims(in, "x", 2);
            int[] w = dims(in, "w", 2);
            Layers.LinearGrads g = Layers.linearBackward(x[0], x[1], w[0], d(in, "x"), d(in, "w"), d(in, "dy"));
            return Map.of("x", g.dx(), "w", g.dw(), "b", g.db());
        }

        @Override
        protected List<Cases.Case> cases(Cases r) {
            return List.of(r.of("random", "x", r.gaussianTensor(1, 4, 5), "w", r.gaussianTensor(0.5, 3, 5),
                    "b", r.gaussianTensor(1, 3), "dy", r.gaussianTensor(1, 4, 3)));
        }
    }
}
