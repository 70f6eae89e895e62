package org.pauc.train;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Future;
import org.pauc.backend.Backend;
import org.pauc.backend.Backends;
import org.pauc.backend.Buffer;
import org.pauc.checkpoint.Checkpoint;
import org.pauc.config.TrainConfig;
import org.pauc.data.Augment;
import org.pauc.data.ImageSource;
import org.pauc.dist.Collective;
import org.pauc.dist.Local;
import org.pauc.hostmath.Parallel;
import org.pauc.hostmath.Seeds;
import org.pauc.io.ProgressBar;
import org.pauc.nn.Dims;
import org.pauc.nn.Layer;
import org.pauc.nn.Models;
import org.pauc.nn.Network;
import org.pauc.nn.Param;
import org.pauc.objective.Objective;

/**
 * Trains MoCo v2, PCL or PAUC: the epoch loop. Each epoch runs PCL's E-step ({@link EStep}) once the warm-up is over,
 * then the M-step over shuffled batches of two augmented views (the objective of docs/losses.md), and records the
 * epoch in the run directory ({@link RunDirectory}). A run continues from its checkpoint and reaches the same
 * weights, bit for bit, as an uninterrupted run: all randomness derives from (seed, epoch, step, index).
 */
public final class Trainer {

    /**
     * How to call a run: the training images, the run directory, whether to resume from its checkpoint, where to
     * print, the epoch to stop after (for tests and interrupted runs), and listeners such as {@link KnnMonitor}.
     */
    public record Options(ImageSource train, Path out, boolean resume, PrintStream console, int stopAfter,
                          List<TrainListener> listeners, boolean strictData, Collective dist) {
        public Options {
            listeners = List.copyOf(listeners);
        }

        public static Options of(ImageSource train, Path out, PrintStream console) {
            return new Options(train, out, false, console, Integer.MAX_VALUE, List.of(), false, Local.INSTANCE);
        }

        public Options resuming(boolean r) {
            return new Options(train, out, r, console, stopAfter, listeners, strictData, dist);
        }

        public Options stopAfter(int epoch) {
            return new Options(train, out, resume, console, epoch, listeners, strictData, dist);
        }

        public Options listen(TrainListener l) {
            List<TrainListener> all = new ArrayList<>(listeners);
            all.add(l);
            return new Options(train, out, resume, console, stopAfter, all, strictData, dist);
        }

        /** An unreadable image stops the run (a one-line error) instead of being skipped. */
        public Options strict(boolean s) {
            return new Options(train, out, resume, console, stopAfter, listeners, s, dist);
        }

        /**
         * Trains as one of the processes of {@code d}: each takes its share of every (global) batch; rank 0 alone
         * prints, writes the run directory and calls the listeners.
         */
        public Options distributed(Collective d) {
            return new Options(train, out, resume, console, stopAfter, listeners, strictData, d);
        }
    }

    /** Thrown when the loss stops being finite; the last good checkpoint stays. */
    public static final class DivergedException extends RuntimeException {
        DivergedException(String message) {
            super(message);
        }
    }

    private Trainer() {}

    /** Trains as {@code o} says; returns the logs of the epochs run now. */
    public static List<EpochLog> run(TrainConfig cfg, Options o) throws IOException {
        // the run's host work (the E-step's k-means, monitors) on the run's threads; the backend has its own
        try (Parallel host = new Parallel(cfg.run().threads())) {
            return host.call(() -> runOn(cfg, o));
        }
    }

