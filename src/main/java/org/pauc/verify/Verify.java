package org.pauc.verify;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.pauc.backend.Backend;
import org.pauc.backend.Buffer;
import org.pauc.backend.NormBuffers;
import org.pauc.nn.BatchNorm;
import org.pauc.nn.Dims;
import org.pauc.ops.Tolerance;
import org.pauc.oracle.layers.ConvShape;
import org.pauc.oracle.layers.PoolShape;

/**
 * Runs every op of the {@link Backend} interface on random inputs on a backend under test and on a reference
 * (the oracle), and compares every output. Sizes include ones that are not multiples of any vector width,
 * single elements and empty tensors. An element passes when
 * |got − want| ≤ {@value #ATOL}·max(1, max|want|) + {@value #RTOL}·|want|.
 */
public final class Verify {
    public static final double RTOL = 1e-4;
    public static final double ATOL = 1e-5;

    /**
     * A float backend's arithmetic against the oracle on the same (possibly bf16-rounded) inputs. Here an element
     * passes when |got − want| ≤ atol·max(1, max|want|) + rtol·|want| (atol scaled by the output's size).
     */
    public static final Tolerance FP32 = new Tolerance(RTOL, ATOL);
    /**
     * bf16 inputs against the float oracle: each input carries a relative error up to 2⁻⁹, so a sum of k products is
     * off by up to about 2⁻⁸·Σ|a·b|; with the verify cases' sizes that stays below 3% of the output's scale.
     */
    public static final Tolerance BF16 = new Tolerance(3e-2, 3e-2);

    /** The comparison of one output of one check. */
    public record Result(String op, String check, String output, int elements, double maxAbs, double maxRel,
                         boolean pass) {
        public String line() {
            return String.format("%-20s %-28s %-10s n=%-7d max_abs=%.3e max_rel=%.3e %s", op, check, output, elements,
                    maxAbs, maxRel, pass ? "PASS" : "FAIL");
        }
    }

    /** A backend plus the host inputs of one check: inputs are uploaded by name, outputs collected by name. */
    public static final class Ctx {
        final Backend be;
        final Map<String, float[]> host;
        final Map<String, float[]> outputs = new LinkedHashMap<>();
        final List<Buffer> live = new ArrayList<>();

        Ctx(Backend be, Map<String, float[]> host) {
            this.be = be;
            this.host = host;
        }

        /** The named host input, uploaded. */
        Buffer in(String name) {
            float[] h = host.get(name);
            Buffer b = be.allocate(h.length);
            be.upload(h, 0, b, 0, h.length);
            live.add(b);
            return b;
        }

        Buffer ids(int[] ids) {
            Buffer b = be.allocateIndices(ids.length);
            be.uploadIndices(ids, b);
            live.add(b);
            return b;
        }

        Buffer zeros(int n) {
            Buffer b = be.allocate(n);
            live.add(b);
            return b;
        }

        /** Records a buffer's contents as a named output. */
        void out(String name, Buffer b) {
            outputs.put(name, be.download(b));
        }

        void scalar(String name, double v) {
            outputs.put(name, new float[] {(float) v});
        }
    }

    /** What a check runs on its context. */
    private interface Body {
        void run(Ctx c);
    }

    private record Check(String op, String name, Map<String, float[]> inputs, Body body) {}

    private final List<Check> checks = new ArrayList<>();
    private final SplittableRandom rng;

    private Verify(long seed) {
        rng = new SplittableRandom(seed);
        build();
    }

