package org.pauc.cpu;

import java.util.SplittableRandom;
import org.pauc.hostmath.Parallel;

/**
 * Batch norm's affine pass (with ReLU) in its two layouts, alternated in one JVM on one thread so that the host's
 * drift over minutes cancels: by blocks of four vectors ({@link Norm#affine}) against vector by vector down each
 * chunk ({@link Norm#affineSingles} from channel 0, the layout the blocks replaced). Prints GB/s (bytes read and
 * written) per round for the bench model's three batch norms at the given batch.
 *   java --add-modules jdk.incubator.vector -XX:UseAVX=3 -cp target/bench/pauc-bench.jar org.pauc.cpu.NormLayouts [BATCH] [ROUNDS]
 */
public final class NormLayouts {
    private static final int PASSES = 200;

    private NormLayouts() {}

    public static void main(String[] args) {
        int batch = args.length > 0 ? Integer.parseInt(args[0]) : 64;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        int[][] layers = {{28 * 28, 32}, {14 * 14, 64}, {7 * 7, 128}};
        try (Parallel pool = new Parallel(1)) {
            for (int[] layer : layers) {
                int rows = batch * layer[0];
                int c = layer[1];
                SplittableRandom r = new SplittableRandom(1);
                float[] x = new float[rows * c];
                for (int i = 0; i < x.length; i++) {
                    x[i] = (float) r.nextGaussian();
                }
                float[] mean = new float[c];
                float[] scale = new float[c];
                float[] shift = new float[c];
                for (int ch = 0; ch < c; ch++) {
                    mean[ch] = (float) r.nextGaussian();
                    scale[ch] = 1 + (float) r.nextDouble();
                    shift[ch] = (float) r.nextGaussian();
                }
                float[] y = new float[rows * c];
                double gb = (double) PASSES * rows * c * 2 * Float.BYTES / 1e9;
                for (int round = 1; round <= rounds; round++) {
                    long t0 = System.nanoTime();
                    for (int p = 0; p < PASSES; p++) {
                        pool.run(() -> Norm.affine(rows, c, x, mean, scale, shift, true, y));
                    }
                    long t1 = System.nanoTime();
                    for (int p = 0; p < PASSES; p++) {
                        for (int r0 = 0; r0 < rows; r0 += Norm.CHUNK_ROWS) {
                            Norm.affineSingles(x, c, 0, r0, Math.min(rows, r0 + Norm.CHUNK_ROWS), mean, scale, shift,
                                    true, y);
                        }
                    }
                    long t2 = System.nanoTime();
                    System.out.printf("%d channels, %d rows, round %d: blocks %.1f GB/s, by vectors %.1f GB/s%n", c,
                            rows, round, gb / ((t1 - t0) / 1e9), gb / ((t2 - t1) / 1e9));
                }
            }
        }
    }
}