    private static List<EpochLog> runOn(TrainConfig cfg, Options o) throws IOException {
        ImageSource train = o.train();
        Collective dist = o.dist();
        boolean lead = dist.rank() == 0;
        PrintStream console = lead ? o.console() : new PrintStream(OutputStream.nullOutputStream());
        List<TrainListener> listeners = lead ? o.listeners() : List.of();
        int processes = dist.size();
        if (cfg.optimizer().batchSize() % processes != 0) {
            throw new IllegalArgumentException("--batch-size " + cfg.optimizer().batchSize() + " (the global batch) does not "
                    + "divide over " + processes + " processes");
        }
        int share = cfg.optimizer().batchSize() / processes;
        if (processes > 1 && share % cfg.model().bnSplits() != 0) {
            throw new IllegalArgumentException("--bn-splits " + cfg.model().bnSplits() + " does not divide each process's "
                    + "share " + share + " of --batch-size " + cfg.optimizer().batchSize() + " into equal groups");
        }
        if (train.n() < cfg.optimizer().batchSize()) {
            throw new IllegalArgumentException("the dataset has " + train.n() + " training images, fewer than the batch size "
                    + cfg.optimizer().batchSize());
        }
        if (cfg.augmentation().normalize() == TrainConfig.Normalize.IMAGENET && train.c() != 3) {
            throw new IllegalArgumentException("--normalize imagenet needs RGB images; " + train.name() + " has "
                    + train.c() + " channel(s)");
        }
        if (cfg.optimizer().batchSize() % cfg.model().bnSplits() != 0) {
            throw new IllegalArgumentException("--bn-splits " + cfg.model().bnSplits() + " does not divide --batch-size "
                    + cfg.optimizer().batchSize() + " into equal groups");
        }
        if (cfg.usesPrototypes() && cfg.clustering().maxClusters() > train.n()) {
            throw new IllegalArgumentException("the dataset has " + train.n() + " training images, fewer than the "
                    + "cluster count " + cfg.clustering().maxClusters() + " (--clusters)");
        }
        Distributed.checkSameConfiguration(dist, cfg, train);
        RunDirectory dir = new RunDirectory(o.out(), lead);
        try (Backend be = Backends.create(cfg.run().backend(), cfg.run().compute())) {
            Dims input = new Dims(train.h(), train.w(), train.c());
            long seed = cfg.run().seed();
            TrainConfig.Encoder encoder = cfg.model().encoder();
            Network q = Models.create(encoder, be, seed, input, cfg.model().dim());
            Network k = Models.create(encoder, be, seed, input, cfg.model().dim());
            if (!be.name().equals("cuda")) {
                checkMemory(q, cfg.optimizer().batchSize() / processes, train.imageSize(), cfg.model().encoder().label(),
                        Runtime.getRuntime().maxMemory());
            }
            q.splitBatchNorm(cfg.model().bnSplits());
            k.splitBatchNorm(cfg.model().bnSplits());
            TrainConfig.Optimizer opt = cfg.optimizer();
            MocoLearner learner = new MocoLearner(be, q, k, cfg.objective().queue(), seed,
                    new MocoLearner.Hyper((float) opt.momentum(), (float) opt.weightDecay(), (float) opt.keyMomentum()),
                    dist);
            Loader loader = new Loader(train, new Augment(cfg.augmentation(), seed), cfg.run().workers(), o.strictData(),
                    console);
            try {
                int start = 0;
                Checkpoint.Contents resumed = o.resume() ? dir.resume(cfg) : null;
                if (resumed != null) {
                    RunDirectory.restore(resumed, be, learner);
                    start = resumed.epochsDone();
                    console.println("resuming " + o.out() + " after epoch " + start + " of " + opt.epochs());
                    if (resumed.processes() != processes) {
                        console.println("the checkpoint was written by " + resumed.processes() + " process(es); resuming on "
                                + processes + " with the same global batch (--batch-size " + opt.batchSize() + ")");
                    }
                } else {
                    if (o.resume()) {
                        console.println("no checkpoint in " + o.out() + " yet: starting from the beginning");
                    }
                    dir.start(cfg);
                }
                console.println("pauc train: " + cfg.objective().method().label() + " on " + train.name() + " ("
                        + train.n() + " images), " + be.description());
                console.println("encoder: " + q.describe() + " (" + q.trainableCount() + " parameters)");
                if (processes > 1) {
                    console.println("data parallel: " + dist.describe() + "; " + share + " of each batch of "
                            + opt.batchSize() + " per process");
                }
                List<EpochLog> logs = new ArrayList<>();
                for (int epoch = start; epoch < Math.min(opt.epochs(), o.stopAfter()); epoch++) {
                    Map<String, Double> before = dist.seconds();
                    EpochLog log = epoch(cfg, train, be, learner, epoch, loader, o.out(), console, listeners, dist);
                    Distributed.reportCommunication(console, before, dist.seconds());
                    Distributed.checkSameWeights(dist, be, learner, epoch + 1);
                    for (TrainListener l : listeners) {
                        log = l.epochEnd(log, be, q);
                    }
                    logs.add(log);
                    if (lead) {
                        dir.finishEpoch(log, be, learner, cfg, epoch + 1, processes,
                                new int[] {input.h(), input.w(), input.c()});
                    }
                }
                return logs;
            } finally {
                loader.close();
                learner.close();
                q.close();
                k.close();
            }
        }
    }

