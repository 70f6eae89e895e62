package org.pauc.bench;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.pauc.cluster.KMeans;
import org.pauc.cluster.Points;
import org.pauc.config.TrainConfig.KMeansInit;
import org.pauc.hostmath.Parallel;

/**
 * Lloyd k-means, 20 iterations, one restart, on 60 000 × 128 unit vectors: the E-step's size on the full
 * Fashion-MNIST. Initialisation is random (a draw of k points), as in the scikit-learn peer run, so that both
 * time the iterations.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1, time = 5)
@Measurement(iterations = 3, time = 5)
@Fork(value = 1, jvmArgsPrepend = {"--add-modules", "jdk.incubator.vector"})
public class KMeansBench {
    @Param({"100", "1000"})
    int k;

    float[] x;
    static final int N = 60000;
    static final int D = 128;

    @Setup
    public void setup() {
        pool = new Parallel(2);
        SplittableRandom r = new SplittableRandom(1);
        x = new float[N * D];
        for (int i = 0; i < N; i++) {
            double s = 0;
            for (int a = 0; a < D; a++) {
                x[i * D + a] = (float) r.nextGaussian();
                s += x[i * D + a] * x[i * D + a];
            }
            for (int a = 0; a < D; a++) {
                x[i * D + a] /= (float) Math.sqrt(s);
            }
        }
    }

    /** The benchmark's threads (a run's host work gets one of these). */
    Parallel pool;

    @Benchmark
    public double fit() {
        return pool.call(() -> KMeans.fit(x, N, D, k, 20, 1, KMeansInit.RANDOM, 7)).inertia();
    }

    /** k-means++ seeding alone (the E-step's initialisation), against scikit-learn's kmeans_plusplus. */
    @Benchmark
    public float seedPlusPlus() {
        return pool.call(() -> KMeans.seedPlusPlus(Points.of(x, N, D), k, 7))[0];
    }
}
