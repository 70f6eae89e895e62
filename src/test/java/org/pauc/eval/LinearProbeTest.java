package org.pauc.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LinearProbeTest {

    /** The protocol as the plain scalar loop, class-major weights: what the vectorised probe must equal bit for bit. */
    private static double[][] reference(float[] train, int[] labels, int n, int d, int classes, long seed) {
        double[][] ms = LinearProbe.standardization(train, n, d);
        double[] mean = ms[0];
        double[] std = ms[1];
        double[] w = new double[classes * d];
        double[] b = new double[classes];
        double[] vw = new double[classes * d];
        double[] vb = new double[classes];
        double[] x = new double[d];
        double[] p = new double[classes];
        double[] gw = new double[classes * d];
        double[] gb = new double[classes];
        SplittableRandom rng = new SplittableRandom(seed);
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        for (int epoch = 0; epoch < LinearProbe.EPOCHS; epoch++) {
            double lr = LinearProbe.LR * (epoch >= 80 ? 0.01 : epoch >= 60 ? 0.1 : 1);
            for (int i = n - 1; i > 0; i--) {
                int j = rng.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
            for (int s = 0; s < n; s += LinearProbe.BATCH) {
                int m = Math.min(LinearProbe.BATCH, n - s);
                Arrays.fill(gw, 0);
                Arrays.fill(gb, 0);
                for (int q = s; q < s + m; q++) {
                    int i = order[q];
                    for (int a = 0; a < d; a++) {
                        x[a] = (train[i * d + a] - mean[a]) / std[a];
                    }
                    double max = Double.NEGATIVE_INFINITY;
                    for (int c = 0; c < classes; c++) {
                        double z = b[c];
                        for (int a = 0; a < d; a++) {
                            z += w[c * d + a] * x[a];
                        }
                        p[c] = z;
                        max = Math.max(max, z);
                    }
                    double sum = 0;
                    for (int c = 0; c < classes; c++) {
                        p[c] = Math.exp(p[c] - max);
                        sum += p[c];
                    }
                    for (int c = 0; c < classes; c++) {
                        p[c] /= sum;
                    }
                    p[labels[i]] -= 1;
                    for (int c = 0; c < classes; c++) {
                        gb[c] += p[c];
                        for (int a = 0; a < d; a++) {
                            gw[c * d + a] += p[c] * x[a];
                        }
                    }
                }
                for (int q = 0; q < w.length; q++) {
                    vw[q] = 0.9 * vw[q] + gw[q] / m;
                    w[q] -= lr * vw[q];
                }
                for (int c = 0; c < classes; c++) {
                    vb[c] = 0.9 * vb[c] + gb[c] / m;
                    b[c] -= lr * vb[c];
                }
            }
        }
        return new double[][] {w, b};
    }

    @ParameterizedTest(name = "n {0}, d {1}, {2} classes")
    @CsvSource({"300, 7, 10", "257, 13, 3", "200, 5, 17", "100, 1, 2", "513, 70, 10"})
    void equalsTheScalarLoopBitForBit(int n, int d, int classes) {
        SplittableRandom r = new SplittableRandom(n * 31L + d);
        float[] x = new float[n * d];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = r.nextInt(classes);
            for (int a = 0; a < d; a++) {
                x[i * d + a] = (float) (r.nextGaussian() + (a % classes == y[i] ? 1.5 : 0) + 3 * a);
            }
        }
        double[][] ref = reference(x, y, n, d, classes, 7);
        LinearProbe.Model m = LinearProbe.train(x, y, n, d, classes, 7);
        for (int c = 0; c < classes; c++) {
            assertEquals(Double.doubleToRawLongBits(ref[1][c]), Double.doubleToRawLongBits(m.b()[c]), "b[" + c + "]");
            for (int a = 0; a < d; a++) {
                assertEquals(Double.doubleToRawLongBits(ref[0][c * d + a]),
                        Double.doubleToRawLongBits(m.w()[a * classes + c]), "W[" + c + ", " + a + "]");
            }
        }
    }
}
