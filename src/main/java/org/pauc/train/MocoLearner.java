package org.pauc.train;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.pauc.backend.Backend;
import org.pauc.backend.Buffer;
import org.pauc.backend.DeviceCollective;
import org.pauc.dist.Collective;
import org.pauc.dist.Local;
import org.pauc.hostmath.Seeds;
import org.pauc.nn.Network;
import org.pauc.nn.Param;
import org.pauc.objective.Objective;
import org.pauc.oracle.PaucObjective;

/**
 * One MoCo v2 / PCL / PAUC learner on a backend: the query encoder (trained by SGD), the momentum encoder (an
 * exponential moving average of the query encoder's parameters), and the queue of past keys. One
 * {@link #step} follows MoCo's order: momentum update of the key encoder, keys from the second view, the
 * objective on the normalised queries, backward, SGD, then the keys enter the queue.
 *
 * <p>In a run over several processes ({@link Collective}) each process steps on its share of the batch: its keys are
 * gathered in rank order so that every process holds the whole batch's keys (and puts all of them in its queue), the
 * batch-level terms see the whole batch ({@link Objective.Split}), the gradients are averaged over the processes in
 * buckets in a fixed order before SGD, and batch norm's running statistics are averaged after the step, so every
 * process keeps the same weights, statistics and queue.
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
    private final Collective dist;
    /** The backend's own collective for the gradients (NCCL on CUDA), or null: they go through {@link #dist}. */
    private final DeviceCollective devices;
    /** The whole batch's keys in sample order (distributed runs). */
    private Buffer keysAll;

    /** Floats per all-reduce of gradients or statistics: 4 MiB. */
    static final int BUCKET = 1 << 20;

    public MocoLearner(Backend be, Network query, Network key, int queueLength, long seed, Hyper hyper) {
        this(be, query, key, queueLength, seed, hyper, Local.INSTANCE);
    }

    /** As above, as one of the processes of {@code dist}. */
    public MocoLearner(Backend be, Network query, Network key, int queueLength, long seed, Hyper hyper,
                       Collective dist) {
        this.be = be;
        this.dist = dist;
        this.devices = dist.size() > 1 ? be.deviceCollective(dist) : null;
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

    /** MoCo initialises the queue with random unit vectors ({@link Seeds#queue} of the run's seed). */
    private static float[] randomUnitRows(int rows, int d, long seed) {
        SplittableRandom r = Seeds.queue(seed);
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
        if (dist.size() > 1) {
            if (keysAll != null) {
                keysAll.close();
            }
            keysAll = be.allocate(n * dist.size() * dim);
        }
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
        BatchSplit split = null;
        if (dist.size() > 1) {
            split = gatherKeys(kRaw, n, keyOrder);
        } else if (keyOrder == null) {
            be.l2Normalize(n, dim, kRaw, keys, 1e-12f);
        } else {
            be.l2Normalize(n, dim, kRaw, dv, 1e-12f);
            for (int i = 0; i < n; i++) {
                be.copy(dv, i * dim, keys, keyOrder[i] * dim, dim);
            }
        }
        Objective.Terms terms = Objective.evaluate(be, n, dim, u, keys, queueLength, queue, clusterings, objective,
                decorrelation, v, dv, du, split);
        if (split != null) {
            split.close();
        }
        query.backward(be, du, n);
        if (split != null) {
            averageOverProcesses(qp, true);
        }
        for (Param p : qp) {
            if (p.trainable) {
                be.sgd(p.size(), p.value, p.grad, p.velocity, lr, hyper.momentum(), hyper.weightDecay());
            }
        }
        if (split != null) {
            averageOverProcesses(qp, false);
            averageOverProcesses(kp, false);
            enqueue(keysAll, n * dist.size());
        } else {
            enqueue(keys, n);
        }
        return terms;
    }

    /**
     * The distributed keys: this process's n normalised keys (rows [rank·n, (rank + 1)·n) of the whole batch in key
     * order: row i holds sample keyOrder[i], or sample i without shuffling) are gathered in rank order, put back in
     * sample order into {@link #keysAll}, and this process's samples' keys copied into {@link #keys}.
     */
    private BatchSplit gatherKeys(Buffer kRaw, int n, int[] keyOrder) {
        int p = dist.size();
        int rows = n * p;
        be.l2Normalize(n, dim, kRaw, dv, 1e-12f);
        float[] mine = new float[n * dim];
        be.download(dv, 0, mine, 0, mine.length);
        float[] gathered = new float[rows * dim];
        dist.allGather(mine, gathered, Collective.equalCounts(p, n * dim));
        float[] ordered = keyOrder == null ? gathered : new float[rows * dim];
        if (keyOrder != null) {
            for (int i = 0; i < rows; i++) {
                System.arraycopy(gathered, i * dim, ordered, keyOrder[i] * dim, dim);
            }
        }
        be.upload(ordered, 0, keysAll, 0, ordered.length);
        int first = dist.rank() * n;
        be.copy(keysAll, first * dim, keys, 0, n * dim);
        return new BatchSplit(rows, first, p);
    }

    /** This process's rows of the whole batch; the whole batch's rows gathered once per local buffer and step. */
    private final class BatchSplit implements Objective.Split, AutoCloseable {
        private final int rows;
        private final int first;
        private final int processes;
        private Buffer source;
        private Buffer gathered;

        BatchSplit(int rows, int first, int processes) {
            this.rows = rows;
            this.first = first;
            this.processes = processes;
        }

        @Override
        public int rows() {
            return rows;
        }

        @Override
        public int first() {
            return first;
        }

        @Override
        public int processes() {
            return processes;
        }

        @Override
        public Buffer gather(Buffer local, int m, int d) {
            if (local == source) {
                return gathered;
            }
            close();
            float[] part = new float[m * d];
            be.download(local, 0, part, 0, part.length);
            float[] all = new float[m * processes * d];
            dist.allGather(part, all, Collective.equalCounts(processes, m * d));
            source = local;
            gathered = be.upload(all);
            return gathered;
        }

        @Override
        public Buffer keys() {
            return keysAll;
        }

        @Override
        public void close() {
            if (gathered != null) {
                gathered.close();
                gathered = null;
                source = null;
            }
        }
    }

    /**
     * The mean over the processes of the trainable parameters' gradients ({@code gradients}) or of the statistics
     * (batch norm's running mean and variance), in buckets of {@link #BUCKET} floats in parameter order.
     */
    private void averageOverProcesses(List<Param> params, boolean gradients) {
        if (gradients && devices != null) {
            for (Param q : params) {
                if (q.trainable) {
                    devices.allReduceMean(q.grad, 0, q.grad.size());
                }
            }
            return;
        }
        float[] bucket = new float[BUCKET];
        List<Buffer> held = new ArrayList<>();
        int at = 0;
        for (Param q : params) {
            if (q.trainable != gradients) {
                continue;
            }
            Buffer b = gradients ? q.grad : q.value;
            if (b.size() > BUCKET) {
                // a tensor larger than a bucket goes alone, a bucket at a time
                float[] whole = be.download(b);
                for (int o = 0; o < whole.length; o += BUCKET) {
                    dist.allReduceMean(whole, o, Math.min(BUCKET, whole.length - o));
                }
                be.upload(whole, 0, b, 0, whole.length);
                continue;
            }
            if (at + b.size() > BUCKET) {
                flush(bucket, at, held);
                at = 0;
            }
            be.download(b, 0, bucket, at, b.size());
            held.add(b);
            at += b.size();
        }
        flush(bucket, at, held);
    }

    /** All-reduces (mean) the first {@code used} floats of a bucket and puts them back into the buffers they hold. */
    private void flush(float[] bucket, int used, List<Buffer> held) {
        if (used == 0) {
            return;
        }
        dist.allReduceMean(bucket, 0, used);
        int o = 0;
        for (Buffer b : held) {
            be.upload(bucket, o, b, 0, b.size());
            o += b.size();
        }
        held.clear();
    }

    /** Writes n keys at the queue pointer, wrapping around the end. */
    private void enqueue(Buffer keys, int n) {
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
        if (keysAll != null) {
            keysAll.close();
        }
        queue.close();
    }
}
