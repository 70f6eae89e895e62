package org.pauc.backend;

import org.pauc.dist.Collective;

import org.pauc.oracle.layers.ConvShape;
import org.pauc.oracle.layers.PoolShape;

/**
 * A compute backend: buffers it owns, the ops of training, synchronisation. Implementations are found
 * with {@link java.util.ServiceLoader} through {@link BackendProvider}; training code talks only to this
 * interface. Conventions:
 * <ul>
 *   <li>Row-major matrices; images NHWC; conv weights kh×kw×cin×cout; linear weights out×in.</li>
 *   <li>Layer backward passes overwrite their gradient outputs; a null gradient output is not computed.</li>
 *   <li>Loss ops return the loss on the host and <em>add</em> {@code scale}·dL/dinput into their gradient
 *       buffers (when non-null), so that the terms of an objective accumulate into one gradient.</li>
 *   <li>Calls may be asynchronous; {@link #download} and {@link #synchronize} wait for them.</li>
 * </ul>
 * Every op's meaning is the oracle's: {@code org.pauc.oracle} (losses) and {@link org.pauc.oracle.layers.Layers}.
 */
public interface Backend extends AutoCloseable {

    /** The name {@code --backend NAME} selects it by. */
    String name();

    /** One line for logs: precision, threads, vector width or device. */
    String description();

    // ---- memory ----

    /** A zero-filled float buffer of n elements. */
    Buffer allocate(int n);

    /** A zero-filled buffer of n ids. */
    Buffer allocateIndices(int n);

    void upload(float[] src, int srcOffset, Buffer dst, int dstOffset, int n);

    void uploadIndices(int[] src, Buffer dst);

    /** The whole contents of an index buffer. */
    int[] downloadIndices(Buffer src);

    void download(Buffer src, int srcOffset, float[] dst, int dstOffset, int n);

    /** dst[dstOffset … +n) = src[srcOffset … +n). */
    void copy(Buffer src, int srcOffset, Buffer dst, int dstOffset, int n);

    void fill(Buffer dst, float value);

    /** Waits until every call made so far has finished. */
    void synchronize();

    default Buffer upload(float[] src) {
        Buffer b = allocate(src.length);
        upload(src, 0, b, 0, src.length);
        return b;
    }

    default float[] download(Buffer src) {
        float[] out = new float[src.size()];
        download(src, 0, out, 0, out.length);
        return out;
    }

    // ---- linear algebra and layers ----

    /** C = α·op(A)·op(B) + β·C with op(A) m×k, op(B) k×n (A stored k×m when ta, B stored n×k when tb). */
    void gemm(boolean ta, boolean tb, int m, int n, int k, float alpha, Buffer a, Buffer b, float beta, Buffer c);

    /** y = conv(x, w) + bias (bias may be null). */
    void conv2d(ConvShape s, Buffer x, Buffer w, Buffer bias, Buffer y);

    /** dx (may be null: not computed), dw and dbias (may be null) of a convolution. */
    void conv2dBackward(ConvShape s, Buffer x, Buffer w, Buffer dy, Buffer dx, Buffer dw, Buffer dbias);

    /**
     * Training-mode batch norm over rows × c (channels last): y = γ(x − μ)/sqrt(σ² + eps) + β with the batch's
     * biased variance; saves μ and 1/sqrt(σ² + eps) for the backward pass and updates the running statistics
     * r ← (1 − momentum)·r + momentum·batch (unbiased variance), as PyTorch does. With {@code relu}, y is
     * followed by max(·, 0) (the fused BN + ReLU of the encoders).
     */
    void batchNormTrain(int rows, int c, Buffer x, Buffer gamma, Buffer beta, Buffer y, Buffer saveMean,
                        Buffer saveInvStd, Buffer runMean, Buffer runVar, float momentum, float eps, boolean relu);

    /** Eval-mode batch norm with the running statistics, optionally followed by ReLU. */
    void batchNormEval(int rows, int c, Buffer x, Buffer gamma, Buffer beta, Buffer runMean, Buffer runVar,
                       float eps, boolean relu, Buffer y);

    /**
     * Backward of training-mode batch norm. When {@code reluOutput} is non-null the forward was fused with ReLU
     * and reluOutput is its output y: the gradient dy passes only where y > 0. β is the forward's: a backend may
     * compute y again from x, γ, β and the saved statistics, as the forward did, instead of reading reluOutput.
     */
    void batchNormBackward(int rows, int c, Buffer x, Buffer gamma, Buffer beta, Buffer saveMean, Buffer saveInvStd,
                           Buffer dy, Buffer reluOutput, Buffer dx, Buffer dgamma, Buffer dbeta);

    /**
     * A convolution and the batch norm on its output: conv2d into mid, then batchNormTrain (train) or batchNormEval
     * from mid into y, with the results of the two ops. After a training-mode call mid holds the convolution's output
     * (the backward passes read it); after an eval-mode call its contents are unspecified, since a backend may
     * normalise the convolution's output without storing it.
     */
    default void conv2dBatchNorm(ConvShape s, Buffer x, Buffer w, Buffer bias, Buffer mid, NormBuffers bn,
                                 boolean train, Buffer y) {
        conv2d(s, x, w, bias, mid);
        if (train) {
            batchNormTrain(s.patches(), s.cout(), mid, bn.gamma(), bn.beta(), y, bn.saveMean(), bn.saveInvStd(),
                    bn.runMean(), bn.runVar(), bn.momentum(), bn.eps(), bn.relu());
        } else {
            batchNormEval(s.patches(), s.cout(), mid, bn.gamma(), bn.beta(), bn.runMean(), bn.runVar(), bn.eps(),
                    bn.relu(), y);
        }
    }

