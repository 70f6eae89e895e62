package org.pauc.eval;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorSpecies;
import org.pauc.hostmath.Parallel;
import org.pauc.hostmath.VectorWidth;

/**
 * The linear probe: multinomial logistic regression on frozen features. Protocol: features standardised with the
 * training set's mean and standard deviation; weights and bias start at zero; SGD with momentum 0.9, batch 256,
 * 100 epochs, no weight decay, learning rate 0.1 divided by 10 at epochs 60 and 80 (PCL's schedule; PCL's lr of
 * 5 is for un-standardised ImageNet features); seeded shuffling. The final epoch is reported.
 *
 * <p>Per sample x (standardised) and class c: z_c = b_c + Σ_a W_ca·x_a (a in order), p = softmax(z), and the batch
 * gradient ∂W_ca = Σ_i (p_c − [c = y_i])·x_a, ∂b_c = Σ_i (p_c − [c = y_i]) over the batch's samples in order. The
 * weights are held class-minor (W[a][c], classes padded to whole vectors with zeros that stay zero), so that a vector
 * holds one feature's weights for several classes: each lane still sums its own class's terms one at a time in
 * feature order, with a multiply and an add (never fused), so the result is the plain scalar loop's to the bit
 * (tested against it in {@code LinearProbeTest}).
 */
public final class LinearProbe {
    public static final int EPOCHS = 100;
    public static final int BATCH = 256;
    public static final double LR = 0.1;
    /** SGD momentum. */
    public static final double MOMENTUM = 0.9;
    /** The epochs at which the learning rate is divided by 10. */
    public static final List<Integer> LR_STEPS = List.of(60, 80);

    /** The settings, as written into eval.json. */
    public static Map<String, Object> settings() {
        return Map.of("epochs", EPOCHS, "batch", BATCH, "lr", LR, "momentum", MOMENTUM, "lr_steps",
                LR_STEPS, "features", "standardised");
    }

    private static final VectorSpecies<Double> V = VectorWidth.DOUBLE;
    /** Samples per parallel task of a batch's logits (a multiple of four). */
    private static final int SAMPLE_TASK = 64;
    /** Features per parallel task of a batch's gradient, about. */
    private static final int FEATURE_TASK = 32;

    private LinearProbe() {}

    /** A trained probe: standardisation and weights; {@code w} is d × classes, row-major (feature-major). */
    public record Model(double[] mean, double[] std, double[] w, double[] b, int d, int classes) {}

    /** Top-1 accuracy on the test features of a probe trained on the training features. */
    public static double accuracy(float[] train, int[] trainLabels, int nTrain, float[] test, int[] testLabels,
                                  int nTest, int d, int classes, long seed) {
        Model m = train(train, trainLabels, nTrain, d, classes, seed);
        int hits = 0;
        for (int i = 0; i < nTest; i++) {
            if (predict(m, test, i) == testLabels[i]) {
                hits++;
            }
        }
        return (double) hits / nTest;
    }

