package org.pauc.nn;

import java.util.List;
import java.util.SplittableRandom;
import org.pauc.backend.Backend;
import org.pauc.backend.Buffer;

/** y = x·Wᵀ + b, W out×in. */
public final class Linear implements Layer {
    final int in;
    final int out;
    final Param weight;
    final Param bias;

    /** out×in, as PyTorch's. */
    public Param weight() {
        return weight;
    }

    public Param bias() {
        return bias;
    }

    public Linear(Backend be, SplittableRandom rng, String name, int in, int out) {
        this.in = in;
        this.out = out;
        weight = new Param(be, name + ".weight", new int[] {out, in}, true, Init.uniform(rng, out * in, in));
        bias = new Param(be, name + ".bias", new int[] {out}, true, Init.uniform(rng, out, in));
    }

    @Override
    public Dims output(Dims d) {
        if (d.size() != in) {
            throw new IllegalArgumentException(describe() + ": input has " + d.size() + " features");
        }
        return new Dims(1, 1, out);
    }

    @Override
    public void forward(Backend be, int n, Dims d, Buffer x, Buffer y, boolean train) {
        be.linear(n, in, out, x, weight.value, bias.value, y);
    }

    @Override
    public void backward(Backend be, int n, Dims d, Buffer x, Buffer y, Buffer dy, Buffer dx) {
        be.linearBackward(n, in, out, x, weight.value, dy, dx, weight.grad, bias.grad);
    }

    @Override
    public List<Param> params() {
        return List.of(weight, bias);
    }

    @Override
    public String describe() {
        return "linear(" + in + "→" + out + ")";
    }
}
