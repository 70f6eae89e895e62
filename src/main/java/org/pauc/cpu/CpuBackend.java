package org.pauc.cpu;

import java.util.Arrays;
import org.pauc.backend.Backend;
import org.pauc.backend.Buffer;
import org.pauc.backend.Compute;
import org.pauc.backend.HeapBuffer;
import org.pauc.backend.NormBuffers;
import org.pauc.hostmath.Gemm;
import org.pauc.hostmath.Parallel;
import org.pauc.hostmath.Vec;
import org.pauc.oracle.layers.ConvShape;
import org.pauc.oracle.layers.PoolShape;

/**
 * The float CPU backend: heap arrays, kernels on the JDK Vector API ({@link Gemm}, {@link Conv}, {@link Norm},
 * {@link Elementwise}, {@link Losses}), parallel over a fixed task decomposition ({@link Parallel}), so the same
 * inputs give bit-identical outputs for any thread count. Every op must match the oracle backend within float
 * rounding; {@code pauc verify --backend cpu} checks that.
 */
public final class CpuBackend implements Backend {

    private final int threads;
    private final boolean bf16;
    /** This backend's threads: every op runs its parallel loops here (never in another backend's pool). */
    private final Parallel pool;

    public CpuBackend(int threads) {
        this(Compute.threads(threads));
    }

    /** With bf16 precision, the inputs of GEMMs, convolutions and linear layers are rounded to bfloat16 (emulated). */
    public CpuBackend(Compute compute) {
        this.threads = compute.threads();
        this.bf16 = compute.precision() == Compute.Precision.BF16;
        this.pool = new Parallel(threads);
    }

    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public String description() {
        return "cpu (" + (bf16 ? "bf16 inputs emulated, float32 accumulation" : "float32") + ", Vector API " + Vec.S.vectorBitSize() + "-bit, " + threads + " thread"
                + (threads == 1 ? "" : "s") + ")";
    }

    static float[] floats(Buffer b) {
        return HeapBuffer.floatsOf(b, "cpu");
    }

    /**
     * An input of a GEMM or convolution: the buffer's floats, or under bf16 a copy rounded to bfloat16 (so products
     * are exact in float and only the accumulation rounds, as on a GPU's bf16 units); null stays null.
     */
    private float[] in(Buffer b) {
        float[] f = floats(b);
        if (!bf16 || f == null) {
            return f;
        }
        float[] r = new float[f.length];
        for (int i = 0; i < f.length; i++) {
            r[i] = Compute.bf16(f[i]);
        }
        return r;
    }

    static int[] ids(Buffer b) {
        return HeapBuffer.idsOf(b, "cpu");
    }

    // ---- memory ----

    @Override
    public Buffer allocate(int n) {
        return HeapBuffer.floats("cpu", n);
    }

    @Override
    public Buffer allocateIndices(int n) {
        return HeapBuffer.ids("cpu", n);
    }

    @Override
    public void upload(float[] src, int srcOffset, Buffer dst, int dstOffset, int n) {
        System.arraycopy(src, srcOffset, floats(dst), dstOffset, n);
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
        System.arraycopy(floats(src), srcOffset, dst, dstOffset, n);
    }

    @Override
    public void copy(Buffer src, int srcOffset, Buffer dst, int dstOffset, int n) {
        System.arraycopy(floats(src), srcOffset, floats(dst), dstOffset, n);
    }

    @Override
    public void fill(Buffer dst, float value) {
        Arrays.fill(floats(dst), value);
    }

    @Override
    public void synchronize() {}

    // ---- layers ----

    @Override
    public void gemm(boolean ta, boolean tb, int m, int n, int k, float alpha, Buffer a, Buffer b, float beta, Buffer c) {
        pool.run(() -> {
            Gemm.gemm(ta, tb, m, n, k, alpha, in(a), in(b), beta, floats(c), true);
        });
    }

    @Override
    public void conv2d(ConvShape s, Buffer x, Buffer w, Buffer bias, Buffer y) {
        pool.run(() -> {
            Conv.forward(s, in(x), in(w), floats(bias), floats(y));
        });
    }

    @Override
    public void conv2dBackward(ConvShape s, Buffer x, Buffer w, Buffer dy, Buffer dx, Buffer dw, Buffer dbias) {
        pool.run(() -> {
            Conv.backward(s, in(x), in(w), in(dy), floats(dy), floats(dx), floats(dw), floats(dbias));
        });
    }

