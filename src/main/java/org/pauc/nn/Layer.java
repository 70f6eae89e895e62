package org.pauc.nn;

import java.util.List;
import org.pauc.backend.Backend;
import org.pauc.backend.Buffer;

/**
 * One layer of a {@link Network}: forward from x to y for a batch of n samples, backward from dy to dx and to
 * its parameters' gradients (overwritten). Layers keep whatever they need between forward and backward
 * (batch statistics), so a layer object serves one network.
 */
public interface Layer extends AutoCloseable {
    /** The output shape for this input shape; validates the input. */
    Dims output(Dims in);

    void forward(Backend be, int n, Dims in, Buffer x, Buffer y, boolean train);

    /** dx may be null when the input needs no gradient. */
    void backward(Backend be, int n, Dims in, Buffer x, Buffer y, Buffer dy, Buffer dx);

    /** Trainable parameters and statistics, in a fixed order. */
    List<Param> params();

    /** A short description, e.g. "conv3×3(1→32, stride 1, pad 1)". */
    String describe();

    /**
     * Gives a layer that needs gradient buffers of its own during backward the network's shared ones (slots from
     * {@link GradientScratch#LAYER_SLOTS}); such a layer keeps a private scratch until told.
     */
    default void shareGradientScratch(GradientScratch scratch) {}

    /** The batch norms of this layer, itself included (for {@link Network#splitBatchNorm}). */
    default List<BatchNorm> allBatchNorms() {
        return List.of();
    }

    @Override
    default void close() {
        params().forEach(Param::close);
    }
}
