package org.pauc.nn;

import java.util.ArrayList;
import java.util.List;
import org.pauc.backend.Backend;
import org.pauc.backend.Buffer;

/**
 * Gradient buffers that the layers of one {@link Network} borrow during backward. Only one layer runs backward at
 * a time and no gradient outlives the pass, so all layers share them: a ResNet-50 holds a handful of
 * activation-sized gradient buffers instead of several per block, and a network that never runs backward (a key
 * encoder) holds none. Slot {@code s} grows to the largest size asked of it and keeps that size.
 */
public final class GradientScratch implements AutoCloseable {
    /** The network's two alternating slots for the gradients between layers. */
    static final int BETWEEN_LAYERS = 0;
    /** The first slot free for a layer's own gradients. */
    public static final int LAYER_SLOTS = 2;

    private final List<Buffer> slots = new ArrayList<>();

    /** A buffer of at least {@code size} floats in slot {@code slot}; its contents are whatever was last written. */
    public Buffer get(Backend be, int slot, int size) {
        while (slots.size() <= slot) {
            slots.add(null);
        }
        Buffer b = slots.get(slot);
        if (b == null || b.size() < size) {
            if (b != null) {
                b.close();
            }
            b = be.allocate(size);
            slots.set(slot, b);
        }
        return b;
    }

    /** Floats held over all slots. */
    long floats() {
        return slots.stream().filter(b -> b != null).mapToLong(Buffer::size).sum();
    }

    @Override
    public void close() {
        for (Buffer b : slots) {
            if (b != null) {
                b.close();
            }
        }
        slots.clear();
    }
}