    @Override
    public void conv2dBatchNorm(ConvShape s, Buffer x, Buffer w, Buffer bias, Buffer mid, NormBuffers bn,
                                boolean train, Buffer y) {
        if (bf16 || !ConvNorm.applies(s)) {
            Backend.super.conv2dBatchNorm(s, x, w, bias, mid, bn, train, y);
            return;
        }
        pool.run(() -> {
            ConvNorm.forward(s, floats(x), floats(w), floats(bias), floats(mid), norm(bn), train, floats(y));
        });
    }

    private ConvNorm.Bn norm(NormBuffers b) {
        return new ConvNorm.Bn(floats(b.gamma()), floats(b.beta()), floats(b.runMean()), floats(b.runVar()),
                floats(b.saveMean()), floats(b.saveInvStd()), b.momentum(), b.eps(), b.relu());
    }

    @Override
    public void batchNormTrain(int rows, int c, Buffer x, Buffer gamma, Buffer beta, Buffer y, Buffer saveMean,
                               Buffer saveInvStd, Buffer runMean, Buffer runVar, float momentum, float eps,
                               boolean relu) {
        pool.run(() -> {
            Norm.train(rows, c, floats(x), floats(gamma), floats(beta), floats(y), floats(saveMean), floats(saveInvStd), floats(runMean), floats(runVar),
                    momentum, eps, relu);
        });
    }

    @Override
    public void batchNormEval(int rows, int c, Buffer x, Buffer gamma, Buffer beta, Buffer runMean, Buffer runVar,
                              float eps, boolean relu, Buffer y) {
        pool.run(() -> {
            Norm.eval(rows, c, floats(x), floats(gamma), floats(beta), floats(runMean), floats(runVar), eps, relu, floats(y));
        });
    }

    @Override
    public void batchNormBackward(int rows, int c, Buffer x, Buffer gamma, Buffer beta, Buffer saveMean,
                                  Buffer saveInvStd, Buffer dy, Buffer reluOutput, Buffer dx, Buffer dgamma,
                                  Buffer dbeta) {
        pool.run(() -> {
            // with the ReLU, its output is computed again from x and β rather than read (Norm.backward)
            Norm.backward(rows, c, floats(x), floats(gamma), floats(beta), floats(saveMean), floats(saveInvStd),
                    floats(dy), floats(reluOutput), floats(dx), floats(dgamma), floats(dbeta));
        });
    }

    @Override
    public void add(int n, Buffer a, Buffer b, Buffer y) {
        pool.run(() -> {
            Elementwise.add(n, floats(a), floats(b), floats(y));
        });
    }

    @Override
    public void relu(int n, Buffer x, Buffer y) {
        pool.run(() -> {
            Elementwise.relu(n, floats(x), floats(y));
        });
    }

    @Override
    public void reluBackward(int n, Buffer y, Buffer dy, Buffer dx) {
        pool.run(() -> {
            Elementwise.reluBackward(n, floats(y), floats(dy), floats(dx));
        });
    }

    @Override
    public void maxPool(PoolShape s, Buffer x, Buffer y) {
        pool.run(() -> {
            Elementwise.maxPool(s, floats(x), floats(y), null, null);
        });
    }

    @Override
    public void maxPoolBackward(PoolShape s, Buffer x, Buffer dy, Buffer dx) {
        pool.run(() -> {
            Elementwise.maxPool(s, floats(x), null, floats(dy), floats(dx));
        });
    }

    @Override
    public void avgPool(PoolShape s, Buffer x, Buffer y) {
        pool.run(() -> {
            Elementwise.avgPool(s, floats(x), floats(y));
        });
    }

    @Override
    public void avgPoolBackward(PoolShape s, Buffer dy, Buffer dx) {
        pool.run(() -> {
            Elementwise.avgPoolBackward(s, floats(dy), floats(dx));
        });
    }

    @Override
    public void globalAvgPool(int n, int hw, int c, Buffer x, Buffer y) {
        pool.run(() -> {
            Elementwise.globalAvgPool(n, hw, c, floats(x), floats(y));
        });
    }

    @Override
    public void globalAvgPoolBackward(int n, int hw, int c, Buffer dy, Buffer dx) {
        pool.run(() -> {
            Elementwise.globalAvgPoolBackward(n, hw, c, floats(dy), floats(dx));
        });
    }

    @Override
    public void linear(int n, int in, int out, Buffer x, Buffer w, Buffer b, Buffer y) {
        pool.run(() -> {
            float[] yv = floats(y);
            float[] bv = floats(b);
            if (bv != null) {
                for (int i = 0; i < n; i++) {
                    System.arraycopy(bv, 0, yv, i * out, out);
                }
            }
            Gemm.gemm(false, true, n, out, in, 1f, in(x), in(w), bv != null ? 1f : 0f, yv, true);
        });
    }

