package org.pauc.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.pauc.hostmath.Gemm;
import org.pauc.oracle.layers.ConvShape;

/**
 * The direct weight gradient of {@link DirectConv#weightGrad} against the GEMM of the unfolded patch rows with dy
 * (what the backward computed before), to the bit: full tiles, patch sizes and channel counts that leave partial
 * tiles, strides, paddings, and a row range that starts inside the batch.
 */
class ConvWeightGradTest {

    /** Unfolds images [n0, n0+count) into rows of kh·kw·cin values (zeros where the window leaves the image). */
    private static void im2col(ConvShape s, float[] x, int n0, int count, float[] col) {
        int oh = s.oh();
        int ow = s.ow();
        int cin = s.cin();
        int k = s.patchSize();
        int row = 0;
        for (int n = n0; n < n0 + count; n++) {
            for (int oy = 0; oy < oh; oy++) {
                for (int ox = 0; ox < ow; ox++, row++) {
                    int dst = row * k;
                    for (int ky = 0; ky < s.kh(); ky++) {
                        int iy = oy * s.stride() - s.pad() + ky;
                        for (int kx = 0; kx < s.kw(); kx++, dst += cin) {
                            int ix = ox * s.stride() - s.pad() + kx;
                            if (iy < 0 || iy >= s.h() || ix < 0 || ix >= s.w()) {
                                for (int q = 0; q < cin; q++) {
                                    col[dst + q] = 0f;
                                }
                            } else {
                                int src = ((n * s.h() + iy) * s.w() + ix) * cin;
                                if (cin < 8) {
                                    for (int q = 0; q < cin; q++) {
                                        col[dst + q] = x[src + q];
                                    }
                                } else {
                                    System.arraycopy(x, src, col, dst, cin);
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}×{1}×{2}×{3} → {4}, {5}×{5} stride {6} pad {7}")
    @CsvSource({
        "4, 14, 14, 32, 64, 3, 2, 1",   // the bench model's second convolution
        "3, 9, 9, 64, 128, 3, 1, 1",
        "2, 11, 7, 3, 20, 3, 2, 1",     // 27 patch values, 20 channels: partial tiles both ways
        "2, 8, 8, 24, 40, 1, 2, 0",     // a strided 1×1 shortcut
        "3, 10, 10, 5, 16, 5, 1, 2"})
    void equalsTheGemmOfThePatchRowsBitForBit(int n, int h, int w, int cin, int cout, int kk, int stride, int pad) {
        ConvShape s = new ConvShape(n, h, w, cin, cout, kk, kk, stride, pad);
        SplittableRandom r = new SplittableRandom(n * 131L + cin);
        float[] x = new float[n * h * w * cin];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        int rows = s.patches();
        int k = s.patchSize();
        float[] dy = new float[rows * cout];
        for (int i = 0; i < dy.length; i++) {
            dy[i] = (float) r.nextGaussian();
        }
        // images [1, n): rows from the second image on, as a chunk of the backward sees them
        int n0 = 1;
        int r0 = n0 * s.oh() * s.ow();
        float[] col = new float[(rows - r0) * k];
        im2col(s, x, n0, n - n0, col);
        float[] wantT = new float[cout * k];
        Gemm.gemm(true, false, cout, k, rows - r0, 1f, dy, r0 * cout, cout, col, 0, k, 0f, wantT, 0, k, false);
        float[] want = new float[k * cout];
        for (int co = 0; co < cout; co++) {
            for (int q = 0; q < k; q++) {
                want[q * cout + co] = wantT[co * k + q];
            }
        }
        float[] xp = pad > 0 ? DirectConv.padded(s, x, h + 2 * pad, w + 2 * pad).clone() : x;
        float[] got = new float[k * cout + 5];
        DirectConv.weightGrad(s, xp, r0, rows, dy, got, 5);
        float[] gotOnly = java.util.Arrays.copyOfRange(got, 5, got.length);
        assertArrayEquals(want, gotOnly);
    }
}
