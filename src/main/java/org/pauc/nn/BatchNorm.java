package org.pauc.nn;

import java.util.List;
import org.pauc.backend.Backend;
import org.pauc.backend.Buffer;
import org.pauc.backend.NormBuffers;

/**
 * Batch norm over the channels (2-D on images, 1-D on vectors), PyTorch's momentum 0.1 and eps 1e-5; optionally
 * fused with the ReLU that follows it (one pass over memory instead of two, forward and backward). With
 * {@link #split} S &gt; 1, training statistics are those of each of S equal groups of the batch (samples
 * [g·n/S, (g+1)·n/S)), as if each group were on its own device (MoCo's split batch norm); the running statistics
 * move towards the mean of the groups' statistics: r ← (1 − momentum)·r + momentum·mean_g(batch_g).
 */
public final class BatchNorm implements Layer {
    static final float MOMENTUM = 0.1f;
    static final float EPS = 1e-5f;
    final int c;
    final boolean relu;
    final Param gamma;
    final Param beta;
    final Param runMean;
    final Param runVar;
    final Buffer saveMean;
    final Buffer saveInvStd;
    private int splits = 1;
    /** For split statistics: one group's input, output and gradients, each group's saved statistics. */
    private Buffer gx;
    private Buffer gy;
    private Buffer gdy;
    private Buffer gdx;
    private Buffer[] gMean = new Buffer[0];
    private Buffer[] gInvStd = new Buffer[0];
    private Buffer gRunMean;
    private Buffer gRunVar;
    private Buffer gdGamma;
    private Buffer gdBeta;
    private int capacity;

    /** Statistics over {@code s} groups of each training batch (1 = the whole batch). */
    public void split(int s) {
        if (s < 1) {
            throw new IllegalArgumentException("batch norm splits must be ≥ 1, got " + s);
        }
        this.splits = s;
    }

    @Override
    public List<BatchNorm> allBatchNorms() {
        return List.of(this);
    }

    /** γ, β, the running mean and variance, and ε of y = γ·(x − mean)/sqrt(var + ε) + β in eval mode. */
    public Param gamma() {
        return gamma;
    }

    public Param beta() {
        return beta;
    }

    public Param runningMean() {
        return runMean;
    }

    public Param runningVar() {
        return runVar;
    }

    public static float eps() {
        return EPS;
    }

    /** Its buffers and settings for {@link Backend#conv2dBatchNorm}. */
    NormBuffers buffers() {
        return new NormBuffers(gamma.value, beta.value, runMean.value, runVar.value, saveMean, saveInvStd, MOMENTUM,
                EPS, relu);
    }

    /** Whether its statistics are the whole batch's in training (no split), as {@link Backend#conv2dBatchNorm}'s. */
    boolean unsplit() {
        return splits == 1;
    }

    /** Whether a ReLU is fused after the normalisation. */
    public boolean fusedRelu() {
        return relu;
    }

    public BatchNorm(Backend be, String name, int c, boolean relu) {
        this.c = c;
        this.relu = relu;
        gamma = new Param(be, name + ".weight", new int[] {c}, true, Init.constant(c, 1));
        beta = new Param(be, name + ".bias", new int[] {c}, true, Init.constant(c, 0));
        runMean = new Param(be, name + ".running_mean", new int[] {c}, false, Init.constant(c, 0));
        runVar = new Param(be, name + ".running_var", new int[] {c}, false, Init.constant(c, 1));
        saveMean = be.allocate(c);
        saveInvStd = be.allocate(c);
    }

    @Override
    public Dims output(Dims in) {
        if (in.c() != c) {
            throw new IllegalArgumentException(describe() + ": input has " + in.c() + " channels");
        }
        return in;
    }

    @Override
    public void forward(Backend be, int n, Dims in, Buffer x, Buffer y, boolean train) {
        int rows = n * in.h() * in.w();
        if (train && splits > 1) {
            forwardSplit(be, n, in, x, y);
        } else if (train) {
            be.batchNormTrain(rows, c, x, gamma.value, beta.value, y, saveMean, saveInvStd, runMean.value,
                    runVar.value, MOMENTUM, EPS, relu);
        } else {
            be.batchNormEval(rows, c, x, gamma.value, beta.value, runMean.value, runVar.value, EPS, relu, y);
        }
    }

    @Override
    public void backward(Backend be, int n, Dims in, Buffer x, Buffer y, Buffer dy, Buffer dx) {
        if (splits > 1) {
            backwardSplit(be, n, in, x, y, dy, dx);
            return;
        }
        be.batchNormBackward(n * in.h() * in.w(), c, x, gamma.value, beta.value, saveMean, saveInvStd, dy,
                relu ? y : null, dx, gamma.grad, beta.grad);
    }

