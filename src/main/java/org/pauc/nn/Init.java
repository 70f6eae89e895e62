package org.pauc.nn;

import java.util.Arrays;
import java.util.SplittableRandom;

/** The initial values of the layers' parameters. */
final class Init {
    private Init() {}

    /** PyTorch's default initialisation of conv and linear layers: U(−1/√fan_in, 1/√fan_in) for weights and bias. */
    static float[] uniform(SplittableRandom rng, int n, int fanIn) {
        double bound = 1 / Math.sqrt(fanIn);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) ((2 * rng.nextDouble() - 1) * bound);
        }
        return a;
    }

    static float[] constant(int n, float v) {
        float[] a = new float[n];
        Arrays.fill(a, v);
        return a;
    }
}
