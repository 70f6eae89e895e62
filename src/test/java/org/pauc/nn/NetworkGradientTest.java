package org.pauc.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.pauc.backend.Backend;
import org.pauc.backend.Buffer;
import org.pauc.backend.oracle.OracleBackend;
import org.pauc.cpu.CpuBackend;
import org.pauc.oracle.Mat;

/**
 * The networks' backward passes (layer wiring, fused BN + ReLU, the residual block's two paths) against central
 * finite differences of sum(dy ⊙ output), on the oracle backend (double precision inside).
 */
class NetworkGradientTest {

    private static float[] gaussian(SplittableRandom r, int n) {
        return Mat.gaussian(r, 1, n, 1).toFloats();
    }

    private static double objective(OracleBackend be, Network net, Buffer x, int n, float[] dy) {
        double[] out = be.downloadExact(net.forward(be, x, n, true));
        double s = 0;
        for (int i = 0; i < out.length; i++) {
            s += (double) dy[i] * out[i];
        }
        return s;
    }

    private static void check(Network net, OracleBackend be, int n, long seed) {
        check(net, be, n, seed, 1e-3f);
    }

    /**
     * Central differences with the given step on a fifth of every trainable parameter. Max pooling has kinks where
     * two window elements tie; a small step keeps the difference on one side of them.
     */
    private static void check(Network net, OracleBackend be, int n, long seed, float step) {
        SplittableRandom r = new SplittableRandom(seed);
        Buffer x = be.upload(gaussian(r, n * net.input().size()));
        float[] dy = gaussian(r, n * net.output().size());
        net.forward(be, x, n, true);
        net.backward(be, be.upload(dy), n);
        int checked = 0;
        for (Param p : net.params()) {
            if (!p.trainable) {
                continue;
            }
            float[] grad = be.download(p.grad);
            float[] value = be.download(p.value);
            for (int i = 0; i < value.length; i += Math.max(1, value.length / 5)) {
                float saved = value[i];
                value[i] = saved + step;
                double up = (double) value[i] - saved;     // the step actually taken in float
                be.upload(value, 0, p.value, 0, value.length);
                double plus = objective(be, net, x, n, dy);
                value[i] = saved - step;
                double down = saved - (double) value[i];
                be.upload(value, 0, p.value, 0, value.length);
                double minus = objective(be, net, x, n, dy);
                value[i] = saved;
                be.upload(value, 0, p.value, 0, value.length);
                double numeric = (plus - minus) / (up + down);
                double err = Math.abs(numeric - grad[i]);
                assertTrue(err <= 2e-3 + 2e-3 * Math.abs(numeric),
                        p.name + "[" + i + "]: analytic " + grad[i] + ", numeric " + numeric);
                checked++;
            }
        }
        assertTrue(checked > 10, "checked " + checked + " parameter elements");
    }

    @Test
    void residualBlockGradientsMatchFiniteDifferences() {
        try (OracleBackend be = new OracleBackend()) {
            SplittableRandom rng = new SplittableRandom(3);
            Dims in = new Dims(5, 5, 2);
            List<Layer> layers = List.of(ResidualBlock.basic(be, rng, "b0", 2, 3, 2), ResidualBlock.basic(be, rng, "b1", 3, 3, 1),
                    new GlobalAvgPool(), new Linear(be, rng, "fc", 3, 2));
            check(new Network(in, layers, 3), be, 4, 1);
        }
    }

    @Test
    void bottleneckAndPaddedMaxPoolGradientsMatchFiniteDifferences() {
        try (OracleBackend be = new OracleBackend()) {
            SplittableRandom rng = new SplittableRandom(4);
            Dims in = new Dims(7, 7, 2);
            List<Layer> layers = List.of(new Conv2d(be, rng, "stem", 2, 4, 3, 1, 1, false),
                    new BatchNorm(be, "bn", 4, true), new MaxPool(3, 2, 1),
                    ResidualBlock.bottleneck(be, rng, "b0", 4, 2, 2), ResidualBlock.bottleneck(be, rng, "b1", 8, 2, 1),
                    new GlobalAvgPool(), new Linear(be, rng, "fc", 8, 2));
            Network net = new Network(in, layers, 6);
            assertEquals(new Dims(2, 2, 8), net.layers().get(4).output(new Dims(2, 2, 8)));
            check(net, be, 3, 5, 1e-4f);
        }
    }

    @Test
    void smallCnnGradientsMatchFiniteDifferences() {
        try (OracleBackend be = new OracleBackend()) {
            check(Models.smallCnn(be, 2, new Dims(6, 6, 1), 4), be, 3, 2);
        }
    }

    @Test
    void resnet50HasTorchvisionsParameterCountAndNames() {
        try (Backend be = new CpuBackend(1); Network net = Models.resnet50(be, 0, new Dims(32, 32, 3), 128)) {
            long head = 2048L * 2048 + 2048 + 2048L * 128 + 128;
            assertEquals(23_508_032L, net.trainableCount() - head, "torchvision's resnet50 without fc");
            assertEquals(2048, net.backboneOutput().c());
            List<String> names = net.params().stream().map(p -> p.name).toList();
            for (String n : List.of("backbone.conv1.weight", "backbone.bn1.running_var", "backbone.layer1.0.conv3.weight",
                    "backbone.layer1.0.downsample.0.weight", "backbone.layer2.3.bn2.bias", "backbone.layer3.5.conv1.weight",
                    "backbone.layer4.2.bn3.weight", "head.fc2.bias")) {
                assertTrue(names.contains(n), n);
            }
            assertTrue(!names.contains("backbone.layer1.1.downsample.0.weight"), "identity shortcuts have no parameters");
        }
    }

    @Test
        void resnet18HasTheStandardParameterCount() {
        try (Backend be = new CpuBackend(1)) {
            Network net = Models.resnet18(be, 0, new Dims(32, 32, 3), 128);
            // torchvision's resnet18 backbone with a 3×3 stem: 11 168 832 parameters; plus the 512-512-128 head
            assertEquals(11_168_832L + 512 * 512 + 512 + 512 * 128 + 128, net.trainableCount());
            assertEquals(512, net.backboneOutput().c());
        }
    }
}
