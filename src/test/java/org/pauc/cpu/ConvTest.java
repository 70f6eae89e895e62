package org.pauc.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.pauc.hostmath.Parallel;
import org.pauc.oracle.layers.ConvShape;

/**
 * The convolution's fast paths against their plain definition in the same float operations: im2col, then per output
 * the bias and the patch values' products added in ascending order by fused multiply-adds, one chain. Same sums in
 * the same order, so the results must agree to the bit.
 */
class ConvTest {
    /** Shapes with windows inside and across the border, strides 1 and 2, pads 0 to 2, channel tails. */
    private static final ConvShape[] SHAPES = {
        new ConvShape(3, 9, 7, 3, 5, 3, 3, 1, 1), new ConvShape(2, 8, 8, 4, 40, 3, 3, 2, 1),
        new ConvShape(2, 28, 28, 1, 32, 3, 3, 1, 1), new ConvShape(3, 14, 14, 32, 64, 3, 3, 2, 1),
        new ConvShape(2, 7, 9, 16, 33, 3, 3, 2, 0), new ConvShape(2, 6, 6, 8, 16, 5, 5, 1, 2),
        new ConvShape(1, 15, 15, 64, 128, 3, 3, 2, 1), new ConvShape(2, 11, 10, 12, 20, 3, 3, 3, 1)};

    private static float[] gauss(SplittableRandom r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) r.nextGaussian();
        }
        return a;
    }

    private static void assertBits(float[] want, float[] got, String what) {
        assertEquals(want.length, got.length, what);
        for (int i = 0; i < want.length; i++) {
            assertEquals(Float.floatToRawIntBits(want[i]), Float.floatToRawIntBits(got[i]),
                    what + " at " + i + ": " + want[i] + " vs " + got[i]);
        }
    }

    @Test
    void directForwardIsIm2colAndGemmToTheBit() {
        SplittableRandom r = new SplittableRandom(11);
        try (Parallel pool = new Parallel(2)) {
            for (ConvShape s : SHAPES) {
                float[] x = gauss(r, s.inputSize());
                float[] w = gauss(r, s.weightSize());
                float[] bias = gauss(r, s.cout());
                int rows = s.patches();
                int k = s.patchSize();
                float[] col = new float[rows * k];
                Conv.im2col(s, x, 0, s.n(), col);
                float[] want = new float[rows * s.cout()];
                for (int row = 0; row < rows; row++) {
                    for (int co = 0; co < s.cout(); co++) {
                        float acc = bias[co];
                        for (int q = 0; q < k; q++) {
                            acc = Math.fma(col[row * k + q], w[q * s.cout() + co], acc);
                        }
                        want[row * s.cout() + co] = acc;
                    }
                }
                float[] got = new float[rows * s.cout()];
                pool.run(() -> DirectConv.forward(s, x, w, bias, got));
                assertBits(want, got, "forward " + s);
            }
        }
    }
}
