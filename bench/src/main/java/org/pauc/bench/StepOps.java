package org.pauc.bench;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.pauc.backend.Backend;
import org.pauc.backend.Backends;
import org.pauc.backend.Buffer;
import org.pauc.config.TrainConfig;
import org.pauc.nn.Dims;
import org.pauc.nn.Models;
import org.pauc.nn.Network;
import org.pauc.oracle.PaucObjective;
import org.pauc.oracle.layers.ConvShape;
import org.pauc.oracle.layers.PoolShape;
import org.pauc.train.MocoLearner;

/**
 * Where a MoCo training step of the bench model spends its time, op by op: the CPU backend behind a proxy that times
 * every {@link Backend} call, 100 steps after 60 of warm-up (the setup of {@code pauc bench --step bench-model}).
 * Prints the step's mean time, then each op (convolutions by shape) with its time per step, share and calls per step.
 * The calls run one after another, as in training, so the times add up to about the step.
 *
 * <pre>java --add-modules jdk.incubator.vector -cp target/bench/pauc-bench.jar org.pauc.bench.StepOps [BATCH] [THREADS]</pre>
 */
public final class StepOps {
    private StepOps() {}

    /** An op's name with its shape: a convolution's or pooling's, or its first two sizes (rows, columns). */
    private static String key(String name, Object[] a) {
        if (a == null || a.length == 0) {
            return name;
        }
        if (a[0] instanceof ConvShape || a[0] instanceof PoolShape) {
            return name + " " + a[0];
        }
        if (a.length > 1 && a[0] instanceof Integer && a[1] instanceof Integer) {
            return name + "(" + a[0] + "," + a[1] + ")";
        }
        return name;
    }

    public static void main(String[] args) throws Exception {
        int batch = args.length > 0 ? Integer.parseInt(args[0]) : 64;
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        Map<String, long[]> times = new TreeMap<>();
        try (Backend cpu = Backends.create("cpu", threads)) {
            Backend timed = (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(),
                    new Class<?>[] {Backend.class}, (proxy, m, a) -> {
                        long t0 = System.nanoTime();
                        Object r;
                        try {
                            r = m.invoke(cpu, a);
                        } catch (InvocationTargetException e) {
                            throw e.getCause();
                        }
                        long dt = System.nanoTime() - t0;
                        String key = key(m.getName(), a);
                        synchronized (times) {
                            long[] v = times.computeIfAbsent(key, k -> new long[2]);
                            v[0] += dt;
                            v[1]++;
                        }
                        return r;
                    });
            Dims in = new Dims(28, 28, 1);
            SplittableRandom rng = new SplittableRandom(1);
            float[] x = new float[batch * in.size()];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) rng.nextDouble();
            }
            PaucObjective.Params moco = new PaucObjective.Params(0.2, 1, 0, 0, 0, 2, 2, 1e-5);
            try (Network q = Models.create(TrainConfig.Encoder.SMALL_CNN, timed, 1, in, 64);
                 Network k = Models.create(TrainConfig.Encoder.SMALL_CNN, timed, 1, in, 64);
                 MocoLearner learner = new MocoLearner(timed, q, k, 4096, 1, new MocoLearner.Hyper(0.9f, 1e-4f, 0.99f));
                 Buffer v1 = timed.upload(x); Buffer v2 = timed.upload(x)) {
                for (int i = 0; i < 60; i++) {
                    learner.step(v1, v2, batch, List.of(), moco, 0.03f);
                }
                times.clear();
                int steps = 100;
                long t0 = System.nanoTime();
                for (int i = 0; i < steps; i++) {
                    learner.step(v1, v2, batch, List.of(), moco, 0.03f);
                }
                double step = (System.nanoTime() - t0) / 1e6 / steps;
                System.out.printf("step %.3f ms (bench model, batch %d, %d threads)%n", step, batch, threads);
                List<Map.Entry<String, long[]>> rows = new ArrayList<>(times.entrySet());
                rows.sort((p1, p2) -> Long.compare(p2.getValue()[0], p1.getValue()[0]));
                for (Map.Entry<String, long[]> e : rows) {
                    double ms = e.getValue()[0] / 1e6 / steps;
                    System.out.printf("%8.3f ms %5.1f%% x%-4.1f %s%n", ms, 100 * ms / step,
                            e.getValue()[1] / (double) steps, e.getKey());
                }
            }
        }
    }
}
