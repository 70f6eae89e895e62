package org.pauc.hostmath;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The GEMM's two ways of reading a row-major B, alternated in one JVM so that the host's drift cancels: every B packed
 * into panels ({@link Gemm#packEveryB}) against today's rule, which reads some in place ({@link Gemm#readsBInPlace}).
 * Checks that both give the same bits, then prints GFLOP/s per round for each shape, given as MxNxK:TT (T for a
 * transposed operand) with :1 for a product on the calling thread alone, :2 for a parallel one on a 2-thread pool.
 *   java --add-modules jdk.incubator.vector -XX:UseAVX=3 -cp target/bench/pauc-bench.jar org.pauc.hostmath.GemmLayouts ROUNDS SHAPE...
 */
public final class GemmLayouts {
    private GemmLayouts() {}

    public static void main(String[] args) {
        int rounds = Integer.parseInt(args[0]);
        try (Parallel pool = new Parallel(2)) {
            for (int i = 1; i < args.length; i++) {
                String[] f = args[i].split(":");
                String[] d = f[0].split("x");
                int m = Integer.parseInt(d[0]);
                int n = Integer.parseInt(d[1]);
                int k = Integer.parseInt(d[2]);
                boolean ta = f[1].charAt(0) == 'T';
                boolean tb = f[1].charAt(1) == 'T';
                boolean parallel = f.length > 2 && f[2].equals("2");
                SplittableRandom r = new SplittableRandom(1);
                float[] a = random(r, m * k);
                float[] b = random(r, k * n);
                float[] c = new float[m * n];
                Runnable product = () -> Gemm.gemm(ta, tb, m, n, k, 1f, a, b, 0f, c, parallel);
                float[] first = null;
                for (int mode = 0; mode <= 1; mode++) {
                    Gemm.packEveryB = mode == 0;
                    pool.run(product);
                    if (first == null) {
                        first = c.clone();
                    } else if (!Arrays.equals(first, c)) {
                        throw new AssertionError(args[i] + ": B read in place gives other bits than packed");
                    }
                }
                double gflop = 2.0 * m * n * k / 1e9;
                int passes = (int) Math.max(5, 1.0 / gflop);
                for (int round = 1; round <= rounds; round++) {
                    StringBuilder line = new StringBuilder(args[i] + " round " + round + ":");
                    for (int mode = 0; mode <= 1; mode++) {
                        Gemm.packEveryB = mode == 0;
                        long t0 = System.nanoTime();
                        for (int p = 0; p < passes; p++) {
                            pool.run(product);
                        }
                        double sec = (System.nanoTime() - t0) / 1e9;
                        line.append(String.format(mode == 0 ? " packed %.1f" : " rule %.1f", passes * gflop / sec));
                    }
                    System.out.println(line);
                }
            }
        } finally {
            Gemm.packEveryB = false;
        }
    }

    private static float[] random(SplittableRandom r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) r.nextGaussian();
        }
        return a;
    }
}
