package org.pauc.nn;

import java.util.List;
import java.util.SplittableRandom;
import org.pauc.backend.Backend;
import org.pauc.backend.Buffer;
import org.pauc.oracle.layers.ConvShape;

/** A layer of pauc's encoders, a thin wrapper over one backend op (the oracle defines its meaning): conv k×k, NHWC, weights k×k×cin×cout, with bias. */
public final class Conv2d implements Layer {
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
                Init.uniform(rng, k * k * cin * cout, fanIn));
        bias = withBias ? new Param(be, name + ".bias", new int[] {cout}, true, Init.uniform(rng, cout, fanIn)) : null;
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

    /**
     * This convolution and the batch norm on its output, y = bn(conv(x)), as one backend op
     * ({@link Backend#conv2dBatchNorm}); in training, mid then holds the convolution's output for the backward passes.
     * A split batch norm trains group by group, so it runs as the two layers.
     */
    void forwardNormed(Backend be, int n, Dims in, Buffer x, Buffer mid, BatchNorm bn, Buffer y, boolean train) {
        if (train && !bn.unsplit()) {
            forward(be, n, in, x, mid, true);
            bn.forward(be, n, output(in), mid, y, true);
            return;
        }
        be.conv2dBatchNorm(shape(n, in), x, weight.value, bias == null ? null : bias.value, mid, bn.buffers(), train,
                y);
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
