package org.pauc.bench;

import java.util.List;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.pauc.backend.Backend;
import org.pauc.backend.Backends;
import org.pauc.backend.Buffer;
import org.pauc.nn.Dims;
import org.pauc.nn.Models;
import org.pauc.nn.Network;
import org.pauc.oracle.PaucObjective;
import org.pauc.train.MocoLearner;

/**
 * One MoCo v2 training step of the bench model (PEERS.md): batch 256 of 28×28 views, query forward + backward,
 * momentum encoder (m = 0.99) forward, queue of 4096 keys, InfoNCE τ = 0.2, SGD lr 0.03 momentum 0.9 weight
 * decay 1e-4. Reported as time per step; samples/second = 256 / that time.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 10, time = 2)
@Fork(value = 1, jvmArgsPrepend = {"--add-modules", "jdk.incubator.vector"})
public class TrainStepBench {
    static final int BATCH = 256;

    @Param({"2"})
    int threads;

    @Param({"cpu"})
    String backend;

    Backend be;
    MocoLearner learner;
    Buffer view1;
    Buffer view2;
    final PaucObjective.Params moco = new PaucObjective.Params(0.2, 1, 0, 0, 0, 2, 2, 1e-5);

    @Setup
    public void setup() {
        be = Backends.create(backend, threads);
        Dims in = new Dims(28, 28, 1);
        Network q = Models.smallCnn(be, 1, in, 64);
        Network k = Models.smallCnn(be, 1, in, 64);
        learner = new MocoLearner(be, q, k, 4096, 2, new MocoLearner.Hyper(0.9f, 1e-4f, 0.99f));
        SplittableRandom r = new SplittableRandom(3);
        float[] x = new float[BATCH * 28 * 28];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextDouble();
        }
        view1 = be.upload(x);
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextDouble();
        }
        view2 = be.upload(x);
    }

    @Benchmark
    public double mocoStep() {
        double loss = learner.step(view1, view2, BATCH, List.of(), moco, 0.03f).total();
        be.synchronize();
        return loss;
    }

    @TearDown
    public void tearDown() {
        learner.close();
        be.close();
    }
}