    /** y = a + b over n elements (y may be a or b): the residual connection. */
    void add(int n, Buffer a, Buffer b, Buffer y);

    /** y = max(x, 0) over n elements (y may be x). */
    void relu(int n, Buffer x, Buffer y);

    /** dx = dy where y > 0, else 0 (dx may be dy). */
    void reluBackward(int n, Buffer y, Buffer dy, Buffer dx);

    void maxPool(PoolShape s, Buffer x, Buffer y);

    void maxPoolBackward(PoolShape s, Buffer x, Buffer dy, Buffer dx);

    void avgPool(PoolShape s, Buffer x, Buffer y);

    void avgPoolBackward(PoolShape s, Buffer dy, Buffer dx);

    /** y[n, c] = mean over hw positions of x (n×hw×c). */
    void globalAvgPool(int n, int hw, int c, Buffer x, Buffer y);

    void globalAvgPoolBackward(int n, int hw, int c, Buffer dy, Buffer dx);

    /** y = x·Wᵀ + b (b may be null), x n×in, W out×in. */
    void linear(int n, int in, int out, Buffer x, Buffer w, Buffer b, Buffer y);

    /** dx = dy·W (dx may be null), dW = dyᵀ·x, db = Σ dy (db may be null). */
    void linearBackward(int n, int in, int out, Buffer x, Buffer w, Buffer dy, Buffer dx, Buffer dw, Buffer db);

    /** y = x / max(||x_i||, eps) per row. */
    void l2Normalize(int rows, int cols, Buffer x, Buffer y, float eps);

    /** dx = gradient of sum(dy ⊙ y) w.r.t. x. */
    void l2NormalizeBackward(int rows, int cols, Buffer x, Buffer dy, Buffer dx, float eps);

    // ---- losses (oracle: org.pauc.oracle.*) ----

    /** A loss value with the top-1 accuracy of its logits (Acc@Inst, Acc@Proto), where it has logits. */
    record Scored(double loss, double accuracy) {}

    /** info_nce(q, k, queue; τ) for q, k n×d, queue r×d; dq += scale·dL/dq. */
    Scored infoNce(int n, int d, int r, Buffer q, Buffer k, Buffer queue, float tau, Buffer dq, float scale);

    /** proto_nce for one clustering: C kc×d, phi kc, pos n ids, neg s ids; dq += scale·dL/dq. */
    Scored protoNce(int n, int d, int kc, int s, Buffer q, Buffer c, Buffer phi, Buffer pos, Buffer neg, Buffer dq,
                    float scale);

    /** align(v, C, pos; α); dv += scale·dL/dv. */
    double align(int n, int d, int kc, Buffer v, Buffer c, Buffer pos, float alpha, Buffer dv, float scale);

    /**
     * uniformity(v; t); dv += scale·dL/dv. It is a mean over pairs, so every backend refuses n &lt; 2 with
     * {@link #requirePairs}'s message rather than returning NaN.
     */
    double uniformity(int n, int d, Buffer v, float t, Buffer dv, float scale);

    // ---- the E-step's k-means (oracle: org.pauc.oracle.KMeansStep) ----

    /**
     * assign[i] = argmin_j ‖x_i − c_j‖² over the k centroids (the lowest j on ties) and dist[i] that squared
     * distance, clamped at 0 (x n×d, c k×d; assign an index buffer).
     */
    void kmeansAssign(int n, int d, int k, Buffer x, Buffer c, Buffer assign, Buffer dist);

    /**
     * Member sums (k×d) and counts (k, as floats) of an assignment. Deterministic without float atomics: the values
     * are summed exactly in 64-bit fixed point (scale 2^(62−e), where n·max|x| &lt; 2^e), so any order of addition
     * gives the same bits on every backend that follows this rule.
     */
    void clusterSums(int n, int d, int k, Buffer x, Buffer assign, Buffer sums, Buffer counts);

    /** φ's sums: out[j] = Σ_{i: assign_i = j} ‖x_i − c_j‖₂, summed in fixed point as {@link #clusterSums}. */
    void clusterDistanceSums(int n, int d, int k, Buffer x, Buffer c, Buffer assign, Buffer out);

    /**
     * Whether buffers live in device memory (CUDA): then the E-step keeps the features there and runs k-means
     * through these ops; a host backend clusters with the host's k-means.
     */
    default boolean onDevice() {
        return false;
    }

    /**
     * Collectives on this backend's buffers among the processes of {@code hosts} (which bootstraps them), or null
     * when this backend has none and the host collective carries the data. Every process must call it.
     */
    default DeviceCollective deviceCollective(Collective hosts) {
        return null;
    }

    /** The check each backend's {@link #uniformity} makes first: n ≥ 2 rows, or an IllegalArgumentException. */
    static void requirePairs(int n) {
        if (n < 2) {
            throw new IllegalArgumentException("uniformity: v needs N ≥ 2 rows (pairs of samples), got " + n);
        }
    }

    /** correlation(z; eps); dz += scale·dL/dz. */
    double correlation(int n, int d, Buffer z, float eps, Buffer dz, float scale);

    /** cross_correlation(za, zb; λ_off, eps); dza, dzb += scale·dL/d·. */
    double crossCorrelation(int n, int d, Buffer za, Buffer zb, float lambdaOff, float eps, Buffer dza, Buffer dzb,
                            float scale);

    // ---- optimisation ----

    /** SGD with momentum and weight decay (PyTorch's form): g = grad + wd·p; v ← μv + g; p ← p − lr·v. */
    void sgd(int n, Buffer param, Buffer grad, Buffer velocity, float lr, float momentum, float weightDecay);

    /** θ_k ← m·θ_k + (1 − m)·θ_q. */
    void ema(int n, Buffer target, Buffer source, float m);

    @Override
    void close();
}
