package org.pauc.nn;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.pauc.backend.Backend;
import org.pauc.backend.Buffer;
import org.pauc.oracle.layers.ConvShape;
import org.pauc.oracle.layers.PoolShape;

/** The layers of pauc's encoders, each a thin wrapper over one backend op (the oracle defines its meaning). */
public final class Modules {
    private Modules() {}

    /** PyTorch's default initialisation of conv and linear layers: U(−1/√fan_in, 1/√fan_in) for weights and bias. */
    static float[] uniform(SplittableRandom rng, int n, int fanIn) {
        double bound = 1 / Math.sqrt(fanIn);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) ((2 * rng.nextDouble() - 1) * bound);
        }
        return a;
    }

    static float[] constant(int n, float v) {
        float[] a = new float[n];
        Arrays.fill(a, v);
        return a;
    }

    /** A square sliding window: its side, stride and padding on each border. */
    public record Window(int k, int stride, int pad) {}

    /** conv k×k, NHWC, weights k×k×cin×cout, with bias. */
    public static final class Conv2d implements Layer {
        final int cin;
        final int cout;
        final int k;
        final int stride;
        final int pad;
        final Param weight;
        final Param bias;

        public Conv2d(Backend be, SplittableRandom rng, String name, int cin, int cout, int k, int stride, int pad,
                      boolean withBias) {
            this.cin = cin;
            this.cout = cout;
            this.k = k;
            this.stride = stride;
            this.pad = pad;
            int fanIn = cin * k * k;
            weight = new Param(be, name + ".weight", new int[] {k, k, cin, cout}, true,
                    uniform(rng, k * k * cin * cout, fanIn));
            bias = withBias ? new Param(be, name + ".bias", new int[] {cout}, true, uniform(rng, cout, fanIn)) : null;
        }

        /** Kernel side, stride and zero padding. */
        public Window window() {
            return new Window(k, stride, pad);
        }

        /** k×k×cin×cout. */
        public Param weight() {
            return weight;
        }

        /** null when the convolution has no bias. */
        public Param bias() {
            return bias;
        }

        ConvShape shape(int n, Dims in) {
            return new ConvShape(n, in.h(), in.w(), cin, cout, k, k, stride, pad);
        }

        @Override
        public Dims output(Dims in) {
            if (in.c() != cin) {
                throw new IllegalArgumentException(describe() + ": input has " + in.c() + " channels, expected " + cin);
            }
            ConvShape s = shape(1, in);
            return new Dims(s.oh(), s.ow(), cout);
        }

        @Override
        public void forward(Backend be, int n, Dims in, Buffer x, Buffer y, boolean train) {
            be.conv2d(shape(n, in), x, weight.value, bias == null ? null : bias.value, y);
        }

        @Override
        public void backward(Backend be, int n, Dims in, Buffer x, Buffer y, Buffer dy, Buffer dx) {
            be.conv2dBackward(shape(n, in), x, weight.value, dy, dx, weight.grad, bias == null ? null : bias.grad);
        }

        @Override
        public List<Param> params() {
            return bias == null ? List.of(weight) : List.of(weight, bias);
        }

        @Override
        public String describe() {
            return "conv" + k + "×" + k + "(" + cin + "→" + cout + ", stride " + stride + ", pad " + pad + ")";
        }
    }

    /**
     * Batch norm over the channels (2-D on images, 1-D on vectors), PyTorch's momentum 0.1 and eps 1e-5; optionally
     * fused with the ReLU that follows it (one pass over memory instead of two, forward and backward). With
     * {@link #split} S &gt; 1, training statistics are those of each of S equal groups of the batch (samples
     * [g·n/S, (g+1)·n/S)), as if each group were on its own device (MoCo's split batch norm); the running statistics
     * move towards the mean of the groups' statistics: r ← (1 − momentum)·r + momentum·mean_g(batch_g).
     */
    public static final class BatchNorm implements Layer {
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

        /** Whether a ReLU is fused after the normalisation. */
        public boolean fusedRelu() {
            return relu;
        }

        public BatchNorm(Backend be, String name, int c, boolean relu) {
            this.c = c;
            this.relu = relu;
            gamma = new Param(be, name + ".weight", new int[] {c}, true, constant(c, 1));
            beta = new Param(be, name + ".bias", new int[] {c}, true, constant(c, 0));
            runMean = new Param(be, name + ".running_mean", new int[] {c}, false, constant(c, 0));
            runVar = new Param(be, name + ".running_var", new int[] {c}, false, constant(c, 1));
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
            be.batchNormBackward(n * in.h() * in.w(), c, x, gamma.value, saveMean, saveInvStd, dy, relu ? y : null, dx,
                    gamma.grad, beta.grad);
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
                be.batchNormBackward(rows, c, gx, gamma.value, gMean[g], gInvStd[g], gdy, relu ? gy : null,
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

    /**
     * Max pooling k×k with a stride and zero or more padding (ResNet's ImageNet stem: 3×3, stride 2, padding 1). A
     * padded input is copied into a buffer filled with −∞ around the image, so a window never takes the padding
     * (PyTorch's semantics), and the backward pass reads the gradient back from the interior.
     */
    public static final class MaxPool implements Layer {
        final int k;
        final int stride;
        final int pad;
        private Buffer padded;
        private Buffer paddedGrad;

        public MaxPool(int k, int stride, int pad) {
            if (pad < 0 || pad >= k) {
                throw new IllegalArgumentException("maxpool: padding " + pad + " must be in [0, " + (k - 1) + "]");
            }
            this.k = k;
            this.stride = stride;
            this.pad = pad;
        }

        /** Kernel side, stride and padding. */
        public Window window() {
            return new Window(k, stride, pad);
        }

        private PoolShape shape(int n, Dims in) {
            return new PoolShape(n, in.h() + 2 * pad, in.w() + 2 * pad, in.c(), k, stride);
        }

        @Override
        public Dims output(Dims in) {
            PoolShape s = shape(1, in);
            return new Dims(s.oh(), s.ow(), in.c());
        }

        /** Copies the rows of n images between x (h×w) and the interior of the padded buffer. */
        private void interior(Backend be, int n, Dims in, Buffer from, Buffer to, boolean intoPadded) {
            int hp = in.h() + 2 * pad;
            int wp = in.w() + 2 * pad;
            int row = in.w() * in.c();
            for (int i = 0; i < n; i++) {
                for (int r = 0; r < in.h(); r++) {
                    int plain = (i * in.h() + r) * row;
                    int inPadded = ((i * hp + r + pad) * wp + pad) * in.c();
                    if (intoPadded) {
                        be.copy(from, plain, to, inPadded, row);
                    } else {
                        be.copy(from, inPadded, to, plain, row);
                    }
                }
            }
        }

        @Override
        public void forward(Backend be, int n, Dims in, Buffer x, Buffer y, boolean train) {
            PoolShape s = shape(n, in);
            if (pad == 0) {
                be.maxPool(s, x, y);
                return;
            }
            if (padded == null || padded.size() < s.inputSize()) {
                close();
                padded = be.allocate(s.inputSize());
                paddedGrad = be.allocate(s.inputSize());
            }
            be.fill(padded, Float.NEGATIVE_INFINITY);
            interior(be, n, in, x, padded, true);
            be.maxPool(s, padded, y);
        }

        @Override
        public void backward(Backend be, int n, Dims in, Buffer x, Buffer y, Buffer dy, Buffer dx) {
            if (dx == null) {
                return;
            }
            PoolShape s = shape(n, in);
            if (pad == 0) {
                be.maxPoolBackward(s, x, dy, dx);
                return;
            }
            be.maxPoolBackward(s, padded, dy, paddedGrad);
            interior(be, n, in, paddedGrad, dx, false);
        }

        @Override
        public List<Param> params() {
            return List.of();
        }

        @Override
        public String describe() {
            return "maxpool" + k + "×" + k + "(stride " + stride + ", pad " + pad + ")";
        }

        @Override
        public void close() {
            if (padded != null) {
                padded.close();
                paddedGrad.close();
                padded = null;
            }
        }
    }

    public static final class Relu implements Layer {
        @Override
        public Dims output(Dims in) {
            return in;
        }

        @Override
        public void forward(Backend be, int n, Dims in, Buffer x, Buffer y, boolean train) {
            be.relu(n * in.size(), x, y);
        }

        @Override
        public void backward(Backend be, int n, Dims in, Buffer x, Buffer y, Buffer dy, Buffer dx) {
            if (dx != null) {
                be.reluBackward(n * in.size(), y, dy, dx);
            }
        }

        @Override
        public List<Param> params() {
            return List.of();
        }

        @Override
        public String describe() {
            return "relu";
        }
    }

    public static final class GlobalAvgPool implements Layer {
        @Override
        public Dims output(Dims in) {
            return new Dims(1, 1, in.c());
        }

        @Override
        public void forward(Backend be, int n, Dims in, Buffer x, Buffer y, boolean train) {
            be.globalAvgPool(n, in.h() * in.w(), in.c(), x, y);
        }

        @Override
        public void backward(Backend be, int n, Dims in, Buffer x, Buffer y, Buffer dy, Buffer dx) {
            if (dx != null) {
                be.globalAvgPoolBackward(n, in.h() * in.w(), in.c(), dy, dx);
            }
        }

        @Override
        public List<Param> params() {
            return List.of();
        }

        @Override
        public String describe() {
            return "global-avg-pool";
        }
    }

    /** y = x·Wᵀ + b, W out×in. */
    public static final class Linear implements Layer {
        final int in;
        final int out;
        final Param weight;
        final Param bias;

        /** out×in, as PyTorch's. */
        public Param weight() {
            return weight;
        }

        public Param bias() {
            return bias;
        }

        public Linear(Backend be, SplittableRandom rng, String name, int in, int out) {
            this.in = in;
            this.out = out;
            weight = new Param(be, name + ".weight", new int[] {out, in}, true, uniform(rng, out * in, in));
            bias = new Param(be, name + ".bias", new int[] {out}, true, uniform(rng, out, in));
        }

        @Override
        public Dims output(Dims d) {
            if (d.size() != in) {
                throw new IllegalArgumentException(describe() + ": input has " + d.size() + " features");
            }
            return new Dims(1, 1, out);
        }

        @Override
        public void forward(Backend be, int n, Dims d, Buffer x, Buffer y, boolean train) {
            be.linear(n, in, out, x, weight.value, bias.value, y);
        }

        @Override
        public void backward(Backend be, int n, Dims d, Buffer x, Buffer y, Buffer dy, Buffer dx) {
            be.linearBackward(n, in, out, x, weight.value, dy, dx, weight.grad, bias.grad);
        }

        @Override
        public List<Param> params() {
            return List.of(weight, bias);
        }

        @Override
        public String describe() {
            return "linear(" + in + "→" + out + ")";
        }
    }
}
