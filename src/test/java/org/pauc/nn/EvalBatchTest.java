package org.pauc.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Locale;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.pauc.backend.Backend;
import org.pauc.config.TrainConfig;
import org.pauc.cpu.CpuBackend;
import org.pauc.hostmath.Gemm;

/**
 * Eval-mode outputs of an image do not depend on the batch it is run in, on the CPU backend, for batches that are
 * multiples of the GEMM's row block (the E-step's feature pass picks its batch for speed under that condition).
 */
class EvalBatchTest {
    @ParameterizedTest(name = "{0}")
    @CsvSource({"small-cnn, 28, 1", "resnet18, 16, 3"})
    void outputsAreTheSameInAnyBatch(String model, int side, int channels) {
        Dims in = new Dims(side, side, channels);
        int n = 132; // not a multiple of the row block: the last batch has a partial tile
        SplittableRandom r = new SplittableRandom(3);
        float[] images = new float[n * in.size()];
        for (int i = 0; i < images.length; i++) {
            images[i] = (float) r.nextDouble();
        }
        try (Backend be = new CpuBackend(2); Network net = Models.create(TrainConfig.Encoder.valueOf(model.toUpperCase(Locale.ROOT).replace('-', '_')), be, 1, in,
                16)) {
            for (boolean backboneOnly : new boolean[] {true, false}) {
                float[] small = net.outputs(be, images, n, backboneOnly, Gemm.MR, null);
                String what = model + (backboneOnly ? " backbone" : " head");
                for (int batch : new int[] {13 * Gemm.MR, 256 / Gemm.MR * Gemm.MR}) {
                    assertArrayEquals(small, net.outputs(be, images, n, backboneOnly, batch, null),
                            what + ", batch " + batch);
                }
            }
        }
    }
}