    /** The probe trained on n × d features with the protocol above. */
    public static Model train(float[] train, int[] labels, int n, int d, int classes, long seed) {
        double[][] ms = standardization(train, n, d);
        double[] mean = ms[0];
        double[] std = ms[1];
        double[] x = new double[n * d];
        for (int i = 0; i < n; i++) {
            for (int a = 0; a < d; a++) {
                x[i * d + a] = (train[i * d + a] - mean[a]) / std[a];
            }
        }
        int cp = V.loopBound(classes + V.length() - 1); // classes padded to whole vectors
        double[] w = new double[d * cp];
        double[] b = new double[cp];
        double[] vw = new double[d * cp];
        double[] vb = new double[cp];
        double[] gw = new double[d * cp];
        double[] gb = new double[cp];
        double[] p = new double[BATCH * cp];
        SplittableRandom rng = new SplittableRandom(seed);
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        int featureTasks = Parallel.evenTasks(d, FEATURE_TASK);
        int featuresPerTask = (d + featureTasks - 1) / featureTasks;
        for (int epoch = 0; epoch < EPOCHS; epoch++) {
            double lr = LR * (epoch >= LR_STEPS.get(1) ? 0.01 : epoch >= LR_STEPS.get(0) ? 0.1 : 1);
            for (int i = n - 1; i > 0; i--) {
                int j = rng.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
            for (int s = 0; s < n; s += BATCH) {
                int m = Math.min(BATCH, n - s);
                int s0 = s;
                // W is fixed within a batch: every sample's p − onehot(y) first, four samples at a time, in parallel
                // over groups of samples (each sample's sums are its own)
                Parallel.forEach((m + SAMPLE_TASK - 1) / SAMPLE_TASK, t -> {
                    int end = Math.min(m, (t + 1) * SAMPLE_TASK);
                    int q = t * SAMPLE_TASK;
                    for (; q + 4 <= end; q += 4) {
                        logits4(w, b, x, order, s0 + q, d, cp, p, q * cp);
                    }
                    for (; q < end; q++) {
                        logits1(w, b, x, order[s0 + q] * d, d, cp, p, q * cp);
                    }
                    for (q = t * SAMPLE_TASK; q < end; q++) {
                        normalize(p, q * cp, classes);
                        Arrays.fill(p, q * cp + classes, (q + 1) * cp, 0);
                        p[q * cp + labels[order[s0 + q]]] -= 1;
                    }
                });
                // then the gradient, each element summing the samples in batch order, and the step: in parallel over
                // ranges of features (each element of W is one task's)
                Parallel.forEach(featureTasks, t -> {
                    int a0 = t * featuresPerTask;
                    int a1 = Math.min(d, a0 + featuresPerTask);
                    Arrays.fill(gw, a0 * cp, a1 * cp, 0);
                    int q = 0;
                    for (; q + 4 <= m; q += 4) {
                        accumulate4(p, q * cp, x, order, s0 + q, a0, a1, d, cp, gw);
                    }
                    for (; q < m; q++) {
                        accumulate1(p, q * cp, x, order[s0 + q] * d, a0, a1, cp, gw);
                    }
                    for (int e = a0 * cp; e < a1 * cp; e++) {
                        vw[e] = MOMENTUM * vw[e] + gw[e] / m;
                        w[e] -= lr * vw[e];
                    }
                });
                Arrays.fill(gb, 0);
                for (int q = 0; q < m; q++) {
                    for (int c = 0; c < cp; c += V.length()) {
                        DoubleVector.fromArray(V, p, q * cp + c).add(DoubleVector.fromArray(V, gb, c)).intoArray(gb, c);
                    }
                }
                for (int c = 0; c < cp; c++) {
                    vb[c] = MOMENTUM * vb[c] + gb[c] / m;
                    b[c] -= lr * vb[c];
                }
            }
        }
        double[] wOut = new double[d * classes];
        for (int a = 0; a < d; a++) {
            System.arraycopy(w, a * cp, wOut, a * classes, classes);
        }
        return new Model(mean, std, wOut, Arrays.copyOf(b, classes), d, classes);
    }

    /** {mean, std} of each feature over n rows (std with 1e-6 added): the probe's standardisation. */
    static double[][] standardization(float[] train, int n, int d) {
        double[] mean = new double[d];
        double[] std = new double[d];
        for (int i = 0; i < n; i++) {
            for (int a = 0; a < d; a++) {
                mean[a] += train[i * d + a];
            }
        }
        for (int a = 0; a < d; a++) {
            mean[a] /= n;
        }
        for (int i = 0; i < n; i++) {
            for (int a = 0; a < d; a++) {
                double r = train[i * d + a] - mean[a];
                std[a] += r * r;
            }
        }
        for (int a = 0; a < d; a++) {
            std[a] = Math.sqrt(std[a] / n) + 1e-6;
        }
        return new double[][] {mean, std};
    }

    /** The class the probe gives row i of {@code features}: the first of the highest softmax probabilities. */
    public static int predict(Model m, float[] features, int i) {
        int d = m.d();
        int classes = m.classes();
        double[] p = m.b().clone();
        for (int a = 0; a < d; a++) {
            double xa = (features[i * d + a] - m.mean()[a]) / m.std()[a];
            for (int c = 0; c < classes; c++) {
                p[c] += m.w()[a * classes + c] * xa;
            }
        }
        normalize(p, 0, classes);
        int best = 0;
        for (int c = 1; c < classes; c++) {
            if (p[c] > p[best]) {
                best = c;
            }
        }
        return best;
    }

    /** ∂W[a][·] += p·x_a for one sample (p at pOff), features a in [a0, a1). */
    private static void accumulate1(double[] p, int pOff, double[] x, int xOff, int a0, int a1, int cp, double[] gw) {
        for (int c = 0; c < cp; c += V.length()) {
            DoubleVector pc = DoubleVector.fromArray(V, p, pOff + c);
            for (int a = a0; a < a1; a++) {
                int o = a * cp + c;
                DoubleVector.fromArray(V, gw, o).add(pc.mul(x[xOff + a])).intoArray(gw, o);
            }
        }
    }

    /** ∂W[a][·] += p_j·x_j,a for the four samples order[q0 .. q0 + 3], added one after the other; a in [a0, a1). */
    private static void accumulate4(double[] p, int pOff, double[] x, int[] order, int q0, int a0, int a1, int d,
                                    int cp, double[] gw) {
        int x0 = order[q0] * d;
        int x1 = order[q0 + 1] * d;
        int x2 = order[q0 + 2] * d;
        int x3 = order[q0 + 3] * d;
        for (int c = 0; c < cp; c += V.length()) {
            DoubleVector p0 = DoubleVector.fromArray(V, p, pOff + c);
            DoubleVector p1 = DoubleVector.fromArray(V, p, pOff + cp + c);
            DoubleVector p2 = DoubleVector.fromArray(V, p, pOff + 2 * cp + c);
            DoubleVector p3 = DoubleVector.fromArray(V, p, pOff + 3 * cp + c);
            for (int a = a0; a < a1; a++) {
                int o = a * cp + c;
                DoubleVector.fromArray(V, gw, o).add(p0.mul(x[x0 + a])).add(p1.mul(x[x1 + a]))
                        .add(p2.mul(x[x2 + a])).add(p3.mul(x[x3 + a])).intoArray(gw, o);
            }
        }
    }

    /** z = b + Wᵀx for one sample, into p at pOff (cp lanes). */
    private static void logits1(double[] w, double[] b, double[] x, int xOff, int d, int cp, double[] p, int pOff) {
        for (int c = 0; c < cp; c += V.length()) {
            DoubleVector z = DoubleVector.fromArray(V, b, c);
            for (int a = 0; a < d; a++) {
                z = z.add(DoubleVector.fromArray(V, w, a * cp + c).mul(x[xOff + a]));
            }
            z.intoArray(p, pOff + c);
        }
    }

    /** z = b + Wᵀx for the four samples order[q0 .. q0 + 3]: four independent sums, each in feature order. */
    private static void logits4(double[] w, double[] b, double[] x, int[] order, int q0, int d, int cp, double[] p,
                                int pOff) {
        int x0 = order[q0] * d;
        int x1 = order[q0 + 1] * d;
        int x2 = order[q0 + 2] * d;
        int x3 = order[q0 + 3] * d;
        for (int c = 0; c < cp; c += V.length()) {
            DoubleVector z0 = DoubleVector.fromArray(V, b, c);
            DoubleVector z1 = z0;
            DoubleVector z2 = z0;
            DoubleVector z3 = z0;
            for (int a = 0; a < d; a++) {
                DoubleVector wa = DoubleVector.fromArray(V, w, a * cp + c);
                z0 = z0.add(wa.mul(x[x0 + a]));
                z1 = z1.add(wa.mul(x[x1 + a]));
                z2 = z2.add(wa.mul(x[x2 + a]));
                z3 = z3.add(wa.mul(x[x3 + a]));
            }
            z0.intoArray(p, pOff + c);
            z1.intoArray(p, pOff + cp + c);
            z2.intoArray(p, pOff + 2 * cp + c);
            z3.intoArray(p, pOff + 3 * cp + c);
        }
    }

    /** The logits z[off, off + classes) become softmax probabilities, in place. */
    private static void normalize(double[] z, int off, int classes) {
        double max = Double.NEGATIVE_INFINITY;
        for (int c = off; c < off + classes; c++) {
            max = Math.max(max, z[c]);
        }
        double sum = 0;
        for (int c = off; c < off + classes; c++) {
            z[c] = Math.exp(z[c] - max);
            sum += z[c];
        }
        for (int c = off; c < off + classes; c++) {
            z[c] /= sum;
        }
    }
}