    /**
     * A lower estimate of the heap a host backend's step needs, in bytes: the views (two per image, for the batch that
     * trains and the one being prepared), the activations of every layer's output for the query (kept for backward,
     * and their gradients) and the key encoder, and the parameters (value, gradient, velocity, key copy). Blocks' inner
     * activations and scratch come on top, so a run refused here could not have fitted.
     */
    static long memoryEstimate(Network net, int batch, int imageSize) {
        long activations = 0;
        Dims d = net.input();
        for (Layer l : net.layers()) {
            d = l.output(d);
            activations += d.size();
        }
        long floats = 4L * batch * imageSize + 3L * batch * activations + 4L * net.params().stream()
                .mapToLong(Param::size).sum();
        return 4 * floats;
    }

    /** Refuses a run whose {@link #memoryEstimate} is over the heap, before it allocates its batches. */
    static void checkMemory(Network net, int batch, int imageSize, String encoder, long heap) {
        long need = memoryEstimate(net, batch, imageSize);
        if (need > heap) {
            Dims in = net.input();
            throw new IllegalArgumentException(String.format("this run needs at least %.1f GiB of heap (%s, %d images of "
                    + "%d×%d×%d per step), the JVM has %.1f GiB: lower --batch-size or --image-size, or give the JVM more "
                    + "(PAUC_JAVA_OPTS=-Xmx…)", need / (double) (1L << 30), encoder, batch, in.h(), in.w(), in.c(),
                    heap / (double) (1L << 30)));
        }
    }

    /** Cosine schedule set once per epoch: lr·½(1 + cos(π·epoch/epochs)). */
    static double learningRate(TrainConfig cfg, int epoch) {
        return cfg.optimizer().lr() * 0.5 * (1 + Math.cos(Math.PI * epoch / cfg.optimizer().epochs()));
    }

    private static EpochLog epoch(TrainConfig cfg, ImageSource train, Backend be, MocoLearner learner, int epoch,
                                  Loader loader, Path dir, PrintStream console, List<TrainListener> listeners,
                                  Collective dist) throws IOException {
        long t0 = System.nanoTime();
        double lr = learningRate(cfg, epoch);
        int epochs = cfg.optimizer().epochs();
        List<EStep.Prototypes> protos = new ArrayList<>();
        double kmeansSeconds = 0;
        if (cfg.usesPrototypes() && epoch >= cfg.clustering().warmupEpochs()) {
            long tk = System.nanoTime();
            protos = EStep.run(cfg, train, be, learner.key(), loader, dir, console, dist);
            kmeansSeconds = (System.nanoTime() - tk) / 1e9;
        }
        int global = cfg.optimizer().batchSize();
        int processes = dist.size();
        int b = global / processes;
        int first = dist.rank() * b;
        int steps = train.n() / global;
        long seed = cfg.run().seed();
        int[] order = permutation(train.n(), Seeds.dataOrder(seed, epoch));
        boolean shuffleKeys = cfg.model().bnSplits() * processes > 1;
        NegativeSampler sampler = new NegativeSampler(seed, cfg.clustering().negPrototypes());
        Objective.Decorrelation decorrelation = new Objective.Decorrelation(
                cfg.objective().correlation() == TrainConfig.Correlation.CROSS_VIEW, cfg.objective().lambdaOff());
        int size = train.imageSize();
        Objective.Terms sums = Objective.Terms.ZERO;
        // each step's shuffle-BN order, drawn once: it chooses the key rows to load and puts the keys back after
        int[][] keyOrders = new int[steps][];
        Arrays.setAll(keyOrders, s -> shuffleKeys ? keyOrder(seed, epoch, steps, s, global) : null);
        Future<Loader.Views> next = load(loader, order, 0, global, first, b, keyOrders[0], processes, epoch);
        int skipped = 0;
        long ts = System.nanoTime();
        ProgressBar progress = new ProgressBar(console, "epoch " + (epoch + 1) + "/" + epochs, steps);
        try (Buffer v1 = be.allocate(b * size); Buffer v2 = be.allocate(b * size)) {
            for (int s = 0; s < steps; s++) {
                Loader.Views v = Loader.await(next);
                if (s + 1 < steps) {
                    next = load(loader, order, s + 1, global, first, b, keyOrders[s + 1], processes, epoch);
                }
                skipped += v.skipped();
                int[] keyOrder = keyOrders[s];
                upload(be, v, v1, v2, processes > 1 ? null : keyOrder, b, size);
                int[] batch = Arrays.copyOfRange(order, s * global, (s + 1) * global);
                List<Buffer> idBuffers = new ArrayList<>();
                List<Objective.ClusterBuffers> cls = new ArrayList<>();
                for (int m = 0; m < protos.size(); m++) {
                    // drawn for the whole batch (the negatives avoid every sample's cluster); this process's positives
                    NegativeSampler.Draw draw = sampler.draw(protos.get(m).assign(), protos.get(m).k(), batch, epoch, s, m);
                    cls.add(clustering(be, protos.get(m), draw, first, b, processes, idBuffers));
                }
                Objective.Terms terms = learner.step(v1, v2, b, cls, cfg.objective().params(!protos.isEmpty()), decorrelation,
                        (float) lr, keyOrder);
                idBuffers.forEach(Buffer::close);
                terms = Distributed.mean(dist, terms);
                if (!Double.isFinite(terms.total())) {
                    throw new DivergedException("the loss is " + terms.total() + " at epoch " + (epoch + 1) + ", step "
                            + (s + 1) + ": stopping; the checkpoint of the last finished epoch is kept (try a lower --lr)");
                }
                sums = sums.plus(terms);
                for (TrainListener l : listeners) {
                    l.step(epoch, s, terms);
                }
                progress.step(s + 1, String.format("loss %.4f", terms.total()));
            }
        } finally {
            protos.forEach(EStep.Prototypes::close);
        }
        double trainSeconds = (System.nanoTime() - ts) / 1e9;
        skipped = Distributed.sum(dist, skipped);
        EpochLog log = EpochLog.of(epoch + 1, lr, sums.dividedBy(steps), steps * global / trainSeconds, kmeansSeconds,
                (System.nanoTime() - t0) / 1e9, skipped);
        progress.done(log.summary(epochs));
        return log;
    }