    @Override
    public void linearBackward(int n, int in, int out, Buffer x, Buffer w, Buffer dy, Buffer dx, Buffer dw, Buffer db) {
        pool.run(() -> {
            float[] dyv = floats(dy);
            float[] dyIn = in(dy);
            if (dx != null) {
                Gemm.gemm(false, false, n, in, out, 1f, dyIn, in(w), 0f, floats(dx), true);
            }
            Gemm.gemm(true, false, out, in, n, 1f, dyIn, in(x), 0f, floats(dw), true);
            if (db != null) {
                float[] dbv = floats(db);
                Arrays.fill(dbv, 0, out, 0f);
                for (int i = 0; i < n; i++) {
                    Vec.addInto(dyv, i * out, dbv, 0, out);
                }
            }
        });
    }

    @Override
    public void l2Normalize(int rows, int cols, Buffer x, Buffer y, float eps) {
        pool.run(() -> {
            Losses.l2Normalize(rows, cols, floats(x), floats(y), eps);
        });
    }

    @Override
    public void l2NormalizeBackward(int rows, int cols, Buffer x, Buffer dy, Buffer dx, float eps) {
        pool.run(() -> {
            Losses.l2NormalizeBackward(rows, cols, floats(x), floats(dy), floats(dx), eps);
        });
    }

    // ---- losses ----

    @Override
    public Scored infoNce(int n, int d, int r, Buffer q, Buffer k, Buffer queue, float tau, Buffer dq, float scale) {
        return pool.call(() -> {
            return Losses.infoNce(n, d, r, floats(q), floats(k), floats(queue), tau, floats(dq), scale);
        });
    }

    @Override
    public Scored protoNce(int n, int d, int kc, int s, Buffer q, Buffer c, Buffer phi, Buffer pos, Buffer neg,
                           Buffer dq, float scale) {
        return pool.call(() -> {
            return Losses.protoNce(n, d, kc, s, floats(q), floats(c), floats(phi), ids(pos), ids(neg), floats(dq), scale);
        });
    }

    @Override
    public double align(int n, int d, int kc, Buffer v, Buffer c, Buffer pos, float alpha, Buffer dv, float scale) {
        return pool.call(() -> {
            return Losses.align(n, d, kc, floats(v), floats(c), ids(pos), alpha, floats(dv), scale);
        });
    }

    @Override
    public double uniformity(int n, int d, Buffer v, float t, Buffer dv, float scale) {
        return pool.call(() -> {
            Backend.requirePairs(n);
            return Losses.uniformity(n, d, floats(v), t, floats(dv), scale);
        });
    }

    @Override
    public double correlation(int n, int d, Buffer z, float eps, Buffer dz, float scale) {
        return pool.call(() -> {
            return Losses.correlation(n, d, floats(z), eps, floats(dz), scale);
        });
    }

    @Override
    public double crossCorrelation(int n, int d, Buffer za, Buffer zb, float lambdaOff, float eps, Buffer dza,
                                   Buffer dzb, float scale) {
        return pool.call(() -> {
            return Losses.crossCorrelation(n, d, floats(za), floats(zb), lambdaOff, eps, floats(dza), floats(dzb), scale);
        });
    }

    // ---- optimisation ----

    @Override
    public void sgd(int n, Buffer param, Buffer grad, Buffer velocity, float lr, float momentum, float weightDecay) {
        pool.run(() -> {
            Elementwise.sgd(n, floats(param), floats(grad), floats(velocity), lr, momentum, weightDecay);
        });
    }

    @Override
    public void ema(int n, Buffer target, Buffer source, float m) {
        pool.run(() -> {
            Elementwise.ema(n, floats(target), floats(source), m);
        });
    }

    @Override
    public void close() {
        pool.close();
    }

    // ---- the E-step's k-means ----

    @Override
    public void kmeansAssign(int n, int d, int k, Buffer x, Buffer c, Buffer assign, Buffer dist) {
        pool.run(() -> {
            KMeansOps.assign(n, d, k, floats(x), floats(c), ids(assign), floats(dist));
        });
    }

    @Override
    public void clusterSums(int n, int d, int k, Buffer x, Buffer assign, Buffer sums, Buffer counts) {
        pool.run(() -> {
            KMeansOps.sums(n, d, k, floats(x), ids(assign), floats(sums), floats(counts));
        });
    }

    @Override
    public void clusterDistanceSums(int n, int d, int k, Buffer x, Buffer c, Buffer assign, Buffer out) {
        pool.run(() -> {
            KMeansOps.distanceSums(n, d, k, floats(x), floats(c), ids(assign), floats(out));
        });
    }
}
