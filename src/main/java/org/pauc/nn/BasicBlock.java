package org.pauc.nn;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.pauc.backend.Backend;
import org.pauc.backend.Buffer;

/**
 * ResNet's basic block: y = relu( bn2(conv3×3(relu(bn1(conv3×3(x, stride))))) + shortcut(x) ), with the shortcut
 * the identity, or conv1×1(stride) + BN when the shape changes. Keeps its inner activations for backward.
 */
public final class BasicBlock implements Layer {
    private final Modules.Conv2d conv1;
    private final Modules.BatchNorm bn1;
    private final Modules.Conv2d conv2;
    private final Modules.BatchNorm bn2;
    private final Modules.Conv2d downConv;
    private final Modules.BatchNorm downBn;
    private final int cin;
    private final int cout;
    private final int stride;
    private Buffer t1;
    private Buffer t2;
    private Buffer t3;
    private Buffer t4;
    private Buffer s1;
    private Buffer s2;
    private Buffer g1;
    private Buffer g2;
    private Buffer g3;
    private Buffer gs;
    private Buffer gx;
    private int capacity;

    /** The main path's layers, and the shortcut's (null for the identity). */
    public Modules.Conv2d conv1() {
        return conv1;
    }

    public Modules.BatchNorm bn1() {
        return bn1;
    }

    public Modules.Conv2d conv2() {
        return conv2;
    }

    public Modules.BatchNorm bn2() {
        return bn2;
    }

    public Modules.Conv2d downsampleConv() {
        return downConv;
    }

    public Modules.BatchNorm downsampleBn() {
        return downBn;
    }

    public BasicBlock(Backend be, SplittableRandom rng, String name, int cin, int cout, int stride) {
        this.cin = cin;
        this.cout = cout;
        this.stride = stride;
        conv1 = new Modules.Conv2d(be, rng, name + ".conv1", cin, cout, 3, stride, 1, false);
        bn1 = new Modules.BatchNorm(be, name + ".bn1", cout, true);
        conv2 = new Modules.Conv2d(be, rng, name + ".conv2", cout, cout, 3, 1, 1, false);
        bn2 = new Modules.BatchNorm(be, name + ".bn2", cout, false);
        boolean project = stride != 1 || cin != cout;
        downConv = project ? new Modules.Conv2d(be, rng, name + ".downsample.0", cin, cout, 1, stride, 0, false) : null;
        downBn = project ? new Modules.BatchNorm(be, name + ".downsample.1", cout, false) : null;
    }

    @Override
    public Dims output(Dims in) {
        return conv2.output(conv1.output(in));
    }

    private void ensure(Backend be, int n, Dims in) {
        if (n <= capacity) {
            return;
        }
        releaseBuffers();
        int inner = n * output(in).size();
        t1 = be.allocate(inner);
        t2 = be.allocate(inner);
        t3 = be.allocate(inner);
        t4 = be.allocate(inner);
        s1 = be.allocate(inner);
        s2 = be.allocate(inner);
        g1 = be.allocate(inner);
        g2 = be.allocate(inner);
        g3 = be.allocate(inner);
        gs = be.allocate(inner);
        gx = be.allocate(n * in.size());
        capacity = n;
    }

    @Override
    public void forward(Backend be, int n, Dims in, Buffer x, Buffer y, boolean train) {
        ensure(be, n, in);
        Dims mid = conv1.output(in);
        conv1.forward(be, n, in, x, t1, train);
        bn1.forward(be, n, mid, t1, t2, train);
        conv2.forward(be, n, mid, t2, t3, train);
        bn2.forward(be, n, mid, t3, t4, train);
        Buffer shortcut = x;
        if (downConv != null) {
            downConv.forward(be, n, in, x, s1, train);
            downBn.forward(be, n, mid, s1, s2, train);
            shortcut = s2;
        }
        int size = n * mid.size();
        be.add(size, t4, shortcut, y);
        be.relu(size, y, y);
    }

    @Override
    public void backward(Backend be, int n, Dims in, Buffer x, Buffer y, Buffer dy, Buffer dx) {
        Dims mid = conv1.output(in);
        int size = n * mid.size();
        be.reluBackward(size, y, dy, g3);                          // g3 = d(t4 + shortcut)
        bn2.backward(be, n, mid, t3, t4, g3, g2);                  // g2 = dt3
        conv2.backward(be, n, mid, t2, t3, g2, g1);                // g1 = dt2
        bn1.backward(be, n, mid, t1, t2, g1, g2);                  // g2 = dt1 (through the fused ReLU)
        conv1.backward(be, n, in, x, t1, g2, dx);
        if (dx == null) {
            if (downConv != null) {
                downBn.backward(be, n, mid, s1, s2, g3, gs);
                downConv.backward(be, n, in, x, s1, gs, null);
            }
            return;
        }
        int inSize = n * in.size();
        if (downConv != null) {
            downBn.backward(be, n, mid, s1, s2, g3, gs);
            downConv.backward(be, n, in, x, s1, gs, gx);
            be.add(inSize, dx, gx, dx);
        } else {
            be.add(inSize, dx, g3, dx);
        }
    }

    @Override
    public List<Param> params() {
        List<Param> ps = new ArrayList<>();
        ps.addAll(conv1.params());
        ps.addAll(bn1.params());
        ps.addAll(conv2.params());
        ps.addAll(bn2.params());
        if (downConv != null) {
            ps.addAll(downConv.params());
            ps.addAll(downBn.params());
        }
        return ps;
    }

    @Override
    public String describe() {
        return "block(" + cin + "→" + cout + (stride > 1 ? ", stride " + stride : "") + ")";
    }

    private void releaseBuffers() {
        for (Buffer b : new Buffer[] {t1, t2, t3, t4, s1, s2, g1, g2, g3, gs, gx}) {
            if (b != null) {
                b.close();
            }
        }
    }

    @Override
    public void close() {
        Layer.super.close();
        conv1.close();
        bn1.close();
        conv2.close();
        bn2.close();
        if (downConv != null) {
            downConv.close();
            downBn.close();
        }
        releaseBuffers();
    }
}