    /**
     * This process's views on the backend: the queries in batch order, the keys in shuffle-BN order ({@code keyOrder};
     * null when the rows already come in key order: one process without shuffling, or a process's share of a
     * distributed batch, which the loader reads in key order).
     */
    private static void upload(Backend be, Loader.Views v, Buffer v1, Buffer v2, int[] keyOrder, int b, int size) {
        be.upload(v.first(), 0, v1, 0, v.first().length);
        if (keyOrder == null) {
            be.upload(v.second(), 0, v2, 0, v.second().length);
        } else {
            for (int i = 0; i < b; i++) {
                be.upload(v.second(), keyOrder[i] * size, v2, i * size, size);
            }
        }
    }

    /** One granularity's buffers for a step: this process's positives, the batch's negatives and positives. */
    private static Objective.ClusterBuffers clustering(Backend be, EStep.Prototypes p, NegativeSampler.Draw draw, int first,
                                                       int b, int processes, List<Buffer> idBuffers) {
        Buffer pos = ids(be, Arrays.copyOfRange(draw.pos(), first, first + b), idBuffers);
        Buffer neg = ids(be, draw.neg(), idBuffers);
        Buffer batchPos = processes == 1 ? pos : ids(be, draw.pos(), idBuffers);
        return new Objective.ClusterBuffers(p.k(), draw.neg().length, p.centroids(), p.phi(), pos, neg, batchPos);
    }

    /**
     * Shuffle-BN's order of the key batch at step s: row i of the keys holds sample keyOrder[i] of the batch, so that
     * split batch norm's groups of keys differ from those of the queries. Every process derives it from the seed.
     */
    static int[] keyOrder(long seed, int epoch, int steps, int s, int global) {
        return permutation(global, Seeds.keyShuffle(seed, epoch, steps, s));
    }

    /**
     * Starts the views of step s: for one process both views of the batch; for a process of several, the first views
     * of its share [first, first + b) of the batch and the second views of its rows of the key batch.
     */
    private static Future<Loader.Views> load(Loader loader, int[] order, int s, int global, int first, int b,
                                             int[] keyOrder, int processes, int epoch) {
        int[] batch = Arrays.copyOfRange(order, s * global, (s + 1) * global);
        if (processes == 1) {
            return loader.views(batch, epoch);
        }
        int[] mine = Arrays.copyOfRange(batch, first, first + b);
        int[] keys = new int[b];
        for (int i = 0; i < b; i++) {
            keys[i] = batch[keyOrder == null ? first + i : keyOrder[first + i]];
        }
        return loader.views(mine, keys, epoch);
    }

    private static Buffer ids(Backend be, int[] ids, List<Buffer> live) {
        Buffer b = be.allocateIndices(ids.length);
        be.uploadIndices(ids, b);
        live.add(b);
        return b;
    }

    static int[] permutation(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }
}
