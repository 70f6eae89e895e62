package org.pauc.nn;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.pauc.backend.Backend;
import org.pauc.backend.Buffer;

/**
 * A ResNet block: y = relu( main(x) + shortcut(x) ), where main is a chain of conv + BN stages with a ReLU after
 * every stage but the last, and the shortcut is the identity, or conv1×1(stride) + BN when the shape changes.
 * ResNet-18's basic block has two 3×3 stages; ResNet-50's bottleneck has 1×1 (reduce), 3×3 (with the stride, as
 * torchvision's v1.5) and 1×1 (expand ×4). Parameter names follow torchvision: conv1/bn1, conv2/bn2, conv3/bn3,
 * downsample.0/downsample.1. Keeps its inner activations for backward.
 */
public final class ResidualBlock implements Layer {
    private final List<Conv2d> convs;
    private final List<BatchNorm> bns;
    private final Conv2d downConv;
    private final BatchNorm downBn;
    private final String kind;
    private final int cin;
    private final int cout;
    private final int stride;
    /** Per stage: the convolution's output and the batch norm's output. */
    private Buffer[] convOut = new Buffer[0];
    private Buffer[] bnOut = new Buffer[0];
    /** The downsampling shortcut's convolution and batch-norm outputs (blocks with one only). */
    private Buffer s1;
    private Buffer s2;
    private GradientScratch scratch = new GradientScratch();
    private boolean ownScratch = true;
    private int capacity;

    private ResidualBlock(Backend be, SplittableRandom rng, String name, String kind, int cin, int cout, int stride,
                          int[] widths, int[] kernels, int strideStage) {
        this.kind = kind;
        this.cin = cin;
        this.cout = cout;
        this.stride = stride;
        List<Conv2d> cs = new ArrayList<>();
        List<BatchNorm> bs = new ArrayList<>();
        int c = cin;
        for (int i = 0; i < widths.length; i++) {
            int k = kernels[i];
            cs.add(new Conv2d(be, rng, name + ".conv" + (i + 1), c, widths[i], k, i == strideStage ? stride : 1,
                    k / 2, false));
            bs.add(new BatchNorm(be, name + ".bn" + (i + 1), widths[i], i < widths.length - 1));
            c = widths[i];
        }
        convs = List.copyOf(cs);
        bns = List.copyOf(bs);
        boolean project = stride != 1 || cin != cout;
        downConv = project ? new Conv2d(be, rng, name + ".downsample.0", cin, cout, 1, stride, 0, false) : null;
        downBn = project ? new BatchNorm(be, name + ".downsample.1", cout, false) : null;
    }

    /** ResNet-18/34's basic block: conv3×3(stride) + BN + ReLU → conv3×3 + BN. */
    public static ResidualBlock basic(Backend be, SplittableRandom rng, String name, int cin, int cout, int stride) {
        return new ResidualBlock(be, rng, name, "block", cin, cout, stride, new int[] {cout, cout}, new int[] {3, 3}, 0);
    }

    /**
     * ResNet-50's bottleneck with {@code width} inner channels and 4·width outputs: conv1×1 + BN + ReLU →
     * conv3×3(stride) + BN + ReLU → conv1×1 + BN.
     */
    public static ResidualBlock bottleneck(Backend be, SplittableRandom rng, String name, int cin, int width,
                                           int stride) {
        return new ResidualBlock(be, rng, name, "bottleneck", cin, 4 * width, stride, new int[] {width, width, 4 * width},
                new int[] {1, 3, 1}, 1);
    }

    /** The main path's convolutions and batch norms, in order (all but the last batch norm end with a ReLU). */
    public List<Conv2d> convs() {
        return convs;
    }

    public List<BatchNorm> batchNorms() {
        return bns;
    }

    /** The shortcut's convolution and batch norm; null for the identity. */
    public Conv2d downsampleConv() {
        return downConv;
    }

    public BatchNorm downsampleBn() {
        return downBn;
    }

    private Dims[] stageInputs(Dims in) {
        Dims[] d = new Dims[convs.size() + 1];
        d[0] = in;
        for (int i = 0; i < convs.size(); i++) {
            d[i + 1] = convs.get(i).output(d[i]);
        }
        return d;
    }

    @Override
    public Dims output(Dims in) {
        Dims[] d = stageInputs(in);
        return d[d.length - 1];
    }

