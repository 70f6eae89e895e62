package org.pauc.eval;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The linear probe: multinomial logistic regression on frozen features. Protocol: features standardised with the
 * training set's mean and standard deviation; weights and bias start at zero; SGD with momentum 0.9, batch 256,
 * 100 epochs, no weight decay, learning rate 0.1 divided by 10 at epochs 60 and 80 (PCL's schedule; PCL's lr of
 * 5 is for un-standardised ImageNet features); seeded shuffling. The final epoch is reported.
 */
public final class LinearProbe {
    public static final int EPOCHS = 100;
    public static final int BATCH = 256;
    public static final double LR = 0.1;

    private LinearProbe() {}

    /** Top-1 accuracy on the test features of a probe trained on the training features. */
    public static double accuracy(float[] train, int[] trainLabels, int nTrain, float[] test, int[] testLabels,
                                  int nTest, int d, int classes, long seed) {
        double[] mean = new double[d];
        double[] std = new double[d];
        for (int i = 0; i < nTrain; i++) {
            for (int a = 0; a < d; a++) {
                mean[a] += train[i * d + a];
            }
        }
        for (int a = 0; a < d; a++) {
            mean[a] /= nTrain;
        }
        for (int i = 0; i < nTrain; i++) {
            for (int a = 0; a < d; a++) {
                double r = train[i * d + a] - mean[a];
                std[a] += r * r;
            }
        }
        for (int a = 0; a < d; a++) {
            std[a] = Math.sqrt(std[a] / nTrain) + 1e-6;
        }
        double[] w = new double[classes * d];
        double[] b = new double[classes];
        double[] vw = new double[classes * d];
        double[] vb = new double[classes];
        double[] x = new double[d];
        double[] logits = new double[classes];
        double[] gw = new double[classes * d];
        double[] gb = new double[classes];
        SplittableRandom rng = new SplittableRandom(seed);
        int[] order = new int[nTrain];
        for (int i = 0; i < nTrain; i++) {
            order[i] = i;
        }
        for (int epoch = 0; epoch < EPOCHS; epoch++) {
            double lr = LR * (epoch >= 80 ? 0.01 : epoch >= 60 ? 0.1 : 1);
            for (int i = nTrain - 1; i > 0; i--) {
                int j = rng.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
            for (int s = 0; s < nTrain; s += BATCH) {
                int m = Math.min(BATCH, nTrain - s);
                Arrays.fill(gw, 0);
                Arrays.fill(gb, 0);
                for (int q = s; q < s + m; q++) {
                    int i = order[q];
                    for (int a = 0; a < d; a++) {
                        x[a] = (train[i * d + a] - mean[a]) / std[a];
                    }
                    softmax(w, b, x, d, classes, logits);
                    logits[trainLabels[i]] -= 1;
                    for (int c = 0; c < classes; c++) {
                        gb[c] += logits[c];
                        for (int a = 0; a < d; a++) {
                            gw[c * d + a] += logits[c] * x[a];
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
        int hits = 0;
        for (int i = 0; i < nTest; i++) {
            for (int a = 0; a < d; a++) {
                x[a] = (test[i * d + a] - mean[a]) / std[a];
            }
            softmax(w, b, x, d, classes, logits);
            int best = 0;
            for (int c = 1; c < classes; c++) {
                if (logits[c] > logits[best]) {
                    best = c;
                }
            }
            if (best == testLabels[i]) {
                hits++;
            }
        }
        return (double) hits / nTest;
    }

    private static void softmax(double[] w, double[] b, double[] x, int d, int classes, double[] out) {
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < classes; c++) {
            double z = b[c];
            for (int a = 0; a < d; a++) {
                z += w[c * d + a] * x[a];
            }
            out[c] = z;
            max = Math.max(max, z);
        }
        double sum = 0;
        for (int c = 0; c < classes; c++) {
            out[c] = Math.exp(out[c] - max);
            sum += out[c];
        }
        for (int c = 0; c < classes; c++) {
            out[c] /= sum;
        }
    }
}
