package org.pauc.bench;

import java.util.Arrays;
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
import org.pauc.backend.Backend;
import org.pauc.backend.Backends;
import org.pauc.backend.Buffer;

/**
 * Batch norm fused with ReLU after each convolution of the bench model (channels last: 32, 64 and 128 channels over
 * the batch's 28×28, 14×14 and 7×7 pixels): training forward, forward + backward, and the eval-mode forward.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsPrepend = {"--add-modules", "jdk.incubator.vector"})
public class NormBench {
    @Param({"bn1", "bn2", "bn3"})
    String layer;

    @Param({"2"})
    int threads;

    @Param({"256"})
    int batch;

    Backend be;
    int rows;
    int c;
    Buffer x;
    Buffer gamma;
    Buffer beta;
    Buffer y;
    Buffer mean;
    Buffer invStd;
    Buffer runMean;
    Buffer runVar;
    Buffer dx;
    Buffer dgamma;
    Buffer dbeta;

    @Setup
    public void setup() {
        be = Backends.create("cpu", threads);
        int pixels = switch (layer) {
            case "bn1" -> 28 * 28;
            case "bn2" -> 14 * 14;
            default -> 7 * 7;
        };
        c = switch (layer) {
            case "bn1" -> 32;
            case "bn2" -> 64;
            default -> 128;
        };
        rows = batch * pixels;
        SplittableRandom r = new SplittableRandom(1);
        x = be.upload(random(r, rows * c));
        gamma = be.upload(random(r, c));
        beta = be.upload(random(r, c));
        y = be.allocate(rows * c);
        mean = be.allocate(c);
        invStd = be.allocate(c);
        runMean = be.allocate(c);
        float[] ones = new float[c];
        Arrays.fill(ones, 1f);
        runVar = be.upload(ones);
        dx = be.allocate(rows * c);
        dgamma = be.allocate(c);
        dbeta = be.allocate(c);
    }

    private static float[] random(SplittableRandom r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) r.nextGaussian();
        }
        return a;
    }

    @Benchmark
    public Buffer train() {
        be.batchNormTrain(rows, c, x, gamma, beta, y, mean, invStd, runMean, runVar, 0.1f, 1e-5f, true);
        return y;
    }

    /** Training forward, then the backward with dy = x for the timing. */
    @Benchmark
    public Buffer trainBackward() {
        be.batchNormTrain(rows, c, x, gamma, beta, y, mean, invStd, runMean, runVar, 0.1f, 1e-5f, true);
        be.batchNormBackward(rows, c, x, gamma, beta, mean, invStd, x, y, dx, dgamma, dbeta);
        return dx;
    }

    @Benchmark
    public Buffer eval() {
        be.batchNormEval(rows, c, x, gamma, beta, runMean, runVar, 1e-5f, true, y);
        return y;
    }
}
