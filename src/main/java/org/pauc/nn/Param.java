package org.pauc.nn;

import org.pauc.backend.Backend;
import org.pauc.backend.Buffer;

/**
 * A named tensor of a network on a backend: trainable (value, gradient, SGD velocity) or a statistic
 * (batch norm's running mean and variance: value only). {@code shape} is the tensor's logical shape in
 * pauc's layout (conv weights kh×kw×cin×cout, linear weights out×in).
 */
public final class Param implements AutoCloseable {
    public final String name;
    public final int[] shape;
    public final boolean trainable;
    public final Buffer value;
    public final Buffer grad;
    public final Buffer velocity;

    Param(Backend be, String name, int[] shape, boolean trainable, float[] init) {
        this.name = name;
        this.shape = shape;
        this.trainable = trainable;
        this.value = be.upload(init);
        this.grad = trainable ? be.allocate(init.length) : null;
        this.velocity = trainable ? be.allocate(init.length) : null;
    }

    public int size() {
        return value.size();
    }

    @Override
    public void close() {
        value.close();
        if (grad != null) {
            grad.close();
            velocity.close();
        }
    }
}
