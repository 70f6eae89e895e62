package org.pauc.train;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Future;
import org.pauc.backend.Backend;
import org.pauc.backend.Backends;
import org.pauc.backend.Buffer;
import org.pauc.checkpoint.Checkpoint;
import org.pauc.config.TrainConfig;
import org.pauc.data.Augment;
import org.pauc.data.ImageSource;
import org.pauc.io.ProgressBar;
import org.pauc.nn.Dims;
import org.pauc.nn.Models;
import org.pauc.nn.Network;
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
                          List<TrainListener> listeners, boolean strictData) {
        public Options {
            listeners = List.copyOf(listeners);
        }

        public static Options of(ImageSource train, Path out, PrintStream console) {
            return new Options(train, out, false, console, Integer.MAX_VALUE, List.of(), false);
        }

        public Options resuming(boolean r) {
            return new Options(train, out, r, console, stopAfter, listeners, strictData);
        }

        public Options stopAfter(int epoch) {
            return new Options(train, out, resume, console, epoch, listeners, strictData);
        }

        public Options listen(TrainListener l) {
            List<TrainListener> all = new ArrayList<>(listeners);
            all.add(l);
            return new Options(train, out, resume, console, stopAfter, all, strictData);
        }

        /** An unreadable image stops the run (a one-line error) instead of being skipped. */
        public Options strict(boolean s) {
            return new Options(train, out, resume, console, stopAfter, listeners, s);
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
        ImageSource train = o.train();
        PrintStream console = o.console();
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
        RunDirectory dir = new RunDirectory(o.out());
        try (Backend be = Backends.create(cfg.run().backend(), cfg.run().threads())) {
            Dims input = new Dims(train.h(), train.w(), train.c());
            long seed = cfg.run().seed();
            String encoder = cfg.model().encoder().label();
            Network q = Models.create(encoder, be, seed, input, cfg.model().dim());
            Network k = Models.create(encoder, be, seed, input, cfg.model().dim());
            q.splitBatchNorm(cfg.model().bnSplits());
            k.splitBatchNorm(cfg.model().bnSplits());
            TrainConfig.Optimizer opt = cfg.optimizer();
            MocoLearner learner = new MocoLearner(be, q, k, cfg.objective().queue(), seed + 1,
                    new MocoLearner.Hyper((float) opt.momentum(), (float) opt.weightDecay(), (float) opt.keyMomentum()));
            Loader loader = new Loader(train, new Augment(cfg.augmentation(), seed), cfg.run().workers(), o.strictData(),
                    console);
            try {
                int start = 0;
                Checkpoint.Contents resumed = o.resume() ? dir.resume(cfg) : null;
                if (resumed != null) {
                    RunDirectory.restore(resumed, be, learner);
                    start = resumed.epochsDone();
                    console.println("resuming " + o.out() + " after epoch " + start + " of " + opt.epochs());
                } else {
                    if (o.resume()) {
                        console.println("no checkpoint in " + o.out() + " yet: starting from the beginning");
                    }
                    dir.start(cfg);
                }
                console.println("pauc train: " + cfg.objective().method().label() + " on " + train.name() + " ("
                        + train.n() + " images), " + be.description());
                console.println("encoder: " + q.describe() + " (" + q.trainableCount() + " parameters)");
                List<EpochLog> logs = new ArrayList<>();
                for (int epoch = start; epoch < Math.min(opt.epochs(), o.stopAfter()); epoch++) {
                    EpochLog log = epoch(cfg, train, be, learner, epoch, loader, o.out(), console, o.listeners());
                    for (TrainListener l : o.listeners()) {
                        log = l.epochEnd(log, be, q);
                    }
                    logs.add(log);
                    dir.finishEpoch(log, be, learner, cfg, epoch + 1);
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

    /** Cosine schedule set once per epoch: lr·½(1 + cos(π·epoch/epochs)). */
    static double learningRate(TrainConfig cfg, int epoch) {
        return cfg.optimizer().lr() * 0.5 * (1 + Math.cos(Math.PI * epoch / cfg.optimizer().epochs()));
    }

    private static EpochLog epoch(TrainConfig cfg, ImageSource train, Backend be, MocoLearner learner, int epoch,
                                  Loader loader, Path dir, PrintStream console, List<TrainListener> listeners)
            throws IOException {
        long t0 = System.nanoTime();
        double lr = learningRate(cfg, epoch);
        int epochs = cfg.optimizer().epochs();
        List<EStep.Prototypes> protos = new ArrayList<>();
        double kmeansSeconds = 0;
        if (cfg.usesPrototypes() && epoch >= cfg.clustering().warmupEpochs()) {
            long tk = System.nanoTime();
            protos = EStep.run(cfg, train, be, learner.key(), loader, dir, console);
            kmeansSeconds = (System.nanoTime() - tk) / 1e9;
        }
        int b = cfg.optimizer().batchSize();
        int steps = train.n() / b;
        long seed = cfg.run().seed();
        int[] order = permutation(train.n(), Augment.streamSeed(seed, epoch));
        NegativeSampler sampler = new NegativeSampler(seed, cfg.clustering().negPrototypes());
        Objective.Decorrelation decorrelation = new Objective.Decorrelation(
                cfg.objective().correlation() == TrainConfig.Correlation.CROSS_VIEW, cfg.objective().lambdaOff());
        int size = train.imageSize();
        double[] sums = new double[8];
        Future<Loader.Views> next = loader.views(Arrays.copyOfRange(order, 0, b), epoch);
        int skipped = 0;
        long ts = System.nanoTime();
        ProgressBar progress = new ProgressBar(console, "epoch " + (epoch + 1) + "/" + epochs, steps);
        try (Buffer v1 = be.allocate(b * size); Buffer v2 = be.allocate(b * size)) {
            for (int s = 0; s < steps; s++) {
                Loader.Views v = Loader.await(next);
                if (s + 1 < steps) {
                    next = loader.views(Arrays.copyOfRange(order, (s + 1) * b, (s + 2) * b), epoch);
                }
                skipped += v.skipped();
                be.upload(v.first(), 0, v1, 0, v.first().length);
                int[] keyOrder = cfg.model().bnSplits() > 1 ? permutation(b, Augment.streamSeed(seed ^ 0x5A17L,
                        (long) epoch * steps + s)) : null;
                if (keyOrder == null) {
                    be.upload(v.second(), 0, v2, 0, v.second().length);
                } else {
                    for (int i = 0; i < b; i++) {
                        be.upload(v.second(), keyOrder[i] * size, v2, i * size, size);
                    }
                }
                int[] batch = Arrays.copyOfRange(order, s * b, (s + 1) * b);
                List<Buffer> idBuffers = new ArrayList<>();
                List<Objective.ClusterBuffers> cls = new ArrayList<>();
                for (int m = 0; m < protos.size(); m++) {
                    EStep.Prototypes p = protos.get(m);
                    NegativeSampler.Draw draw = sampler.draw(p.assign(), p.k(), batch, epoch, s, m);
                    Buffer pos = ids(be, draw.pos(), idBuffers);
                    Buffer neg = ids(be, draw.neg(), idBuffers);
                    cls.add(new Objective.ClusterBuffers(p.k(), draw.neg().length, p.centroids(), p.phi(), pos, neg));
                }
                Objective.Terms terms = learner.step(v1, v2, b, cls, cfg.objective().params(!protos.isEmpty()), decorrelation,
                        (float) lr, keyOrder);
                idBuffers.forEach(Buffer::close);
                if (!Double.isFinite(terms.total())) {
                    throw new DivergedException("the loss is " + terms.total() + " at epoch " + (epoch + 1) + ", step "
                            + (s + 1) + ": stopping; the checkpoint of the last finished epoch is kept (try a lower --lr)");
                }
                double[] t = {terms.total(), terms.infoNce(), terms.protoNce(), terms.align(), terms.uniformity(),
                    terms.correlation(), terms.accInst(), terms.accProto()};
                for (int i = 0; i < t.length; i++) {
                    sums[i] += t[i];
                }
                for (TrainListener l : listeners) {
                    l.step(epoch, s, terms);
                }
                progress.step(s + 1, String.format("loss %.4f", terms.total()));
            }
        } finally {
            protos.forEach(EStep.Prototypes::close);
        }
        double trainSeconds = (System.nanoTime() - ts) / 1e9;
        EpochLog log = new EpochLog(epoch + 1, lr, sums[0] / steps, sums[1] / steps, sums[2] / steps, sums[3] / steps,
                sums[4] / steps, sums[5] / steps, sums[6] / steps, sums[7] / steps, steps * b / trainSeconds,
                kmeansSeconds, (System.nanoTime() - t0) / 1e9, skipped, null);
        progress.done(String.format("epoch %d/%d  loss %.4f (info_nce %.4f proto %.4f align %.4f unif %.4f corr %.4f)"
                        + "  acc@inst %.3f acc@proto %.3f  lr %.4f  %.0f samples/s  k-means %.1fs%s",
                log.epoch(), epochs, log.loss(), log.infoNce(), log.protoNce(), log.align(), log.uniformity(),
                log.correlation(), log.accInst(), log.accProto(), lr, log.samplesPerSecond(), kmeansSeconds,
                skipped > 0 ? "  " + skipped + " unreadable images replaced" : ""));
        return log;
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