    private void ensure(Backend be, int n, Dims in) {
        if (n <= capacity) {
            return;
        }
        releaseBuffers();
        Dims[] d = stageInputs(in);
        convOut = new Buffer[convs.size()];
        bnOut = new Buffer[convs.size()];
        for (int i = 0; i < convs.size(); i++) {
            convOut[i] = be.allocate(n * d[i + 1].size());
            bnOut[i] = be.allocate(n * d[i + 1].size());
        }
        int out = n * d[d.length - 1].size();
        if (downConv != null) {
            s1 = be.allocate(out);
            s2 = be.allocate(out);
        }
        capacity = n;
    }

    @Override
    public void forward(Backend be, int n, Dims in, Buffer x, Buffer y, boolean train) {
        ensure(be, n, in);
        Dims[] d = stageInputs(in);
        Buffer h = x;
        for (int i = 0; i < convs.size(); i++) {
            convs.get(i).forwardNormed(be, n, d[i], h, convOut[i], bns.get(i), bnOut[i], train);
            h = bnOut[i];
        }
        Buffer shortcut = x;
        if (downConv != null) {
            downConv.forwardNormed(be, n, in, x, s1, downBn, s2, train);
            shortcut = s2;
        }
        int size = n * d[d.length - 1].size();
        be.add(size, h, shortcut, y);
        be.relu(size, y, y);
    }

    @Override
    public void backward(Backend be, int n, Dims in, Buffer x, Buffer y, Buffer dy, Buffer dx) {
        Dims[] d = stageInputs(in);
        Dims out = d[d.length - 1];
        int largest = n * in.size();
        for (int i = 1; i < d.length; i++) {
            largest = Math.max(largest, n * d[i].size());
        }
        int slot = GradientScratch.LAYER_SLOTS;
        Buffer grad = scratch.get(be, slot, largest);
        Buffer gradConv = scratch.get(be, slot + 1, largest);
        Buffer gradTop = scratch.get(be, slot + 2, n * out.size());
        Buffer gradShortcut = scratch.get(be, slot + 3, largest);
        Buffer gradX = scratch.get(be, slot + 4, n * in.size());
        be.reluBackward(n * out.size(), y, dy, gradTop);             // d(main + shortcut)
        // the shortcut first: the main path's loop reuses the gradient buffers
        if (downConv != null) {
            downBn.backward(be, n, out, s1, s2, gradTop, gradShortcut);
            downConv.backward(be, n, in, x, s1, gradShortcut, dx == null ? null : gradX);
        } else if (dx != null) {
            be.copy(gradTop, 0, gradX, 0, n * in.size());
        }
        Buffer g = gradTop;
        for (int i = convs.size() - 1; i >= 0; i--) {
            bns.get(i).backward(be, n, d[i + 1], convOut[i], bnOut[i], g, gradConv);   // d convOut[i]
            Buffer target = i == 0 ? dx : (g == grad ? gradShortcut : grad);             // d (input of stage i)
            convs.get(i).backward(be, n, d[i], i == 0 ? x : bnOut[i - 1], convOut[i], gradConv, target);
            g = target;
        }
        if (dx != null) {
            be.add(n * in.size(), dx, gradX, dx);
        }
    }

    @Override
    public List<BatchNorm> allBatchNorms() {
        List<BatchNorm> all = new ArrayList<>(bns);
        if (downBn != null) {
            all.add(downBn);
        }
        return all;
    }

    @Override
    public List<Param> params() {
        List<Param> ps = new ArrayList<>();
        for (int i = 0; i < convs.size(); i++) {
            ps.addAll(convs.get(i).params());
            ps.addAll(bns.get(i).params());
        }
        if (downConv != null) {
            ps.addAll(downConv.params());
            ps.addAll(downBn.params());
        }
        return ps;
    }

    @Override
    public String describe() {
        return kind + "(" + cin + "→" + cout + (stride > 1 ? ", stride " + stride : "") + ")";
    }

    private void releaseBuffers() {
        List<Buffer> all = new ArrayList<>(List.of(convOut));
        all.addAll(List.of(bnOut));
        all.addAll(Arrays.asList(s1, s2));
        for (Buffer b : all) {
            if (b != null) {
                b.close();
            }
        }
    }

    @Override
    public void close() {
        Layer.super.close();
        convs.forEach(Conv2d::close);
        bns.forEach(BatchNorm::close);
        if (downConv != null) {
            downConv.close();
            downBn.close();
        }
        releaseBuffers();
        if (ownScratch) {
            scratch.close();
        }
    }

    @Override
    public void shareGradientScratch(GradientScratch shared) {
        scratch.close();
        scratch = shared;
        ownScratch = false;
    }
}
