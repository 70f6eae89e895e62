package org.pauc.oracle.layers;

/** Geometry of a k×k pooling window with a stride on NHWC tensors, no padding: oh = (h − k) / stride + 1. */
public record PoolShape(int n, int h, int w, int c, int k, int stride) {
    public PoolShape {
        if (n < 0 || h < 1 || w < 1 || c < 1 || k < 1 || stride < 1 || k > h || k > w) {
            throw new IllegalArgumentException("pool: invalid shape n=" + n + " h=" + h + " w=" + w + " c=" + c
                    + " kernel=" + k + " stride=" + stride);
        }
    }

    public int oh() {
        return (h - k) / stride + 1;
    }

    public int ow() {
        return (w - k) / stride + 1;
    }

    public int inputSize() {
        return n * h * w * c;
    }

    public int outputSize() {
        return n * oh() * ow() * c;
    }
}
