package org.pauc.backend.oracle;

import java.util.Arrays;
import org.pauc.backend.Backend;
import org.pauc.backend.Buffer;
import org.pauc.backend.Compute;
import org.pauc.backend.HeapBuffer;
import org.pauc.oracle.Align;
import org.pauc.oracle.Clustering;
import org.pauc.oracle.Correlation;
import org.pauc.oracle.CrossCorrelation;
import org.pauc.oracle.InfoNce;
import org.pauc.oracle.KMeansStep;
import org.pauc.oracle.L2Normalize;
import org.pauc.oracle.Mat;
import org.pauc.oracle.ProtoNce;
import org.pauc.oracle.Uniformity;
import org.pauc.oracle.layers.ConvShape;
import org.pauc.oracle.layers.Layers;
import org.pauc.oracle.layers.PoolShape;

/**
 * The oracle as a backend: double-precision buffers, every op computed by the scalar reference code. Slow on
 * purpose; it exists so that any backend can be verified against the oracle through the same calls.
 */
public final class OracleBackend implements Backend {
    private final boolean bf16;

    public OracleBackend() {
        this(Compute.Precision.FP32);
    }

    /**
     * Under bf16 the inputs of GEMMs, convolutions and linear layers are rounded to bfloat16 first (through float), as
     * the float backends round theirs; everything after that is the double-precision reference as usual.
     */
    public OracleBackend(Compute.Precision precision) {
        this.bf16 = precision == Compute.Precision.BF16;
    }

    @Override
    public String name() {
        return "oracle";
    }

    @Override
    public String description() {
        return "oracle (double precision" + (bf16 ? " on bf16-rounded GEMM and convolution inputs" : "")
                + ", scalar reference code, 1 thread)";
    }

    private static double[] doubles(Buffer b) {
        return HeapBuffer.doublesOf(b, "oracle");
    }

    /** An input of a GEMM or convolution: the buffer, or under bf16 a copy rounded to bfloat16; null stays null. */
    private double[] in(Buffer b) {
        double[] d = doubles(b);
        if (!bf16 || d == null) {
            return d;
        }
        double[] r = new double[d.length];
        for (int i = 0; i < d.length; i++) {
            r[i] = Compute.bf16((float) d[i]);
        }
        return r;
    }

    /** Σ over rows of a rows×c matrix: the bias gradient, from the float dy whatever the precision. */
    private static double[] columnSums(double[] m, int c) {
        double[] s = new double[c];
        for (int i = 0; i < m.length; i++) {
            s[i % c] += m[i];
        }
        return s;
    }

    private static int[] ids(Buffer b) {
        return HeapBuffer.idsOf(b, "oracle");
    }

    private static Mat mat(Buffer b, int rows, int cols) {
        return new Mat(rows, cols, Arrays.copyOf(doubles(b), rows * cols));
    }

    private static void set(Buffer dst, double[] src) {
        if (dst != null) {
            System.arraycopy(src, 0, doubles(dst), 0, src.length);
        }
    }

    private static void accumulate(Buffer dst, Mat g, double scale) {
        if (dst != null) {
            double[] d = doubles(dst);
            for (int i = 0; i < g.data.length; i++) {
                d[i] += scale * g.data[i];
            }
        }
    }

    // ---- memory ----

    @Override
    public Buffer allocate(int n) {
        return HeapBuffer.doubles("oracle", n);
    }

    @Override
    public Buffer allocateIndices(int n) {
        return HeapBuffer.ids("oracle", n);
    }

    @Override
    public void upload(float[] src, int srcOffset, Buffer dst, int dstOffset, int n) {
        double[] d = doubles(dst);
        for (int i = 0; i < n; i++) {
            d[dstOffset + i] = src[srcOffset + i];
        }
    }

    @Override
    public void uploadIndices(int[] src, Buffer dst) {
        System.arraycopy(src, 0, ids(dst), 0, src.length);
    }

    @Override
    public int[] downloadIndices(Buffer src) {
        return ids(src).clone();
    }

    @Override
    public void download(Buffer src, int srcOffset, float[] dst, int dstOffset, int n) {
        double[] s = doubles(src);
        for (int i = 0; i < n; i++) {
            dst[dstOffset + i] = (float) s[srcOffset + i];
        }
    }

    /** The exact double values of a buffer (for verification against float backends). */
    public double[] downloadExact(Buffer src) {
        return doubles(src).clone();
    }

    @Override
    public void copy(Buffer src, int srcOffset, Buffer dst, int dstOffset, int n) {
        System.arraycopy(doubles(src), srcOffset, doubles(dst), dstOffset, n);
    }

    @Override
    public void fill(Buffer dst, float value) {
        Arrays.fill(doubles(dst), value);
    }

    @Override
    public void synchronize() {}

    // ---- layers ----

    @Override
    public void gemm(boolean ta, boolean tb, int m, int n, int k, float alpha, Buffer a, Buffer b, float beta, Buffer c) {
        Layers.gemm(ta, tb, m, n, k, alpha, in(a), in(b), beta, doubles(c));
    }

