package org.pauc.oracle.layers;

/**
 * Geometry of a 2-D convolution on NHWC tensors: input n×h×w×cin, weights kh×kw×cin×cout, output
 * n×oh×ow×cout with oh = (h + 2·pad − kh) / stride + 1 (likewise ow). Zero padding.
 */
public record ConvShape(int n, int h, int w, int cin, int cout, int kh, int kw, int stride, int pad) {
    public ConvShape {
        if (n < 0 || h < 1 || w < 1 || cin < 1 || cout < 1 || kh < 1 || kw < 1 || stride < 1 || pad < 0) {
            throw new IllegalArgumentException("conv2d: invalid shape " + describe(n, h, w, cin, cout, kh, kw, stride, pad));
        }
        if (h + 2 * pad < kh || w + 2 * pad < kw) {
            throw new IllegalArgumentException("conv2d: kernel " + kh + "×" + kw + " larger than the padded input "
                    + (h + 2 * pad) + "×" + (w + 2 * pad));
        }
    }

    private static String describe(int n, int h, int w, int cin, int cout, int kh, int kw, int stride, int pad) {
        return "n=" + n + " h=" + h + " w=" + w + " cin=" + cin + " cout=" + cout + " kernel=" + kh + "×" + kw
                + " stride=" + stride + " pad=" + pad;
    }

    public int oh() {
        return (h + 2 * pad - kh) / stride + 1;
    }

    public int ow() {
        return (w + 2 * pad - kw) / stride + 1;
    }

    public int inputSize() {
        return n * h * w * cin;
    }

    public int outputSize() {
        return n * oh() * ow() * cout;
    }

    public int weightSize() {
        return kh * kw * cin * cout;
    }

    /** Rows of the im2col matrix: one per output pixel. */
    public int patches() {
        return n * oh() * ow();
    }

    /** Columns of the im2col matrix: kh·kw·cin. */
    public int patchSize() {
        return kh * kw * cin;
    }

    @Override
    public String toString() {
        return describe(n, h, w, cin, cout, kh, kw, stride, pad);
    }
}
