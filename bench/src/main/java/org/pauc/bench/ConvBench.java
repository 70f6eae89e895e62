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
import org.pauc.backend.Backend;
import org.pauc.backend.Backends;
import org.pauc.backend.Buffer;
import org.pauc.oracle.layers.ConvShape;

/** Forward and forward+backward of each convolution of the bench model (NHWC), at batch 256 or the demo's 64. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsPrepend = {"--add-modules", "jdk.incubator.vector"})
public class ConvBench {
    @Param({"conv1", "conv2", "conv3"})
    String layer;

    @Param({"2"})
    int threads;

    @Param({"256"})
    int batch;

    Backend be;
    ConvShape s;
    Buffer x;
    Buffer w;
    Buffer b;
    Buffer y;
    Buffer dx;
    Buffer dw;
    Buffer db;

    @Setup
    public void setup() {
        be = Backends.create("cpu", threads);
        s = switch (layer) {
            case "conv1" -> new ConvShape(batch, 28, 28, 1, 32, 3, 3, 1, 1);
            case "conv2" -> new ConvShape(batch, 28, 28, 32, 64, 3, 3, 2, 1);
            default -> new ConvShape(batch, 14, 14, 64, 128, 3, 3, 2, 1);
        };
        SplittableRandom r = new SplittableRandom(1);
        x = be.upload(random(r, s.inputSize()));
        w = be.upload(random(r, s.weightSize()));
        b = be.upload(random(r, s.cout()));
        y = be.allocate(s.outputSize());
        dx = be.allocate(s.inputSize());
        dw = be.allocate(s.weightSize());
        db = be.allocate(s.cout());
    }

    private static float[] random(SplittableRandom r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) r.nextGaussian();
        }
        return a;
    }

    @Benchmark
    public Buffer forward() {
        be.conv2d(s, x, w, b, y);
        return y;
    }

    /** Forward, then the gradients w.r.t. input, weights and bias (dy = y for the timing). */
    @Benchmark
    public Buffer forwardBackward() {
        be.conv2d(s, x, w, b, y);
        be.conv2dBackward(s, x, w, y, layer.equals("conv1") ? null : dx, dw, db);
        return dw;
    }
}
