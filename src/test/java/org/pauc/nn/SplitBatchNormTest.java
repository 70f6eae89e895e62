package org.pauc.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.pauc.backend.Buffer;
import org.pauc.backend.oracle.OracleBackend;
import org.pauc.ops.LayerOps;
import org.pauc.tensor.DType;
import org.pauc.tensor.Tensor;

/**
 * The split batch norm of {@link BatchNorm}, run on the oracle backend, against its definition
 * ({@code batch_norm_split} of {@link LayerOps}, itself gradient-checked): outputs, gradients, and running statistics
 * moved towards the mean of the groups' statistics.
 */
class SplitBatchNormTest {
    private static double[] gauss(SplittableRandom r, int n, double s) {
        double[] a = new double[n];
        for (int i = 0; i < n; i++) {
            a[i] = r.nextGaussian() * s + 0.3;
        }
        return a;
    }

    private static float[] f(double[] a) {
        float[] out = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = (float) a[i];
        }
        return out;
    }

    private static void close(double[] want, float[] got, double tol, String what) {
        assertEquals(want.length, got.length, what);
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], tol * (1 + Math.abs(want[i])), what + "[" + i + "]");
        }
    }

    @Test
    void theLayerMatchesTheDefinitionGroupByGroup() {
        int n = 6;
        int h = 2;
        int w = 3;
        int c = 4;
        int splits = 3;
        SplittableRandom r = new SplittableRandom(5);
        double[] x = gauss(r, n * h * w * c, 2);
        double[] gamma = gauss(r, c, 1);
        double[] beta = gauss(r, c, 1);
        double[] dy = gauss(r, n * h * w * c, 1);
        Map<String, Tensor> want = LayerOps.get("batch_norm_split").evaluate(Map.of(
                "x", new Tensor(DType.F64, new int[] {n, h, w, c}, x), "gamma", new Tensor(DType.F64, new int[] {c}, gamma),
                "beta", new Tensor(DType.F64, new int[] {c}, beta), "dy", new Tensor(DType.F64, new int[] {n, h, w, c}, dy)),
                Map.of("splits", (double) splits));
        try (OracleBackend be = new OracleBackend(); BatchNorm bn = new BatchNorm(be, "bn", c, false)) {
            bn.split(splits);
            be.upload(f(gamma), 0, bn.gamma().value, 0, c);
            be.upload(f(beta), 0, bn.beta().value, 0, c);
            Buffer xb = be.upload(f(x));
            Buffer y = be.allocate(x.length);
            Dims dims = new Dims(h, w, c);
            bn.forward(be, n, dims, xb, y, true);
            close(want.get("y").data(), be.download(y), 1e-6, "y");
            Buffer dx = be.allocate(x.length);
            bn.backward(be, n, dims, xb, y, be.upload(f(dy)), dx);
            close(want.get("grad.x").data(), be.download(dx), 1e-5, "dx");
            close(want.get("grad.gamma").data(), be.download(bn.gamma().grad), 1e-5, "dgamma");
            close(want.get("grad.beta").data(), be.download(bn.beta().grad), 1e-5, "dbeta");
            // running mean: 0.9·0 + 0.1·mean over groups of each group's mean = 0.1·(the batch mean), equal groups
            float[] rm = be.download(bn.runningMean().value);
            float[] rv = be.download(bn.runningVar().value);
            int rows = n * h * w;
            int per = rows / splits;
            for (int k = 0; k < c; k++) {
                double mean = 0;
                double var = 0;
                for (int g = 0; g < splits; g++) {
                    double m = 0;
                    for (int i = g * per; i < (g + 1) * per; i++) {
                        m += x[i * c + k];
                    }
                    m /= per;
                    double v = 0;
                    for (int i = g * per; i < (g + 1) * per; i++) {
                        v += (x[i * c + k] - m) * (x[i * c + k] - m);
                    }
                    mean += m / splits;
                    var += v / (per - 1) / splits;
                }
                assertEquals(0.1 * mean, rm[k], 1e-5, "running mean " + k);
                assertEquals(0.9 + 0.1 * var, rv[k], 1e-5, "running var " + k);
            }
            bn.forward(be, n, dims, xb, y, false);
            assertTrue(be.download(y).length == x.length);
        }
    }

    @Test
    void aBatchThatDoesNotSplitEquallyIsRefused() {
        try (OracleBackend be = new OracleBackend(); BatchNorm bn = new BatchNorm(be, "bn", 2, true)) {
            bn.split(4);
            Buffer x = be.allocate(6 * 2);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> bn.forward(be, 6, new Dims(1, 1, 2), x, be.allocate(12), true));
            assertTrue(e.getMessage().contains("--bn-splits"), e.getMessage());
        }
    }
}
