package org.pauc.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.pauc.hostmath.Parallel;
import org.pauc.hostmath.Vec;

/**
 * Batch norm's affine pass against its scalar definition in the same float operations, y = fma(x − μ, scale, shift),
 * then max(·, 0) with the ReLU: the pass's blocks of four vectors (c a multiple of 4L, or c = L and 2L spanning rows)
 * and its vector-by-vector remainder (other channel counts, a chunk's last rows) must agree with it to the bit.
 */
class NormTest {
    private static float[] gauss(SplittableRandom r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) r.nextGaussian();
        }
        return a;
    }

    @Test
    void evalIsTheScalarAffineToTheBitForEveryLayout() {
        int l = Vec.L;
        int[] channels = {1, 3, l, 2 * l, 3 * l, 4 * l, 4 * l + 3, 8 * l, 6 * l};
        int[] rowCounts = {1, 3, 127, 128, 130, 301};
        SplittableRandom r = new SplittableRandom(21);
        try (Parallel pool = new Parallel(2)) {
            for (int c : channels) {
                for (int rows : rowCounts) {
                    for (boolean relu : new boolean[] {false, true}) {
                        float[] x = gauss(r, rows * c);
                        float[] gamma = gauss(r, c);
                        float[] beta = gauss(r, c);
                        float[] runMean = gauss(r, c);
                        float[] runVar = new float[c];
                        for (int ch = 0; ch < c; ch++) {
                            runVar[ch] = 0.5f + (float) r.nextDouble();
                        }
                        float eps = 1e-5f;
                        float[] got = gauss(r, rows * c);
                        pool.run(() -> Norm.eval(rows, c, x, gamma, beta, runMean, runVar, eps, relu, got));
                        for (int i = 0; i < rows * c; i++) {
                            int ch = i % c;
                            float scale = (float) (gamma[ch] / Math.sqrt(runVar[ch] + (double) eps));
                            float want = Math.fma(x[i] - runMean[ch], scale, beta[ch]);
                            if (relu) {
                                want = Math.max(want, 0f);
                            }
                            assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(got[i]),
                                    "c " + c + ", rows " + rows + ", relu " + relu + " at " + i + ": " + want + " vs "
                                            + got[i]);
                        }
                    }
                }
            }
        }
    }
}
