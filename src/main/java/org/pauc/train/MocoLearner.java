package org.pauc.train;

import java.util.List;
import java.util.SplittableRandom;
import org.pauc.backend.Backend;
import org.pauc.backend.Buffer;
import org.pauc.nn.Network;
import org.pauc.nn.Param;
import org.pauc.objective.Objective;
import org.pauc.oracle.PaucObjective;

/**
 * One MoCo v2 / PCL / PAUC learner on a backend: the query encoder (trained by SGD), the momentum encoder (an
 * exponential moving average of the query encoder's parameters), and the queue of past keys. One
 * {@link #step} follows MoCo's order: momentum update of the key encoder, keys from the second view, the
 * objective on the normalised queries, backward, SGD, then the keys enter the queue.
 */
public final class MocoLearner implements AutoCloseable {

    /** The optimisation settings of a step. */
    public record Hyper(float momentum, float weightDecay, float keyMomentum) {
        /** PCL's: SGD momentum 0.9, weight decay 1e-4; momentum encoder m = 0.999. */
        public static final Hyper PCL = new Hyper(0.9f, 1e-4f, 0.999f);
    }

    private final Backend be;
    private final Network query;
    private final Network key;
    private final int dim;
    private final int queueLength;
    private final Buffer queue;
    private int queuePtr;
    private final Hyper hyper;
    private Buffer keys;
    private Buffer v;
    private Buffer dv;
    private Buffer du;
    private int capacity;

    public MocoLearner(Backend be, Network query, Network key, int queueLength, long seed, Hyper hyper) {
        this.be = be;
        this.query = query;
        this.key = key;
        this.dim = query.output().size();
        this.queueLength = queueLength;
        this.hyper = hyper;
        List<Param> qp = query.params();
        List<Param> kp = key.params();
        for (int i = 0; i < qp.size(); i++) {
            be.copy(qp.get(i).value, 0, kp.get(i).value, 0, qp.get(i).size());
        }
        this.queue = be.upload(randomUnitRows(queueLength, dim, seed));
    }

    /** MoCo initialises the queue with random unit vectors. */
    private static float[] randomUnitRows(int rows, int d, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] a = new float[rows * d];
        for (int i = 0; i < rows; i++) {
            double s = 0;
            for (int c = 0; c < d; c++) {
                a[i * d + c] = (float) r.nextGaussian();
                s += a[i * d + c] * a[i * d + c];
            }
            for (int c = 0; c < d; c++) {
                a[i * d + c] /= (float) Math.sqrt(s);
            }
        }
        return a;
    }

    private void ensure(int n) {
        if (n <= capacity) {
            return;
        }
        if (keys != null) {
            keys.close();
            v.close();
            dv.close();
            du.close();
        }
        keys = be.allocate(n * dim);
        v = be.allocate(n * dim);
        dv = be.allocate(n * dim);
        du = be.allocate(n * dim);
        capacity = n;
    }

    public Network query() {
        return query;
    }

    public Network key() {
        return key;
    }

    public Buffer queue() {
        return queue;
    }

    public int queuePointer() {
        return queuePtr;
    }

    public void setQueuePointer(int ptr) {
        this.queuePtr = ptr;
    }

    /**
     * One training step on n pairs of views (each n × the input size), with the given clusterings (empty during
     * warm-up) and learning rate. Returns the objective's terms before the update.
     */
    public Objective.Terms step(Buffer view1, Buffer view2, int n, List<Objective.ClusterBuffers> clusterings,
                                PaucObjective.Params objective, float lr) {
        return step(view1, view2, n, clusterings, objective, Objective.Decorrelation.OFFDIAG, lr);
    }

    /** As above, with the decorrelation variant chosen. */
    public Objective.Terms step(Buffer view1, Buffer view2, int n, List<Objective.ClusterBuffers> clusterings,
                                PaucObjective.Params objective, Objective.Decorrelation decorrelation, float lr) {
        return step(view1, view2, n, clusterings, objective, decorrelation, lr, null);
    }

    /**
     * As above, with the key batch shuffled (shuffle-BN): row i of {@code view2} holds sample {@code keyOrder[i]}'s
     * second view, so that split batch norm's groups of keys differ from those of the queries; the keys are put back
     * in sample order before the objective. {@code keyOrder} null: view2 is in sample order.
     */
    public Objective.Terms step(Buffer view1, Buffer view2, int n, List<Objective.ClusterBuffers> clusterings,
                                PaucObjective.Params objective, Objective.Decorrelation decorrelation, float lr,
                                int[] keyOrder) {
        ensure(n);
        Buffer u = query.forward(be, view1, n, true);
        List<Param> qp = query.params();
        List<Param> kp = key.params();
        for (int i = 0; i < qp.size(); i++) {
            if (qp.get(i).trainable) {
                be.ema(qp.get(i).size(), kp.get(i).value, qp.get(i).value, hyper.keyMomentum());
            }
        }
        Buffer kRaw = key.forward(be, view2, n, true);
        if (keyOrder == null) {
            be.l2Normalize(n, dim, kRaw, keys, 1e-12f);
        } else {
            be.l2Normalize(n, dim, kRaw, dv, 1e-12f);
            for (int i = 0; i < n; i++) {
                be.copy(dv, i * dim, keys, keyOrder[i] * dim, dim);
            }
        }
        Objective.Terms terms = Objective.evaluate(be, n, dim, u, keys, queueLength, queue, clusterings, objective,
                decorrelation, v, dv, du);
        query.backward(be, du, n);
        for (Param p : qp) {
            if (p.trainable) {
                be.sgd(p.size(), p.value, p.grad, p.velocity, lr, hyper.momentum(), hyper.weightDecay());
            }
        }
        enqueue(n);
        return terms;
    }

    /** Writes this step's keys at the queue pointer, wrapping around the end. */
    private void enqueue(int n) {
        int rows = Math.min(n, queueLength);
        int first = Math.min(rows, queueLength - queuePtr);
        be.copy(keys, 0, queue, queuePtr * dim, first * dim);
        if (rows > first) {
            be.copy(keys, first * dim, queue, 0, (rows - first) * dim);
        }
        queuePtr = (queuePtr + rows) % queueLength;
    }

    @Override
    public void close() {
        if (keys != null) {
            keys.close();
            v.close();
            dv.close();
            du.close();
        }
        queue.close();
    }
}
