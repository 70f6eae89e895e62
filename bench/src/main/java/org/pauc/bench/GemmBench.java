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
import org.pauc.hostmath.Gemm;
import org.pauc.hostmath.Parallel;

/**
 * SGEMM C = op(A)·op(B) on the CPU backend. Shapes are "M×N×K" plus the transposes, named as in the
 * bench model: square sizes, the MoCo logits (256×4096×64: q·queueᵀ) and its backward (dq = P·queue),
 * and the im2col shapes of the bench model's convolutions at batch 256 (forward, dW, dX).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsPrepend = {"--add-modules", "jdk.incubator.vector"})
public class GemmBench {
    @Param({"256x256x256:NN", "512x512x512:NN", "1024x1024x1024:NN", "2048x2048x2048:NN",
            "256x4096x64:NT", "256x64x4096:NN",
            "200704x32x9:NN", "9x32x200704:TN",
            "50176x64x288:NN", "288x64x50176:TN", "50176x288x64:NT",
            "12544x128x576:NN", "576x128x12544:TN", "12544x576x128:NT"})
    String shape;

    @Param({"2"})
    int threads;

    int m;
    int n;
    int k;
    boolean ta;
    boolean tb;
    float[] a;
    float[] b;
    float[] c;

    @Setup
    public void setup() {
        String[] parts = shape.split(":");
        String[] dims = parts[0].split("x");
        m = Integer.parseInt(dims[0]);
        n = Integer.parseInt(dims[1]);
        k = Integer.parseInt(dims[2]);
        ta = parts[1].charAt(0) == 'T';
        tb = parts[1].charAt(1) == 'T';
        SplittableRandom r = new SplittableRandom(1);
        a = new float[m * k];
        b = new float[k * n];
        c = new float[m * n];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) r.nextGaussian();
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = (float) r.nextGaussian();
        }
        pool = new Parallel(threads);
    }

    /** The benchmark's threads (a CPU backend owns one of these). */
    Parallel pool;

    @Benchmark
    public float[] sgemm() {
        pool.run(() -> Gemm.gemm(ta, tb, m, n, k, 1f, a, b, 0f, c, true));
        return c;
    }
}