    private float[] gauss(int n, double scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (scale * rng.nextGaussian());
        }
        return a;
    }

    private float[] positive(int n, double lo, double hi) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (lo + (hi - lo) * rng.nextDouble());
        }
        return a;
    }

    private float[] unitRows(int n, int d) {
        float[] a = gauss(n * d, 1);
        for (int i = 0; i < n; i++) {
            double s = 0;
            for (int c = 0; c < d; c++) {
                s += a[i * d + c] * a[i * d + c];
            }
            for (int c = 0; c < d; c++) {
                a[i * d + c] /= (float) Math.sqrt(s);
            }
        }
        return a;
    }

    private int[] ids(int n, int bound) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = rng.nextInt(bound);
        }
        return a;
    }

    private static Map<String, float[]> inputs(Object... nameArray) {
        Map<String, float[]> m = new LinkedHashMap<>();
        for (int i = 0; i < nameArray.length; i += 2) {
            m.put((String) nameArray[i], (float[]) nameArray[i + 1]);
        }
        return m;
    }

    private void add(String op, String name, Map<String, float[]> inputs, Body body) {
        checks.add(new Check(op, name, inputs, body));
    }

    private void build() {
        gemmChecks();
        convChecks();
        normChecks();
        convNormChecks();
        splitNormChecks();
        elementwiseChecks();
        poolChecks();
        headChecks();
        normalizeChecks();
        lossChecks();
        kmeansChecks();
    }

    private void gemmChecks() {
        int[][] shapes = {{37, 29, 13}, {1, 1, 1}, {0, 5, 3}, {6, 0, 4}, {5, 3, 0}, {64, 64, 64}, {5, 300, 7}, {130, 33, 70}};
        for (int[] s : shapes) {
            for (int t = 0; t < 4; t++) {
                boolean ta = (t & 1) != 0;
                boolean tb = (t & 2) != 0;
                int m = s[0];
                int n = s[1];
                int k = s[2];
                add("gemm", m + "x" + n + "x" + k + ":" + (ta ? "T" : "N") + (tb ? "T" : "N"),
                        inputs("A", gauss(m * k, 1), "B", gauss(k * n, 1), "C", gauss(m * n, 1)), c -> {
                            Buffer out = c.in("C");
                            c.be.gemm(ta, tb, m, n, k, 0.75f, c.in("A"), c.in("B"), 0.5f, out);
                            c.out("C", out);
                        });
            }
        }
    }

    private void convChecks() {
        ConvShape[] shapes = {
            new ConvShape(3, 9, 7, 3, 5, 3, 3, 1, 1), new ConvShape(2, 8, 8, 4, 6, 3, 3, 2, 1),
            new ConvShape(2, 5, 5, 3, 7, 1, 1, 1, 0), new ConvShape(1, 4, 4, 1, 1, 3, 3, 1, 1),
            new ConvShape(0, 4, 4, 2, 3, 3, 3, 1, 1), new ConvShape(5, 28, 28, 1, 32, 3, 3, 1, 1),
            new ConvShape(3, 14, 14, 32, 64, 3, 3, 2, 1),
            // Winograd F(2×2, 3×3): odd output sizes, channels that are no multiple of a vector, a pad of 2
            new ConvShape(2, 9, 7, 36, 40, 3, 3, 1, 1), new ConvShape(3, 6, 5, 64, 33, 3, 3, 1, 2)};
        for (ConvShape s : shapes) {
            add("conv2d", s.n() + "x" + s.h() + "x" + s.w() + "x" + s.cin() + "->" + s.cout() + " k" + s.kh() + " s"
                            + s.stride() + " p" + s.pad(),
                    inputs("x", gauss(s.inputSize(), 1), "w", gauss(s.weightSize(), 0.3), "b", gauss(s.cout(), 1),
                            "dy", gauss(s.outputSize(), 1)), c -> {
                        Buffer x = c.in("x");
                        Buffer w = c.in("w");
                        Buffer y = c.zeros(s.outputSize());
                        c.be.conv2d(s, x, w, c.in("b"), y);
                        c.out("y", y);
                        Buffer dx = c.zeros(s.inputSize());
                        Buffer dw = c.zeros(s.weightSize());
                        Buffer db = c.zeros(s.cout());
                        c.be.conv2dBackward(s, x, w, c.in("dy"), dx, dw, db);
                        c.out("dx", dx);
                        c.out("dw", dw);
                        c.out("db", db);
                    });
        }
    }

    private void normChecks() {
        int[][] shapes = {{37, 5}, {50, 37}, {1, 3}, {3, 1}, {600, 64}};
        for (int[] sh : shapes) {
            for (boolean relu : new boolean[] {false, true}) {
                int rows = sh[0];
                int ch = sh[1];
                add("batch_norm", rows + "x" + ch + (relu ? "+relu" : ""), inputs("x", gauss(rows * ch, 2),
                        "gamma", gauss(ch, 1), "beta", gauss(ch, 1), "rm", gauss(ch, 0.1), "rv", positive(ch, 0.5, 2),
                        "dy", gauss(rows * ch, 1)), c -> {
                            Buffer x = c.in("x");
                            Buffer gamma = c.in("gamma");
                            Buffer y = c.zeros(rows * ch);
                            Buffer mean = c.zeros(ch);
                            Buffer inv = c.zeros(ch);
                            Buffer rm = c.in("rm");
                            Buffer rv = c.in("rv");
                            c.be.batchNormTrain(rows, ch, x, gamma, c.in("beta"), y, mean, inv, rm, rv, 0.1f, 1e-5f, relu);
                            c.out("y", y);
                            c.out("mean", mean);
                            c.out("invStd", inv);
                            c.out("runMean", rm);
                            c.out("runVar", rv);
                            Buffer dx = c.zeros(rows * ch);
                            Buffer dg = c.zeros(ch);
                            Buffer dbeta = c.zeros(ch);
                            c.be.batchNormBackward(rows, ch, x, gamma, c.in("beta"), mean, inv, c.in("dy"),
                                    relu ? y : null, dx, dg, dbeta);
                            c.out("dx", dx);
                            c.out("dgamma", dg);
                            c.out("dbeta", dbeta);
                            Buffer ye = c.zeros(rows * ch);
                            c.be.batchNormEval(rows, ch, x, gamma, c.in("beta"), c.in("rm"), c.in("rv"), 1e-5f, relu, ye);
                            c.out("y_eval", ye);
                        });
            }
        }
    }

    /**
     * A convolution and the batch norm on its output as one op, in training (the convolution's output and the
     * statistics too) and eval mode: the first two layers of the demo's encoder and of ResNet-18's CIFAR stem, a
     * strided layer, and a 1×1 one (which the CPU backend runs as the two ops).
     */
    private void convNormChecks() {
        ConvShape[] shapes = {new ConvShape(3, 28, 28, 1, 32, 3, 3, 1, 1), new ConvShape(2, 9, 7, 3, 5, 3, 3, 1, 1),
            new ConvShape(2, 14, 14, 32, 64, 3, 3, 2, 1), new ConvShape(2, 5, 5, 3, 7, 1, 1, 1, 0)};
        for (ConvShape s : shapes) {
            for (boolean relu : new boolean[] {false, true}) {
                int ch = s.cout();
                add("conv2d_batch_norm", s.n() + "x" + s.h() + "x" + s.w() + "x" + s.cin() + "->" + ch + " k" + s.kh()
                        + " s" + s.stride() + (relu ? "+relu" : ""), inputs("x", gauss(s.inputSize(), 1), "w",
                        gauss(s.weightSize(), 0.3), "b", gauss(ch, 1), "gamma", gauss(ch, 1), "beta", gauss(ch, 1),
                        "rm", gauss(ch, 0.1), "rv", positive(ch, 0.5, 2)), c -> {
                            NormBuffers bn = new NormBuffers(c.in("gamma"), c.in("beta"), c.in("rm"), c.in("rv"),
                                    c.zeros(ch), c.zeros(ch), 0.1f, 1e-5f, relu);
                            Buffer mid = c.zeros(s.outputSize());
                            Buffer y = c.zeros(s.outputSize());
                            c.be.conv2dBatchNorm(s, c.in("x"), c.in("w"), c.in("b"), mid, bn, true, y);
                            c.out("mid", mid);
                            c.out("y", y);
                            c.out("mean", bn.saveMean());
                            c.out("invStd", bn.saveInvStd());
                            c.out("runMean", bn.runMean());
                            c.out("runVar", bn.runVar());
                            Buffer ye = c.zeros(s.outputSize());
                            c.be.conv2dBatchNorm(s, c.in("x"), c.in("w"), c.in("b"), c.zeros(s.outputSize()), bn,
                                    false, ye);
                            c.out("y_eval", ye);
                        });
            }
        }
    }

    /**
     * Split batch norm (shuffle-BN's groups) as the layer runs it: each group through the backend's batch norm, the
     * running statistics averaged over the groups, γ's and β's gradients summed.
     */
    private void splitNormChecks() {
        int[][] shapes = {{8, 3, 3, 5, 2}, {12, 1, 1, 7, 4}, {64, 4, 4, 16, 8}};
        for (int[] sh : shapes) {
            for (boolean relu : new boolean[] {false, true}) {
                int n = sh[0];
                Dims dims = new Dims(sh[1], sh[2], sh[3]);
                int ch = sh[3];
                int splits = sh[4];
                int size = n * dims.size();
                add("batch_norm_split", n + "x" + sh[1] + "x" + sh[2] + "x" + ch + "/" + splits + (relu ? "+relu" : ""),
                        inputs("x", gauss(size, 2), "gamma", gauss(ch, 1), "beta", gauss(ch, 1), "dy", gauss(size, 1)),
                        c -> {
                            try (BatchNorm bn = new BatchNorm(c.be, "bn", ch, relu)) {
                                bn.split(splits);
                                c.be.copy(c.in("gamma"), 0, bn.gamma().value, 0, ch);
                                c.be.copy(c.in("beta"), 0, bn.beta().value, 0, ch);
                                Buffer x = c.in("x");
                                Buffer y = c.zeros(size);
                                bn.forward(c.be, n, dims, x, y, true);
                                c.out("y", y);
                                c.out("runMean", copy(c, bn.runningMean().value, ch));
                                c.out("runVar", copy(c, bn.runningVar().value, ch));
                                Buffer dx = c.zeros(size);
                                bn.backward(c.be, n, dims, x, y, c.in("dy"), dx);
                                c.out("dx", dx);
                                c.out("dgamma", copy(c, bn.gamma().grad, ch));
                                c.out("dbeta", copy(c, bn.beta().grad, ch));
                            }
                        });
            }
        }
    }

    /** A copy of a layer's buffer that outlives the layer. */
    private static Buffer copy(Ctx c, Buffer b, int n) {
        Buffer out = c.zeros(n);
        c.be.copy(b, 0, out, 0, n);
        return out;
    }

    private void elementwiseChecks() {
        for (int n : new int[] {37, 1, 0, 40000}) {
            add("relu", "n=" + n, inputs("x", gauss(n, 1), "dy", gauss(n, 1)), c -> {
                Buffer y = c.zeros(n);
                c.be.relu(n, c.in("x"), y);
                c.out("y", y);
                Buffer dx = c.zeros(n);
                c.be.reluBackward(n, y, c.in("dy"), dx);
                c.out("dx", dx);
            });
            add("add", "n=" + n, inputs("a", gauss(n, 1), "b", gauss(n, 1)), c -> {
                Buffer y = c.zeros(n);
                c.be.add(n, c.in("a"), c.in("b"), y);
                c.out("y", y);
            });
            add("sgd", "n=" + n, inputs("p", gauss(n, 1), "g", gauss(n, 1), "v", gauss(n, 1)), c -> {
                Buffer p = c.in("p");
                Buffer v = c.in("v");
                c.be.sgd(n, p, c.in("g"), v, 0.03f, 0.9f, 1e-4f);
                c.out("param", p);
                c.out("velocity", v);
            });
            add("ema", "n=" + n, inputs("t", gauss(n, 1), "s", gauss(n, 1)), c -> {
                Buffer t = c.in("t");
                c.be.ema(n, t, c.in("s"), 0.99f);
                c.out("target", t);
            });
        }
    }

    private void poolChecks() {
        PoolShape[] pools = {new PoolShape(2, 6, 5, 3, 2, 2), new PoolShape(1, 7, 7, 37, 3, 2), new PoolShape(1, 1, 1, 1, 1, 1)};
        for (PoolShape s : pools) {
            String name = s.n() + "x" + s.h() + "x" + s.w() + "x" + s.c() + " k" + s.k() + " s" + s.stride();
            add("max_pool", name, inputs("x", gauss(s.inputSize(), 1), "dy", gauss(s.outputSize(), 1)), c -> {
                Buffer x = c.in("x");
                Buffer y = c.zeros(s.outputSize());
                c.be.maxPool(s, x, y);
                c.out("y", y);
                Buffer dx = c.zeros(s.inputSize());
                c.be.maxPoolBackward(s, x, c.in("dy"), dx);
                c.out("dx", dx);
            });
            add("avg_pool", name, inputs("x", gauss(s.inputSize(), 1), "dy", gauss(s.outputSize(), 1)), c -> {
                Buffer y = c.zeros(s.outputSize());
                c.be.avgPool(s, c.in("x"), y);
                c.out("y", y);
                Buffer dx = c.zeros(s.inputSize());
                c.be.avgPoolBackward(s, c.in("dy"), dx);
                c.out("dx", dx);
            });
        }
    }

    /** The encoder's head: global average pooling and the linear layers. */
    private void headChecks() {
        for (int[] s : new int[][] {{3, 5, 37}, {1, 1, 1}, {4, 49, 128}}) {
            int n = s[0];
            int hw = s[1];
            int ch = s[2];
            add("global_avg_pool", n + "x" + hw + "x" + ch, inputs("x", gauss(n * hw * ch, 1), "dy", gauss(n * ch, 1)), c -> {
                Buffer y = c.zeros(n * ch);
                c.be.globalAvgPool(n, hw, ch, c.in("x"), y);
                c.out("y", y);
                Buffer dx = c.zeros(n * hw * ch);
                c.be.globalAvgPoolBackward(n, hw, ch, c.in("dy"), dx);
                c.out("dx", dx);
            });
        }
        for (int[] s : new int[][] {{7, 13, 5}, {1, 1, 1}, {256, 128, 64}}) {
            int n = s[0];
            int in = s[1];
            int out = s[2];
            add("linear", n + "x" + in + "->" + out, inputs("x", gauss(n * in, 1), "w", gauss(out * in, 0.3),
                    "b", gauss(out, 1), "dy", gauss(n * out, 1)), c -> {
                        Buffer x = c.in("x");
                        Buffer w = c.in("w");
                        Buffer y = c.zeros(n * out);
                        c.be.linear(n, in, out, x, w, c.in("b"), y);
                        c.out("y", y);
                        Buffer dx = c.zeros(n * in);
                        Buffer dw = c.zeros(out * in);
                        Buffer db = c.zeros(out);
                        c.be.linearBackward(n, in, out, x, w, c.in("dy"), dx, dw, db);
                        c.out("dx", dx);
                        c.out("dw", dw);
                        c.out("db", db);
                    });
        }
    }

    private void normalizeChecks() {
        for (int[] s : new int[][] {{7, 13}, {1, 1}, {256, 64}}) {
            int rows = s[0];
            int cols = s[1];
            add("l2_normalize", rows + "x" + cols, inputs("x", gauss(rows * cols, 2), "dy", gauss(rows * cols, 1)), c -> {
                Buffer x = c.in("x");
                Buffer y = c.zeros(rows * cols);
                c.be.l2Normalize(rows, cols, x, y, 1e-12f);
                c.out("y", y);
                Buffer dx = c.zeros(rows * cols);
                c.be.l2NormalizeBackward(rows, cols, x, c.in("dy"), dx, 1e-12f);
                c.out("dx", dx);
            });
        }
    }

    private void lossChecks() {
        for (int[] s : new int[][] {{7, 13, 37}, {1, 3, 1}, {33, 64, 4096}}) {
            int n = s[0];
            int d = s[1];
            int r = s[2];
            add("info_nce", n + "x" + d + " r=" + r, inputs("q", unitRows(n, d), "k", unitRows(n, d), "queue", unitRows(r, d),
                    "g", gauss(n * d, 1)), c -> {
                        Buffer g = c.in("g");
                        Backend.Scored sc = c.be.infoNce(n, d, r, c.in("q"), c.in("k"), c.in("queue"), 0.1f, g, 0.7f);
                        c.scalar("loss", sc.loss());
                        c.scalar("accuracy", sc.accuracy());
                        c.out("g+0.7dq", g);
                    });
        }
        for (int[] s : new int[][] {{7, 13, 11, 3}, {1, 2, 1, 0}, {40, 64, 100, 16}}) {
            int n = s[0];
            int d = s[1];
            int k = s[2];
            int sNeg = s[3];
            int[] pos = ids(n, k);
            int[] neg = ids(sNeg, k);
            add("proto_nce", n + "x" + d + " k=" + k + " s=" + sNeg, inputs("q", unitRows(n, d), "C", unitRows(k, d),
                    "phi", positive(k, 0.05, 0.4), "g", gauss(n * d, 1)), c -> {
                        Buffer g = c.in("g");
                        Backend.Scored sc = c.be.protoNce(n, d, k, sNeg, c.in("q"), c.in("C"), c.in("phi"), c.ids(pos),
                                c.ids(neg), g, 0.7f);
                        c.scalar("loss", sc.loss());
                        c.scalar("accuracy", sc.accuracy());
                        c.out("g+0.7dq", g);
                    });
        }
        for (float alpha : new float[] {2f, 1f}) {
            int n = 7;
            int d = 13;
            int k = 5;
            int[] pos = ids(n, k);
            add("align", "alpha=" + alpha, inputs("v", unitRows(n, d), "C", unitRows(k, d), "g", gauss(n * d, 1)), c -> {
                Buffer g = c.in("g");
                c.scalar("loss", c.be.align(n, d, k, c.in("v"), c.in("C"), c.ids(pos), alpha, g, 0.7f));
                c.out("g+0.7dv", g);
            });
        }
        for (int[] s : new int[][] {{7, 13}, {2, 1}, {64, 64}}) {
            int n = s[0];
            int d = s[1];
            add("uniformity", n + "x" + d, inputs("v", unitRows(n, d), "g", gauss(n * d, 1)), c -> {
                Buffer g = c.in("g");
                c.scalar("loss", c.be.uniformity(n, d, c.in("v"), 2f, g, 0.7f));
                c.out("g+0.7dv", g);
            });
            if (n == 2) {
                // fewer than two rows: every backend refuses (Backend.requirePairs) rather than returning NaN
                add("uniformity", "1x" + d + " refused", inputs("v", unitRows(1, d), "g", gauss(d, 1)), c -> {
                    try {
                        c.be.uniformity(1, d, c.in("v"), 2f, c.in("g"), 0.7f);
                        c.scalar("refused", 0);
                    } catch (IllegalArgumentException e) {
                        c.scalar("refused", e.getMessage().startsWith("uniformity: v needs N ≥ 2 rows") ? 1 : 0.5);
                    }
                });
            }
            add("correlation", n + "x" + d, inputs("z", gauss(n * d, 1), "g", gauss(n * d, 1)), c -> {
                Buffer g = c.in("g");
                c.scalar("loss", c.be.correlation(n, d, c.in("z"), 1e-5f, g, 0.7f));
                c.out("g+0.7dz", g);
            });
            add("cross_correlation", n + "x" + d, inputs("za", gauss(n * d, 1), "zb", gauss(n * d, 1),
                    "ga", gauss(n * d, 1), "gb", gauss(n * d, 1)), c -> {
                        Buffer ga = c.in("ga");
                        Buffer gb = c.in("gb");
                        c.scalar("loss", c.be.crossCorrelation(n, d, c.in("za"), c.in("zb"), 5e-3f, 1e-5f, ga, gb, 0.7f));
                        c.out("ga+0.7dza", ga);
                        c.out("gb+0.7dzb", gb);
                    });
        }
    }

    /**
     * The E-step's k-means steps. Points lie near their own centroid (well apart from the others), so the arg-min is
     * never a near-tie that float rounding could flip; the sums take any assignment.
     */
    private void kmeansChecks() {
        for (int[] s : new int[][] {{37, 13, 5}, {1, 3, 1}, {2000, 64, 50}}) {
            int n = s[0];
            int d = s[1];
            int k = s[2];
            float[] c = unitRows(k, d);
            for (int i = 0; i < c.length; i++) {
                c[i] *= 3;
            }
            int[] near = ids(n, k);
            float[] x = gauss(n * d, 0.05);
            for (int i = 0; i < n; i++) {
                for (int t = 0; t < d; t++) {
                    x[i * d + t] += c[near[i] * d + t];
                }
            }
            int[] any = ids(n, k);
            String name = n + "x" + d + " k=" + k;
            add("kmeans_assign", name, inputs("x", x, "c", c), ctx -> {
                Buffer assign = ctx.be.allocateIndices(n);
                ctx.live.add(assign);
                Buffer dist = ctx.zeros(n);
                ctx.be.kmeansAssign(n, d, k, ctx.in("x"), ctx.in("c"), assign, dist);
                int[] got = ctx.be.downloadIndices(assign);
                float[] asFloats = new float[n];
                for (int i = 0; i < n; i++) {
                    asFloats[i] = got[i];
                }
                ctx.outputs.put("assign", asFloats);
                ctx.out("dist", dist);
            });
            add("cluster_sums", name, inputs("x", x), ctx -> {
                Buffer sums = ctx.zeros(k * d);
                Buffer counts = ctx.zeros(k);
                ctx.be.clusterSums(n, d, k, ctx.in("x"), ctx.ids(any), sums, counts);
                ctx.out("sums", sums);
                ctx.out("counts", counts);
            });
            add("cluster_distance_sums", name, inputs("x", x, "c", c), ctx -> {
                Buffer out = ctx.zeros(k);
                ctx.be.clusterDistanceSums(n, d, k, ctx.in("x"), ctx.in("c"), ctx.ids(any), out);
                ctx.out("sums", out);
            });
        }
    }

    /** The names of the interface ops covered. */
    public static List<String> ops() {
        return new Verify(0).checks.stream().map(Check::op).distinct().toList();
    }

    /** Runs every check on both backends (only the ops named in {@code only}, if any) and compares. */
    public static List<Result> run(Backend test, Backend reference, List<String> only, long seed) {
        return run(test, reference, only, seed, FP32);
    }

    /** As above, at the given tolerance. */
    public static List<Result> run(Backend test, Backend reference, List<String> only, long seed, Tolerance tol) {
        List<Result> results = new ArrayList<>();
        for (Check ch : new Verify(seed).checks) {
            if (!only.isEmpty() && !only.contains(ch.op())) {
                continue;
            }
            Map<String, float[]> got = execute(test, ch);
            Map<String, float[]> want = execute(reference, ch);
            for (Map.Entry<String, float[]> e : want.entrySet()) {
                results.add(compare(ch, e.getKey(), got.get(e.getKey()), e.getValue(), tol));
            }
        }
        return results;
    }

    /** Runs one check on one backend and returns its outputs by name. */
    static Map<String, float[]> execute(Backend be, Check ch) {
        Ctx ctx = new Ctx(be, ch.inputs());
        try {
            ch.body().run(ctx);
            be.synchronize();
            return ctx.outputs;
        } finally {
            ctx.live.forEach(Buffer::close);
        }
    }

    /** Outputs of every check on one backend, in order: for the thread-count determinism test. */
    public static List<float[]> outputs(Backend be, long seed) {
        List<float[]> out = new ArrayList<>();
        for (Check ch : new Verify(seed).checks) {
            out.addAll(execute(be, ch).values());
        }
        return out;
    }

    private static Result compare(Check ch, String output, float[] got, float[] want, Tolerance tol) {
        double scale = 1;
        for (float w : want) {
            scale = Math.max(scale, Math.abs(w));
        }
        double maxAbs = 0;
        double maxRel = 0;
        boolean pass = got != null && got.length == want.length;
        if (pass) {
            for (int i = 0; i < want.length; i++) {
                double err = Math.abs((double) got[i] - want[i]);
                if (Double.isNaN(err)) {
                    err = Double.POSITIVE_INFINITY;
                }
                maxAbs = Math.max(maxAbs, err);
                if (Math.abs(want[i]) > tol.atol()) {
                    maxRel = Math.max(maxRel, err / Math.abs(want[i]));
                }
                if (!(err <= tol.atol() * scale + tol.rtol() * Math.abs(want[i]))) {
                    pass = false;
                }
            }
        }
        return new Result(ch.op(), ch.name(), output, want.length, maxAbs, maxRel, pass);
    }
}