    @Override
    public void conv2d(ConvShape s, Buffer x, Buffer w, Buffer bias, Buffer y) {
        set(y, Layers.conv2d(s, in(x), in(w), doubles(bias)));
    }

    @Override
    public void conv2dBackward(ConvShape s, Buffer x, Buffer w, Buffer dy, Buffer dx, Buffer dw, Buffer dbias) {
        Layers.ConvGrads g = Layers.conv2dBackward(s, in(x), in(w), in(dy));
        set(dx, g.dx());
        set(dw, g.dw());
        set(dbias, bf16 ? columnSums(doubles(dy), s.cout()) : g.db());
    }

    @Override
    public void batchNormTrain(int rows, int c, Buffer x, Buffer gamma, Buffer beta, Buffer y, Buffer saveMean,
                               Buffer saveInvStd, Buffer runMean, Buffer runVar, float momentum, float eps,
                               boolean relu) {
        Layers.BatchStats st = Layers.batchStats(rows, c, doubles(x), eps);
        double[] out = Layers.batchNormApply(rows, c, doubles(x), doubles(gamma), doubles(beta), st.mean(), st.invStd());
        set(y, relu ? Layers.relu(out) : out);
        set(saveMean, st.mean());
        set(saveInvStd, st.invStd());
        Layers.updateRunning(doubles(runMean), doubles(runVar), st, momentum);
    }

    @Override
    public void batchNormEval(int rows, int c, Buffer x, Buffer gamma, Buffer beta, Buffer runMean, Buffer runVar,
                              float eps, boolean relu, Buffer y) {
        double[] invStd = new double[c];
        for (int ch = 0; ch < c; ch++) {
            invStd[ch] = 1 / Math.sqrt(doubles(runVar)[ch] + eps);
        }
        double[] out = Layers.batchNormApply(rows, c, doubles(x), doubles(gamma), doubles(beta), doubles(runMean), invStd);
        set(y, relu ? Layers.relu(out) : out);
    }

    @Override
    public void batchNormBackward(int rows, int c, Buffer x, Buffer gamma, Buffer beta, Buffer saveMean,
                                  Buffer saveInvStd, Buffer dy, Buffer reluOutput, Buffer dx, Buffer dgamma,
                                  Buffer dbeta) {
        double[] g0 = reluOutput == null ? doubles(dy) : Layers.reluBackward(doubles(reluOutput), doubles(dy));
        Layers.NormGrads g = Layers.batchNormBackward(rows, c, doubles(x), doubles(gamma), doubles(saveMean), doubles(saveInvStd), g0);
        set(dx, g.dx());
        set(dgamma, g.dgamma());
        set(dbeta, g.dbeta());
    }

    @Override
    public void add(int n, Buffer a, Buffer b, Buffer y) {
        double[] av = doubles(a);
        double[] bv = doubles(b);
        double[] yv = doubles(y);
        for (int i = 0; i < n; i++) {
            yv[i] = av[i] + bv[i];
        }
    }

    @Override
    public void relu(int n, Buffer x, Buffer y) {
        set(y, Layers.relu(Arrays.copyOf(doubles(x), n)));
    }

    @Override
    public void reluBackward(int n, Buffer y, Buffer dy, Buffer dx) {
        set(dx, Layers.reluBackward(Arrays.copyOf(doubles(y), n), Arrays.copyOf(doubles(dy), n)));
    }

    @Override
    public void maxPool(PoolShape s, Buffer x, Buffer y) {
        set(y, Layers.maxPool(s, doubles(x)));
    }

    @Override
    public void maxPoolBackward(PoolShape s, Buffer x, Buffer dy, Buffer dx) {
        set(dx, Layers.maxPoolBackward(s, doubles(x), doubles(dy)));
    }

    @Override
    public void avgPool(PoolShape s, Buffer x, Buffer y) {
        set(y, Layers.avgPool(s, doubles(x)));
    }

    @Override
    public void avgPoolBackward(PoolShape s, Buffer dy, Buffer dx) {
        set(dx, Layers.avgPoolBackward(s, doubles(dy)));
    }

    @Override
    public void globalAvgPool(int n, int hw, int c, Buffer x, Buffer y) {
        set(y, Layers.globalAvgPool(n, hw, c, doubles(x)));
    }

    @Override
    public void globalAvgPoolBackward(int n, int hw, int c, Buffer dy, Buffer dx) {
        set(dx, Layers.globalAvgPoolBackward(n, hw, c, doubles(dy)));
    }

    @Override
    public void linear(int n, int in, int out, Buffer x, Buffer w, Buffer b, Buffer y) {
        set(y, Layers.linear(n, in, out, in(x), in(w), doubles(b)));
    }

    @Override
    public void linearBackward(int n, int in, int out, Buffer x, Buffer w, Buffer dy, Buffer dx, Buffer dw, Buffer db) {
        Layers.LinearGrads g = Layers.linearBackward(n, in, out, in(x), in(w), in(dy));
        set(dx, g.dx());
        set(dw, g.dw());
        set(db, bf16 ? columnSums(doubles(dy), out) : g.db());
    }

