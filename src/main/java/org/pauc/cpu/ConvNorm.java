package org.pauc.cpu;

import org.pauc.hostmath.Parallel;
import org.pauc.hostmath.Scratch;
import org.pauc.oracle.layers.ConvShape;

/**
 * A direct convolution and the batch norm (+ ReLU) on its output in one pass over the output's chunks: each chunk of
 * {@link Norm#CHUNK_ROWS} output pixels is computed and its batch statistics taken while it is still in the cache, so
 * the batch norm does not read the whole output once more for them. In eval mode, where the statistics are known
 * beforehand, a chunk is normalised in the cache and the convolution's output is never written.
 *
 * <p>Must give the bits of {@link DirectConv#forward}, then {@link Norm#train} or {@link Norm#eval} (and so match the
 * oracle's {@code Layers.conv2d}, {@code batchStats} and {@code batchNormApply}): a value of the convolution does not
 * depend on the range of pixels it is computed in, and the statistics use {@link Norm}'s chunks and code.
 */
final class ConvNorm {
    private static final int CHUNK = Norm.CHUNK_ROWS;
    /** A chunk of the convolution's output in eval mode. */
    private static final Scratch BLOCK = new Scratch();

    private ConvNorm() {}

    /** The batch norm's state: γ, β, running and saved statistics, momentum, ε, and whether a ReLU follows. */
    record Bn(float[] gamma, float[] beta, float[] runMean, float[] runVar, float[] saveMean, float[] saveInvStd,
              float momentum, float eps, boolean relu) {}

    /** Convolutions that {@link Conv#forward} computes directly (not by Winograd, not as a GEMM), with outputs. */
    static boolean applies(ConvShape s) {
        return Conv.isDirect(s) && s.patches() > 0;
    }

    /**
     * y = batch norm (train or eval, with its ReLU when fused) of mid = conv(x, w) + bias. In training mid holds the
     * convolution's output afterwards (the backward reads it); in eval mode it is not written.
     */
    static void forward(ConvShape s, float[] x, float[] w, float[] bias, float[] mid, Bn bn, boolean train,
                        float[] y) {
        DirectConv.Plan p = DirectConv.plan(s, x, w, bias);
        int rows = s.patches();
        int c = s.cout();
        if (train) {
            Norm.train(rows, c, mid, (r0, r1) -> DirectConv.outputs(p, r0, r1, mid, 0), bn.gamma(), bn.beta(), y,
                    bn.saveMean(), bn.saveInvStd(), bn.runMean(), bn.runVar(), bn.momentum(), bn.eps(), bn.relu());
        } else {
            float[] scale = Norm.evalScale(c, bn.gamma(), bn.runVar(), bn.eps());
            Parallel.forEach(Norm.chunks(rows), t -> {
                int r0 = t * CHUNK;
                int count = Math.min(rows, r0 + CHUNK) - r0;
                float[] block = BLOCK.get(CHUNK * c);
                DirectConv.outputs(p, r0, r0 + count, block, r0);
                Norm.affineChunk(block, 0, c, count, bn.runMean(), scale, bn.beta(), bn.relu(), y, r0 * c);
            });
        }
    }
}
