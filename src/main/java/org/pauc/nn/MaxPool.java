package org.pauc.nn;

import java.util.List;
import org.pauc.backend.Backend;
import org.pauc.backend.Buffer;
import org.pauc.oracle.layers.PoolShape;

/**
 * Max pooling k×k with a stride and zero or more padding (ResNet's ImageNet stem: 3×3, stride 2, padding 1). A
 * padded input is copied into a buffer filled with −∞ around the image, so a window never takes the padding
 * (PyTorch's semantics), and the backward pass reads the gradient back from the interior.
 */
public final class MaxPool implements Layer {
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
