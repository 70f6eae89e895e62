package org.pauc.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.pauc.backend.Backend;
import org.pauc.backend.Buffer;
import org.pauc.cpu.CpuBackend;

/** Gradient buffers are shared by a network's layers, allocated at the first backward and never before. */
class MemoryPlanTest {
    /** Every trainable parameter's gradient, one after another. */
    private static float[] gradients(Backend be, Network net) {
        List<Param> ps = net.params().stream().filter(p -> p.trainable).toList();
        float[] all = new float[ps.stream().mapToInt(Param::size).sum()];
        int at = 0;
        for (Param p : ps) {
            be.download(p.grad, 0, all, at, p.size());
            at += p.size();
        }
        return all;
    }

    @Test
    void aResNetHoldsAFewGradientBuffersAndAForwardOnlyNetworkNone() {
        int n = 4;
        Dims in = new Dims(32, 32, 3);
        try (Backend be = new CpuBackend(2); Network net = Models.resnet18(be, 5, in, 16)) {
            float[] images = new float[n * in.size()];
            SplittableRandom rng = new SplittableRandom(9);
            for (int i = 0; i < images.length; i++) {
                images[i] = (float) rng.nextGaussian();
            }
            try (Buffer x = be.upload(images); Buffer dOut = be.allocate(n * 16)) {
                float[] d = new float[n * 16];
                for (int i = 0; i < d.length; i++) {
                    d[i] = (float) rng.nextGaussian();
                }
                be.upload(d, 0, dOut, 0, d.length);
                net.forward(be, x, n, true);
                assertEquals(0, net.gradientScratch().floats(), "a forward pass allocates no gradient buffer");

                net.backward(be, dOut, n);
                float[] first = gradients(be, net);
                long largest = (long) n * in.size();
                Dims dims = in;
                for (Layer l : net.layers()) {
                    dims = l.output(dims);
                    largest = Math.max(largest, (long) n * dims.size());
                }
                long held = net.gradientScratch().floats();
                // two slots between layers and five inside a residual block, each at most the largest activation
                // (a ResNet-18 has eight blocks: per-block buffers would hold about forty); more than the two
                // between layers, so the blocks took theirs from the network
                assertTrue(held > 2 * largest && held <= 7 * largest,
                        "gradient floats " + held + ", largest activation " + largest + ": the blocks use the network's");

                // the shared buffers carry nothing from one step to the next
                net.forward(be, x, n, true);
                net.backward(be, dOut, n);
                assertArrayEquals(first, gradients(be, net));
                assertEquals(held, net.gradientScratch().floats(), "the second backward allocates nothing new");
            }
        }
    }
}