    @Override
    public void l2Normalize(int rows, int cols, Buffer x, Buffer y, float eps) {
        set(y, L2Normalize.forward(mat(x, rows, cols), eps).data);
    }

    @Override
    public void l2NormalizeBackward(int rows, int cols, Buffer x, Buffer dy, Buffer dx, float eps) {
        set(dx, L2Normalize.backward(mat(x, rows, cols), mat(dy, rows, cols), eps).data);
    }

    // ---- losses ----

    @Override
    public Scored infoNce(int n, int d, int r, Buffer q, Buffer k, Buffer queue, float tau, Buffer dq, float scale) {
        Mat qm = mat(q, n, d);
        Mat km = mat(k, n, d);
        Mat qu = mat(queue, r, d);
        if (dq != null) {
            accumulate(dq, InfoNce.backward(qm, km, qu, tau, 1), scale);
        }
        return new Scored(InfoNce.forward(qm, km, qu, tau), InfoNce.accuracy(qm, km, qu, tau));
    }

    private static Clustering clustering(int d, int kc, int s, Buffer c, Buffer phi, Buffer pos, Buffer neg) {
        return new Clustering(mat(c, kc, d), Arrays.copyOf(doubles(phi), kc), ids(pos).clone(), Arrays.copyOf(ids(neg), s));
    }

    @Override
    public Scored protoNce(int n, int d, int kc, int s, Buffer q, Buffer c, Buffer phi, Buffer pos, Buffer neg,
                           Buffer dq, float scale) {
        Mat qm = mat(q, n, d);
        Clustering cl = clustering(d, kc, s, c, phi, pos, neg);
        if (dq != null) {
            accumulate(dq, ProtoNce.backward(qm, cl, 1), scale);
        }
        return new Scored(ProtoNce.forward(qm, cl), ProtoNce.accuracy(qm, cl));
    }

    @Override
    public double align(int n, int d, int kc, Buffer v, Buffer c, Buffer pos, float alpha, Buffer dv, float scale) {
        Mat vm = mat(v, n, d);
        Mat cm = mat(c, kc, d);
        int[] p = Arrays.copyOf(ids(pos), n);
        if (dv != null) {
            accumulate(dv, Align.backward(vm, cm, p, alpha, 1), scale);
        }
        return Align.forward(vm, cm, p, alpha);
    }

    @Override
    public double uniformity(int n, int d, Buffer v, float t, Buffer dv, float scale) {
        Backend.requirePairs(n);
        Mat vm = mat(v, n, d);
        if (dv != null) {
            accumulate(dv, Uniformity.backward(vm, t, 1), scale);
        }
        return Uniformity.forward(vm, t);
    }

    @Override
    public double correlation(int n, int d, Buffer z, float eps, Buffer dz, float scale) {
        Mat zm = mat(z, n, d);
        if (dz != null) {
            accumulate(dz, Correlation.backward(zm, eps, 1), scale);
        }
        return Correlation.forward(zm, eps);
    }

    @Override
    public double crossCorrelation(int n, int d, Buffer za, Buffer zb, float lambdaOff, float eps, Buffer dza,
                                   Buffer dzb, float scale) {
        Mat a = mat(za, n, d);
        Mat b = mat(zb, n, d);
        CrossCorrelation.Grads g = CrossCorrelation.backward(a, b, lambdaOff, eps, 1);
        accumulate(dza, g.za(), scale);
        accumulate(dzb, g.zb(), scale);
        return CrossCorrelation.forward(a, b, lambdaOff, eps);
    }

    // ---- optimisation ----

    @Override
    public void sgd(int n, Buffer param, Buffer grad, Buffer velocity, float lr, float momentum, float weightDecay) {
        Layers.sgd(doubles(param), doubles(grad), doubles(velocity), lr, momentum, weightDecay);
    }

    @Override
    public void ema(int n, Buffer target, Buffer source, float m) {
        Layers.ema(doubles(target), doubles(source), m);
    }

    @Override
    public void close() {}

    // ---- the E-step's k-means ----

    @Override
    public void kmeansAssign(int n, int d, int k, Buffer x, Buffer c, Buffer assign, Buffer dist) {
        KMeansStep.Assignment a = KMeansStep.assign(n, d, k, doubles(x), doubles(c));
        System.arraycopy(a.assign(), 0, ids(assign), 0, n);
        System.arraycopy(a.dist(), 0, doubles(dist), 0, n);
    }

    @Override
    public void clusterSums(int n, int d, int k, Buffer x, Buffer assign, Buffer sums, Buffer counts) {
        KMeansStep.Sums s = KMeansStep.sums(n, d, k, doubles(x), Arrays.copyOf(ids(assign), n));
        System.arraycopy(s.sums(), 0, doubles(sums), 0, k * d);
        System.arraycopy(s.counts(), 0, doubles(counts), 0, k);
    }

    @Override
    public void clusterDistanceSums(int n, int d, int k, Buffer x, Buffer c, Buffer assign, Buffer out) {
        System.arraycopy(KMeansStep.distanceSums(n, d, k, doubles(x), doubles(c), Arrays.copyOf(ids(assign), n)), 0,
                doubles(out), 0, k);
    }
}