    private int groupLength(int n, Dims in) {
        if (n % splits != 0) {
            throw new IllegalArgumentException("split batch norm: a batch of " + n + " does not split into "
                    + splits + " equal groups (--bn-splits must divide --batch-size)");
        }
        return n / splits * in.h() * in.w() * c;
    }

    private void ensure(Backend be, int len) {
        if (len > capacity) {
            closeGroups();
            gx = be.allocate(len);
            gy = be.allocate(len);
            gdy = be.allocate(len);
            gdx = be.allocate(len);
            capacity = len;
        }
        if (gMean.length != splits) {
            for (int g = 0; g < gMean.length; g++) {
                gMean[g].close();
                gInvStd[g].close();
            }
            gMean = new Buffer[splits];
            gInvStd = new Buffer[splits];
            for (int g = 0; g < splits; g++) {
                gMean[g] = be.allocate(c);
                gInvStd[g] = be.allocate(c);
            }
        }
        if (gRunMean == null) {
            gRunMean = be.allocate(c);
            gRunVar = be.allocate(c);
            gdGamma = be.allocate(c);
            gdBeta = be.allocate(c);
        }
    }

    /** Each group through the backend's batch norm; the running statistics averaged over the groups. */
    private void forwardSplit(Backend be, int n, Dims in, Buffer x, Buffer y) {
        int len = groupLength(n, in);
        int rows = len / c;
        ensure(be, len);
        try (Buffer mean0 = be.allocate(c); Buffer var0 = be.allocate(c)) {
            be.copy(runMean.value, 0, mean0, 0, c);
            be.copy(runVar.value, 0, var0, 0, c);
            for (int g = 0; g < splits; g++) {
                be.copy(x, g * len, gx, 0, len);
                be.copy(mean0, 0, gRunMean, 0, c);
                be.copy(var0, 0, gRunVar, 0, c);
                be.batchNormTrain(rows, c, gx, gamma.value, beta.value, gy, gMean[g], gInvStd[g], gRunMean, gRunVar,
                        MOMENTUM, EPS, relu);
                be.copy(gy, 0, y, g * len, len);
                if (g == 0) {
                    be.copy(gRunMean, 0, runMean.value, 0, c);
                    be.copy(gRunVar, 0, runVar.value, 0, c);
                } else {
                    // running mean of the groups' results: r ← g/(g+1)·r + 1/(g+1)·r_g
                    float keep = (float) g / (g + 1);
                    be.ema(c, runMean.value, gRunMean, keep);
                    be.ema(c, runVar.value, gRunVar, keep);
                }
            }
        }
    }

    /** Each group's backward with its own statistics; γ's and β's gradients summed over the groups. */
    private void backwardSplit(Backend be, int n, Dims in, Buffer x, Buffer y, Buffer dy, Buffer dx) {
        int len = groupLength(n, in);
        int rows = len / c;
        ensure(be, len);
        for (int g = 0; g < splits; g++) {
            be.copy(x, g * len, gx, 0, len);
            be.copy(dy, g * len, gdy, 0, len);
            if (relu) {
                be.copy(y, g * len, gy, 0, len);
            }
            Buffer dGamma = g == 0 ? gamma.grad : gdGamma;
            Buffer dBeta = g == 0 ? beta.grad : gdBeta;
            be.batchNormBackward(rows, c, gx, gamma.value, beta.value, gMean[g], gInvStd[g], gdy, relu ? gy : null,
                    dx == null ? null : gdx, dGamma, dBeta);
            if (dx != null) {
                be.copy(gdx, 0, dx, g * len, len);
            }
            if (g > 0) {
                be.add(c, gamma.grad, gdGamma, gamma.grad);
                be.add(c, beta.grad, gdBeta, beta.grad);
            }
        }
    }

    private void closeGroups() {
        for (Buffer b : new Buffer[] {gx, gy, gdy, gdx}) {
            if (b != null) {
                b.close();
            }
        }
        capacity = 0;
    }

    @Override
    public List<Param> params() {
        return List.of(gamma, beta, runMean, runVar);
    }

    @Override
    public String describe() {
        return "batchnorm(" + c + ")" + (relu ? " → relu" : "");
    }

    @Override
    public void close() {
        Layer.super.close();
        saveMean.close();
        saveInvStd.close();
        closeGroups();
        for (int g = 0; g < gMean.length; g++) {
            gMean[g].close();
            gInvStd[g].close();
        }
        for (Buffer b : new Buffer[] {gRunMean, gRunVar, gdGamma, gdBeta}) {
            if (b != null) {
                b.close();
            }
        }
    }
}
