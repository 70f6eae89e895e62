package org.pauc.nn;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;
import org.pauc.backend.Backend;
import org.pauc.backend.Buffer;

/**
 * A chain of layers with its activation buffers. {@link #forward} keeps every activation of the last batch
 * for {@link #backward}, which overwrites the parameters' gradients. Activations are allocated for the largest
 * batch seen.
 */
public final class Network implements AutoCloseable {
    private final List<Layer> layers;
    private final Dims input;
    private final List<Dims> dims = new ArrayList<>();
    private final int backboneLayers;
    private Buffer[] acts = new Buffer[0];
    private final GradientScratch scratch = new GradientScratch();
    private int capacity;

    /**
     * @param backboneLayers how many leading layers form the backbone (its output is the representation that
     *                       evaluation uses); the rest is the projection head
     */
    public Network(Dims input, List<Layer> layers, int backboneLayers) {
        this.input = input;
        this.layers = List.copyOf(layers);
        this.backboneLayers = backboneLayers;
        Dims d = input;
        dims.add(d);
        for (Layer l : layers) {
            d = l.output(d);
            dims.add(d);
            l.shareGradientScratch(scratch);
        }
    }

    public Dims input() {
        return input;
    }

    public Dims output() {
        return dims.getLast();
    }

    public Dims backboneOutput() {
        return dims.get(backboneLayers);
    }

    /**
     * Training-mode batch norm over {@code splits} groups of each batch (split batch norm; 1 = plain): see
     * {@link BatchNorm#split}.
     */
    public void splitBatchNorm(int splits) {
        for (Layer l : layers) {
            for (BatchNorm bn : l.allBatchNorms()) {
                bn.split(splits);
            }
        }
    }

    public List<Layer> layers() {
        return layers;
    }

    /** How many leading layers form the backbone; the rest is the projection head. */
    public int backboneLayerCount() {
        return backboneLayers;
    }

    /** Every parameter and statistic in a fixed order. */
    public List<Param> params() {
        List<Param> ps = new ArrayList<>();
        for (Layer l : layers) {
            ps.addAll(l.params());
        }
        return ps;
    }

    public long trainableCount() {
        return params().stream().filter(p -> p.trainable).mapToLong(Param::size).sum();
    }

    private void ensure(Backend be, int n) {
        if (n <= capacity) {
            return;
        }
        releaseActivations();
        acts = new Buffer[layers.size() + 1];
        for (int i = 1; i <= layers.size(); i++) {
            acts[i] = be.allocate(n * dims.get(i).size());
        }
        capacity = n;
    }

    /** Runs the network on x (n samples); returns the output buffer (owned by the network). */
    public Buffer forward(Backend be, Buffer x, int n, boolean train) {
        return forwardTo(be, x, n, train, layers.size());
    }

    /**
     * Eval-mode outputs for n images held on the host (the backbone's, or the whole network's), batch by batch;
     * {@code progress}, when non-null, is told how many images are done after each batch.
     */
    public float[] outputs(Backend be, float[] images, int n, boolean backboneOnly, int batch, IntConsumer progress) {
        int size = input.size();
        int dim = backboneOnly ? backboneOutput().size() : output().size();
        float[] out = new float[n * dim];
        try (Buffer x = be.allocate(batch * size)) {
            for (int i0 = 0; i0 < n; i0 += batch) {
                int m = Math.min(batch, n - i0);
                be.upload(images, i0 * size, x, 0, m * size);
                Buffer y = backboneOnly ? backbone(be, x, m) : forward(be, x, m, false);
                be.download(y, 0, out, i0 * dim, m * dim);
                if (progress != null) {
                    progress.accept(i0 + m);
                }
            }
        }
        return out;
    }

    /** Runs the backbone only and returns its output (the representation). */
    public Buffer backbone(Backend be, Buffer x, int n) {
        return forwardTo(be, x, n, false, backboneLayers);
    }

    private Buffer forwardTo(Backend be, Buffer x, int n, boolean train, int upTo) {
        ensure(be, n);
        acts[0] = x;
        for (int i = 0; i < upTo; i++) {
            if (i + 1 < upTo && layers.get(i) instanceof Conv2d conv && layers.get(i + 1) instanceof BatchNorm bn) {
                conv.forwardNormed(be, n, dims.get(i), acts[i], acts[i + 1], bn, acts[i + 2], train);
                i++;
            } else {
                layers.get(i).forward(be, n, dims.get(i), acts[i], acts[i + 1], train);
            }
        }
        return acts[upTo];
    }

    /** Backpropagates dOut (the gradient of the output of the last forward) into every parameter gradient. */
    public void backward(Backend be, Buffer dOut, int n) {
        Buffer dy = dOut;
        for (int i = layers.size() - 1; i >= 0; i--) {
            // the gradient between layers i-1 and i alternates between two shared slots
            Buffer dx = i == 0 ? null : scratch.get(be, GradientScratch.BETWEEN_LAYERS + i % 2, n * dims.get(i).size());
            layers.get(i).backward(be, n, dims.get(i), acts[i], acts[i + 1], dy, dx);
            dy = dx;
        }
    }

    /** The gradient buffers its layers share (for the memory tests). */
    GradientScratch gradientScratch() {
        return scratch;
    }

    public String describe() {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < layers.size(); i++) {
            b.append(i == backboneLayers ? " | " : i == 0 ? "" : " → ").append(layers.get(i).describe());
        }
        return b.toString();
    }

    private void releaseActivations() {
        for (int i = 1; i < acts.length; i++) {
            acts[i].close();
        }
    }

    @Override
    public void close() {
        releaseActivations();
        scratch.close();
        layers.forEach(Layer::close);
    }
}
