package org.pauc.hostmath;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Run in a fresh JVM by {@link GemmTest} with another row block ({@code -Dpauc.gemm.mc}): prints "MC rows digest",
 * the digest being of the bits of products that take each of the GEMM's paths (blocked, small output with a long k, split
 * along k), on one thread and on a pool of two and of sixteen.
 */
public final class GemmRowsProbe {
    private GemmRowsProbe() {}

    public static void main(String[] args) {
        System.out.println("MC " + Gemm.MC + " " + digest());
    }

    /** A hash of the bits of every product, in hexadecimal. */
    static String digest() {
        // m, n, k: many row blocks; one tile with a long k; a small output split along k; a tall weight gradient
        int[][] shapes = {{300, 190, 257}, {Gemm.MR + 1, Gemm.NR, 2 * Gemm.KC + 5}, {40, 70, 9 * Gemm.KC + 7},
            {520, 3 * Gemm.NR + 3, 700}};
        SplittableRandom r = new SplittableRandom(11);
        int h = 1;
        for (int[] s : shapes) {
            float[] a = new float[s[0] * s[2]];
            float[] b = new float[s[2] * s[1]];
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) r.nextGaussian();
            }
            for (int i = 0; i < b.length; i++) {
                b[i] = (float) r.nextGaussian();
            }
            for (int t = 0; t < 4; t++) {
                boolean ta = (t & 1) != 0;
                boolean tb = (t & 2) != 0;
                for (int threads : new int[] {1, 2, 16}) {
                    float[] c = new float[s[0] * s[1]];
                    try (Parallel p = new Parallel(threads)) {
                        p.run(() -> Gemm.gemm(ta, tb, s[0], s[1], s[2], 0.5f, a, b, 0f, c, threads > 1));
                    }
                    h = 31 * h + Arrays.hashCode(c);
                }
            }
        }
        return Integer.toHexString(h);
    }
}
