package org.pauc.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.pauc.backend.Backend;
import org.pauc.backend.Backends;
import org.pauc.cluster.Points;
import org.pauc.config.Settings;
import org.pauc.config.TrainConfig;
import org.pauc.dist.Local;

/**
 * The E-step's device path (k-means and φ through the backend's ops, the features uploaded once), run on the CPU
 * backend presented as a device backend: the same assignments as the host path, and φ within float rounding.
 */
class DeviceEStepTest {
    static Backend asDevice(Backend cpu) {
        return (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class},
                (proxy, m, args) -> {
                    if (m.getName().equals("onDevice")) {
                        return true;
                    }
                    try {
                        return m.invoke(cpu, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    @Test
    void theDevicePathClustersAsTheHostPath() {
        int n = 1200;
        int d = 16;
        SplittableRandom r = new SplittableRandom(1);
        float[] x = new float[n * d];
        for (int i = 0; i < n; i++) {
            double s = 0;
            for (int a = 0; a < d; a++) {
                x[i * d + a] = (float) ((a == i % 7 ? 2 : 0) + r.nextGaussian() * 0.5);
                s += x[i * d + a] * x[i * d + a];
            }
            for (int a = 0; a < d; a++) {
                x[i * d + a] /= (float) Math.sqrt(s);
            }
        }
        TrainConfig cfg = Settings.set(TrainConfig.DEFAULTS, Map.of("method", "pcl", "clusters", List.of(7, 20),
                "kmeans-iterations", 8, "dim", d));
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
        try (Backend cpu = Backends.create("cpu", 2)) {
            Backend device = asDevice(cpu);
            List<EStep.Prototypes> host = EStep.cluster(cfg, Points.of(x, n, d), cpu, quiet, Local.INSTANCE);
            List<EStep.Prototypes> dev = EStep.cluster(cfg, Points.of(x, n, d), device, quiet, Local.INSTANCE);
            assertEquals(2, dev.size());
            for (int g = 0; g < 2; g++) {
                assertArrayEquals(host.get(g).assign(), dev.get(g).assign(), "granularity " + g);
                float[] ph = cpu.download(host.get(g).phi());
                float[] pd = cpu.download(dev.get(g).phi());
                for (int j = 0; j < ph.length; j++) {
                    assertEquals(ph[j], pd[j], 1e-5 * Math.abs(ph[j]) + 1e-7, "φ " + g + "/" + j);
                }
                assertTrue(ph.length == cfg.clustering().clusters().get(g));
                host.get(g).close();
                dev.get(g).close();
            }
        }
    }
}
