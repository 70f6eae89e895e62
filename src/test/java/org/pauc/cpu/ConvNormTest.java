package org.pauc.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.pauc.backend.Backend;
import org.pauc.backend.Buffer;
import org.pauc.backend.NormBuffers;
import org.pauc.oracle.layers.ConvShape;

/**
 * A convolution and its batch norm in one pass ({@link ConvNorm}) against the two ops it replaces on the same backend:
 * every output bit for bit, in training and eval, on one and two threads.
 */
class ConvNormTest {
    static List<Arguments> shapes() {
        List<Arguments> cases = new ArrayList<>();
        ConvShape[] shapes = {
            // the demo's first layer: 784 rows per image, chunks of 128 rows across the images' boundaries
            new ConvShape(3, 28, 28, 1, 32, 3, 3, 1, 1),
            // its second: stride 2, windows read from the input (border windows copied), 64 channels
            new ConvShape(2, 28, 28, 32, 64, 3, 3, 2, 1),
            // channels that fill no vector, a last chunk of a few rows
            new ConvShape(2, 9, 7, 3, 5, 3, 3, 2, 1),
            // a pad of 2 and 40 channels (a whole vector and a part, or five of 8)
            new ConvShape(5, 10, 11, 1, 40, 3, 3, 1, 2),
            // 7×7 stride 2 (ResNet-50's stem) without padding
            new ConvShape(2, 19, 17, 3, 16, 7, 7, 2, 0)};
        for (ConvShape s : shapes) {
            for (boolean relu : new boolean[] {false, true}) {
                for (int threads : new int[] {1, 2}) {
                    cases.add(Arguments.of(s, relu, threads));
                }
            }
        }
        return cases;
    }

    @ParameterizedTest
    @MethodSource("shapes")
    void givesTheBitsOfConvolutionThenBatchNorm(ConvShape s, boolean relu, int threads) {
        assertTrue(ConvNorm.applies(s), "the case must take the fused path: " + s);
        SplittableRandom rng = new SplittableRandom(7);
        int c = s.cout();
        float[] x = gauss(rng, s.inputSize(), 1);
        float[] w = gauss(rng, s.weightSize(), 0.3);
        float[] b = gauss(rng, c, 1);
        float[] gamma = gauss(rng, c, 1);
        float[] beta = gauss(rng, c, 1);
        float[] runMean = gauss(rng, c, 0.1);
        float[] runVar = new float[c];
        for (int i = 0; i < c; i++) {
            runVar[i] = 0.5f + (float) rng.nextDouble();
        }
        try (Backend be = new CpuBackend(threads)) {
            Outputs fused = run(be, s, x, w, b, gamma, beta, runMean, runVar, relu, true);
            Outputs twoOps = run(be, s, x, w, b, gamma, beta, runMean, runVar, relu, false);
            assertFalse(allZero(fused.values.get(0)), "the output must not be all zeros");
            for (int i = 0; i < Outputs.NAMES.length; i++) {
                assertArrayEquals(twoOps.values.get(i), fused.values.get(i), Outputs.NAMES[i]);
            }
        }
    }

    /** Winograd's and the GEMM's shapes, and an empty batch, keep the two ops. */
    @ParameterizedTest
    @MethodSource("others")
    void leavesOtherShapesToTheTwoOps(ConvShape s) {
        assertFalse(ConvNorm.applies(s), s.toString());
    }

    static List<ConvShape> others() {
        return List.of(new ConvShape(2, 9, 7, 36, 40, 3, 3, 1, 1), new ConvShape(2, 8, 8, 4, 6, 1, 1, 1, 0),
                new ConvShape(0, 8, 8, 1, 6, 3, 3, 1, 1));
    }

    private record Outputs(List<float[]> values) {
        static final String[] NAMES = {"y", "convolution's output", "saveMean", "saveInvStd", "runMean", "runVar",
            "y (eval)"};
    }

    private static Outputs run(Backend be, ConvShape s, float[] x, float[] w, float[] b, float[] gamma, float[] beta,
                               float[] runMean, float[] runVar, boolean relu, boolean fused) {
        int c = s.cout();
        int rows = s.patches();
        try (Buffer xb = be.upload(x); Buffer wb = be.upload(w); Buffer bb = be.upload(b);
             Buffer g = be.upload(gamma); Buffer bt = be.upload(beta); Buffer rm = be.upload(runMean);
             Buffer rv = be.upload(runVar); Buffer sm = be.allocate(c); Buffer si = be.allocate(c);
             Buffer mid = be.allocate(s.outputSize()); Buffer y = be.allocate(s.outputSize());
             Buffer midEval = be.allocate(s.outputSize()); Buffer ye = be.allocate(s.outputSize())) {
            NormBuffers bn = new NormBuffers(g, bt, rm, rv, sm, si, 0.1f, 1e-5f, relu);
            if (fused) {
                be.conv2dBatchNorm(s, xb, wb, bb, mid, bn, true, y);
                be.conv2dBatchNorm(s, xb, wb, bb, midEval, bn, false, ye);
            } else {
                be.conv2d(s, xb, wb, bb, mid);
                be.batchNormTrain(rows, c, mid, g, bt, y, sm, si, rm, rv, 0.1f, 1e-5f, relu);
                be.batchNormEval(rows, c, mid, g, bt, rm, rv, 1e-5f, relu, ye);
            }
            return new Outputs(List.of(be.download(y), be.download(mid), be.download(sm), be.download(si),
                    be.download(rm), be.download(rv), be.download(ye)));
        }
    }

    private static float[] gauss(SplittableRandom rng, int n, double sd) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            double u = rng.nextDouble();
            double v = rng.nextDouble();
            a[i] = (float) (sd * Math.sqrt(-2 * Math.log(1 - u)) * Math.cos(2 * Math.PI * v));
        }
        return a;
    }

    private static boolean allZero(float[] a) {
        for (float v : a) {
            if (v != 0) {
                return false;
            }
        }
        return true;
    }
}
