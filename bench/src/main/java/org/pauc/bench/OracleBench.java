package org.pauc.bench;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
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
import org.pauc.oracle.Clustering;
import org.pauc.oracle.L2Normalize;
import org.pauc.oracle.Mat;
import org.pauc.oracle.PaucObjective;

/**
 * The double-precision oracle's cost for one PAUC objective, forward and backward, at MoCo-like sizes:
 * the baseline that the fast backends' fused losses are measured against.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsPrepend = {"--add-modules", "jdk.incubator.vector"})
public class OracleBench {
    @Param({"256"})
    int batch;

    @Param({"1024"})
    int queue;

    @Param({"64"})
    int width;

    Mat u;
    Mat k;
    Mat keys;
    List<Clustering> clusterings;

    private static Mat gaussian(SplittableRandom r, int rows, int cols) {
        return Mat.gaussian(r, rows, cols, 1);
    }

    @Setup
    public void setup() {
        SplittableRandom r = new SplittableRandom(42);
        u = gaussian(r, batch, width);
        k = L2Normalize.forward(gaussian(r, batch, width), 1e-12);
        keys = L2Normalize.forward(gaussian(r, queue, width), 1e-12);
        int clusters = 100;
        double[] phi = new double[clusters];
        Arrays.fill(phi, 0.2);
        int[] pos = r.ints(batch, 0, clusters).toArray();
        int[] neg = IntStream.range(0, clusters).filter(c -> Arrays.stream(pos).noneMatch(p -> p == c))
                .limit(16).toArray();
        clusterings = List.of(new Clustering(L2Normalize.forward(gaussian(r, clusters, width), 1e-12), phi, pos, neg));
    }

    @Benchmark
    public double paucObjectiveForwardBackward() {
        PaucObjective.Params p = PaucObjective.Params.DEFAULTS;
        double loss = PaucObjective.forward(u, k, keys, clusterings, p).total();
        return loss + PaucObjective.backward(u, k, keys, clusterings, p, 1).data[0];
    }
}
