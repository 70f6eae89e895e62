package org.pauc.train;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.pauc.backend.Backend;
import org.pauc.backend.Backends;
import org.pauc.backend.Buffer;
import org.pauc.backend.Objective;
import org.pauc.cluster.KMeans;
import org.pauc.data.Augment;
import org.pauc.data.Dataset;
import org.pauc.data.Datasets;
import org.pauc.io.SafeTensors;
import org.pauc.nn.Dims;
import org.pauc.nn.Models;
import org.pauc.nn.Network;
import org.pauc.oracle.Concentration;
import org.pauc.oracle.Mat;
import org.pauc.oracle.PaucObjective;

/**
 * Trains MoCo v2, PCL or PAUC (the M-step objective of {@link PaucObjective}, the E-step of PCL) and writes the run
 * directory: config.json, log.jsonl (one line per epoch) and checkpoint.safetensors (after every epoch,
 * atomically). A run continues from its checkpoint with {@code resume} and reaches the same weights, bit for
 * bit, as an uninterrupted run: all randomness derives from (seed, epoch, step, index).
 */
public final class Trainer {

    /** One epoch's averages. */
    public record EpochLog(int epoch, double lr, double loss, double infoNce, double protoNce, double align,
                           double uniformity, double correlation, double accInst, double accProto,
                           double samplesPerSecond, double kmeansSeconds, double seconds, Double knnTop1) {}

    /** Receives every training step's loss terms: (epoch, step within the epoch, terms), 0-based. */
    @FunctionalInterface
    public interface StepListener {
        void step(int epoch, int step, Objective.Terms terms);
    }

    /** Thrown when the loss stops being finite; the last good checkpoint stays. */
    public static final class DivergedException extends IOException {
        DivergedException(String message) {
            super(message);
        }
    }

    private Trainer() {}

    /** Trains on an already loaded dataset; returns the logs of the epochs run now. */
    public static List<EpochLog> run(TrainConfig cfg, Dataset train, Path out, boolean resume, PrintStream console)
            throws IOException {
        return run(cfg, train, out, resume, console, Integer.MAX_VALUE, null);
    }

    /** As above, stopping after epoch {@code stopAfter}. */
    public static List<EpochLog> run(TrainConfig cfg, Dataset train, Path out, boolean resume, PrintStream console,
                                     int stopAfter) throws IOException {
        return run(cfg, train, out, resume, console, stopAfter, null);
    }

    /**
     * As above; with a labelled {@code monitor} split and {@code --knn-every N}, every N epochs the backbone's
     * weighted kNN top-1 (k = 200, T = 0.07) on it is logged.
     */
    public static List<EpochLog> run(TrainConfig cfg, Dataset train, Path out, boolean resume, PrintStream console,
                                     int stopAfter, Dataset monitor) throws IOException {
        return run(cfg, train, out, resume, console, stopAfter, monitor, null);
    }

    /** As above, telling {@code steps} (when non-null) the loss terms of every step. */
    public static List<EpochLog> run(TrainConfig cfg, Dataset train, Path out, boolean resume, PrintStream console,
                                     int stopAfter, Dataset monitor, StepListener steps) throws IOException {
        if (train.n() < cfg.batchSize()) {
            throw new IllegalArgumentException("the dataset has " + train.n() + " training images, fewer than the batch size "
                    + cfg.batchSize());
        }
        if (cfg.usesPrototypes()) {
            int kMax = cfg.clusters().stream().mapToInt(Integer::intValue).max().orElse(0);
            if (kMax > train.n()) {
                throw new IllegalArgumentException("the dataset has " + train.n() + " training images, fewer than the "
                        + "cluster count " + kMax + " (--clusters)");
            }
        }
        Files.createDirectories(out);
        try (Backend be = Backends.create(cfg.backend(), cfg.threads())) {
            Dims input = new Dims(train.h(), train.w(), train.c());
            Network q = Models.create(cfg.encoder(), be, cfg.seed(), input, cfg.dim());
            Network k = Models.create(cfg.encoder(), be, cfg.seed(), input, cfg.dim());
            MocoLearner learner = new MocoLearner(be, q, k, cfg.queue(), cfg.seed() + 1,
                    new MocoLearner.Hyper((float) cfg.momentum(), (float) cfg.weightDecay(), (float) cfg.keyMomentum()));
            int start = 0;
            Path ckpt = out.resolve(Checkpoint.FILE);
            if (resume && Files.isRegularFile(ckpt)) {
                SafeTensors.Contents c = Checkpoint.read(ckpt);
                TrainConfig saved = TrainConfig.fromJson(c.metadata().get("config"));
                if (!sameRun(saved, cfg)) {
                    throw new IllegalArgumentException(ckpt + " was written by another configuration; resume with the "
                            + "same flags (only --threads may differ) or choose another --out");
                }
                Checkpoint.restore(c, be, learner, ckpt);
                start = Integer.parseInt(c.metadata().get("epochs_done"));
                console.println("resuming " + out + " after epoch " + start + " of " + cfg.epochs());
            } else {
                if (resume) {
                    console.println("no checkpoint in " + out + " yet: starting from the beginning");
                }
                Files.writeString(out.resolve("config.json"), cfg.toJson() + "\n");
                Files.deleteIfExists(out.resolve("log.jsonl"));
            }
            console.println("pauc train: " + cfg.method() + " on " + train.name() + " (" + train.n() + " images), "
                    + be.description());
            console.println("encoder: " + q.describe() + " (" + q.trainableCount() + " parameters)");
            List<EpochLog> logs = new ArrayList<>();
            ExecutorService prefetch = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "pauc-augment");
                t.setDaemon(true);
                return t;
            });
            try {
                for (int epoch = start; epoch < Math.min(cfg.epochs(), stopAfter); epoch++) {
                    EpochLog log = epoch(cfg, train, be, learner, epoch, prefetch, console, steps);
                    if (monitor != null && cfg.knnEvery() > 0 && (epoch + 1) % cfg.knnEvery() == 0) {
                        double knn = monitorKnn(be, q, train, monitor);
                        console.printf("epoch %d/%d  kNN top-1 on %s: %.4f%n", epoch + 1, cfg.epochs(), monitor.name(), knn);
                        log = withKnn(log, knn);
                    }
                    logs.add(log);
                    Checkpoint.save(out, be, learner, cfg, epoch + 1);
                    Files.writeString(out.resolve("log.jsonl"), TrainConfig.JSON.writeValueAsString(log) + "\n",
                            StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
                }
            } finally {
                prefetch.shutdownNow();
                learner.close();
                q.close();
                k.close();
            }
            return logs;
        }
    }

    private static EpochLog withKnn(EpochLog l, double knn) {
        return new EpochLog(l.epoch(), l.lr(), l.loss(), l.infoNce(), l.protoNce(), l.align(), l.uniformity(),
                l.correlation(), l.accInst(), l.accProto(), l.samplesPerSecond(), l.kmeansSeconds(), l.seconds(), knn);
    }

    /** Weighted kNN top-1 of the backbone's features (InstDisc's monitor: k = 200, T = 0.07). */
    private static double monitorKnn(Backend be, Network query, Dataset train, Dataset test) {
        org.pauc.eval.Evaluator.Representation r = org.pauc.eval.Evaluator.encoder("query", be, query);
        int d = r.featureDim();
        float[] ftr = org.pauc.eval.Metrics.normalizeRows(r.features(train.pixels(), train.n()), train.n(), d);
        float[] fte = org.pauc.eval.Metrics.normalizeRows(r.features(test.pixels(), test.n()), test.n(), d);
        return org.pauc.eval.Metrics.knn(ftr, train.labels(), train.n(), fte, test.labels(), test.n(), d, 200, 0.07,
                train.classes().length);
    }

    /** Same run: every setting equal except the thread count (results do not depend on it). */
    static boolean sameRun(TrainConfig a, TrainConfig b) throws IOException {
        Map<?, ?> x = TrainConfig.JSON.readValue(a.toJson(), Map.class);
        Map<?, ?> y = TrainConfig.JSON.readValue(b.toJson(), Map.class);
        x.remove("threads");
        y.remove("threads");
        return x.equals(y);
    }

    /** Cosine schedule set once per epoch: lr·½(1 + cos(π·epoch/epochs)). */
    static double learningRate(TrainConfig cfg, int epoch) {
        return cfg.lr() * 0.5 * (1 + Math.cos(Math.PI * epoch / cfg.epochs()));
    }

    /** The E-step's result for one granularity, on the host and on the backend. */
    record Prototypes(int k, int[] assign, Buffer centroids, Buffer phi) {}

    private static EpochLog epoch(TrainConfig cfg, Dataset train, Backend be, MocoLearner learner, int epoch,
                                  ExecutorService prefetch, PrintStream console, StepListener listener)
            throws IOException {
        long t0 = System.nanoTime();
        double lr = learningRate(cfg, epoch);
        List<Prototypes> protos = new ArrayList<>();
        double kmeansSeconds = 0;
        if (cfg.usesPrototypes() && epoch >= cfg.warmupEpochs()) {
            long tk = System.nanoTime();
            protos = eStep(cfg, train, be, learner.key());
            kmeansSeconds = (System.nanoTime() - tk) / 1e9;
        }
        int b = cfg.batchSize();
        int steps = train.n() / b;
        int[] order = permutation(train.n(), Augment.streamSeed(cfg.seed(), epoch));
        Augment aug = new Augment(cfg.augment(), cfg.seed());
        int size = train.imageSize();
        Buffer v1 = be.allocate(b * size);
        Buffer v2 = be.allocate(b * size);
        List<Buffer> idBuffers = new ArrayList<>();
        double[] sums = new double[8];
        Future<float[][]> next = prefetch.submit(() -> views(train, aug, order, 0, b, epoch));
        long ts = System.nanoTime();
        Progress progress = new Progress(console, "epoch " + (epoch + 1) + "/" + cfg.epochs(), steps);
        try {
            for (int s = 0; s < steps; s++) {
                float[][] v;
                try {
                    v = next.get();
                } catch (Exception e) {
                    throw new IOException("augmentation failed: " + e.getMessage(), e);
                }
                if (s + 1 < steps) {
                    int ns = s + 1;
                    next = prefetch.submit(() -> views(train, aug, order, ns, b, epoch));
                }
                be.upload(v[0], 0, v1, 0, v[0].length);
                be.upload(v[1], 0, v2, 0, v[1].length);
                List<Objective.ClusterBuffers> cls = new ArrayList<>();
                for (int m = 0; m < protos.size(); m++) {
                    cls.add(batchPrototypes(cfg, be, protos.get(m), order, s, b, epoch, m, idBuffers));
                }
                Objective.Terms terms = learner.step(v1, v2, b, cls, cfg.objective(), cfg.decorrelation(), (float) lr);
                idBuffers.forEach(Buffer::close);
                idBuffers.clear();
                if (!Double.isFinite(terms.total())) {
                    throw new DivergedException("the loss is " + terms.total() + " at epoch " + (epoch + 1) + ", step "
                            + (s + 1) + ": stopping; the checkpoint of the last finished epoch is kept (try a lower --lr)");
                }
                double[] t = {terms.total(), terms.infoNce(), terms.protoNce(), terms.align(), terms.uniformity(),
                    terms.correlation(), terms.accInst(), terms.accProto()};
                for (int i = 0; i < t.length; i++) {
                    sums[i] += t[i];
                }
                if (listener != null) {
                    listener.step(epoch, s, terms);
                }
                progress.step(s + 1, terms.total());
            }
        } finally {
            v1.close();
            v2.close();
        }
        double trainSeconds = (System.nanoTime() - ts) / 1e9;
        EpochLog log = new EpochLog(epoch + 1, lr, sums[0] / steps, sums[1] / steps, sums[2] / steps, sums[3] / steps,
                sums[4] / steps, sums[5] / steps, sums[6] / steps, sums[7] / steps, steps * b / trainSeconds,
                kmeansSeconds, (System.nanoTime() - t0) / 1e9, null);
        protos.forEach(p -> {
            p.centroids().close();
            p.phi().close();
        });
        progress.done(String.format("epoch %d/%d  loss %.4f (info_nce %.4f proto %.4f align %.4f unif %.4f corr %.4f)"
                        + "  acc@inst %.3f acc@proto %.3f  lr %.4f  %.0f samples/s  k-means %.1fs",
                log.epoch(), cfg.epochs(), log.loss(), log.infoNce(), log.protoNce(), log.align(), log.uniformity(),
                log.correlation(), log.accInst(), log.accProto(), lr, log.samplesPerSecond(), kmeansSeconds));
        return log;
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

    /** Two augmented views of batch {@code step}: [view1, view2], each batch × image size. */
    private static float[][] views(Dataset ds, Augment aug, int[] order, int step, int b, int epoch) {
        int size = ds.imageSize();
        float[][] v = {new float[b * size], new float[b * size]};
        for (int i = 0; i < b; i++) {
            int idx = order[step * b + i];
            aug.view(ds, idx, epoch, 0, v[0], i * size);
            aug.view(ds, idx, epoch, 1, v[1], i * size);
        }
        return v;
    }

    /**
     * PCL's E-step: features of every training image from the momentum encoder (eval mode, no augmentation),
     * l2-normalised; k-means per granularity m (seeded with m, the same every epoch, as PCL); φ from the
     * un-normalised centroids; prototypes = normalised centroids.
     */
    private static List<Prototypes> eStep(TrainConfig cfg, Dataset train, Backend be, Network key) {
        int n = train.n();
        int d = cfg.dim();
        float[] feats = new float[n * d];
        int b = cfg.batchSize();
        int size = train.imageSize();
        try (Buffer x = be.allocate(b * size); Buffer y = be.allocate(b * d)) {
            for (int i0 = 0; i0 < n; i0 += b) {
                int m = Math.min(b, n - i0);
                be.upload(train.pixels(), i0 * size, x, 0, m * size);
                Buffer out = key.forward(be, x, m, false);
                be.l2Normalize(m, d, out, y, 1e-12f);
                be.download(y, 0, feats, i0 * d, m * d);
            }
        }
        List<Prototypes> result = new ArrayList<>();
        Mat f = null;
        for (int g = 0; g < cfg.clusters().size(); g++) {
            int kReq = cfg.clusters().get(g);
            KMeans.Result km = KMeans.fit(feats, n, d, kReq, cfg.kmeansIterations(), cfg.kmeansRestarts(),
                    cfg.kmeansInitKind(), g);
            int k = km.k();
            if (f == null) {
                double[] fd = new double[n * d];
                for (int i = 0; i < fd.length; i++) {
                    fd[i] = feats[i];
                }
                f = new Mat(n, d, fd);
            }
            double[] cd = new double[k * d];
            for (int i = 0; i < cd.length; i++) {
                cd[i] = km.centroids()[i];
            }
            double[] phi;
            try {
                phi = Concentration.compute(f, new Mat(k, d, cd), km.assign(), cfg.phiAlpha(), cfg.tau());
            } catch (IllegalArgumentException e) {
                phi = new double[k];
                java.util.Arrays.fill(phi, cfg.tau()); // every cluster a singleton: no spread to estimate
            }
            float[] unit = new float[k * d];
            for (int c = 0; c < k; c++) {
                double s = 0;
                for (int a = 0; a < d; a++) {
                    s += cd[c * d + a] * cd[c * d + a];
                }
                double inv = 1 / Math.max(Math.sqrt(s), 1e-12);
                for (int a = 0; a < d; a++) {
                    unit[c * d + a] = (float) (cd[c * d + a] * inv);
                }
            }
            float[] phiF = new float[k];
            for (int c = 0; c < k; c++) {
                phiF[c] = (float) phi[c];
            }
            result.add(new Prototypes(k, km.assign(), be.upload(unit), be.upload(phiF)));
        }
        return result;
    }

    /**
     * The batch's positives (each sample's cluster) and S = min(negPrototypes, K − |unique(pos)|) distinct
     * negatives drawn uniformly from the other clusters with a stream seeded by (seed, epoch, step, m).
     */
    private static Objective.ClusterBuffers batchPrototypes(TrainConfig cfg, Backend be, Prototypes p, int[] order,
                                                            int step, int b, int epoch, int m, List<Buffer> live) {
        int[] pos = new int[b];
        boolean[] used = new boolean[p.k()];
        int distinct = 0;
        for (int i = 0; i < b; i++) {
            pos[i] = p.assign()[order[step * b + i]];
            if (!used[pos[i]]) {
                used[pos[i]] = true;
                distinct++;
            }
        }
        int[] free = new int[p.k() - distinct];
        for (int c = 0, j = 0; c < p.k(); c++) {
            if (!used[c]) {
                free[j++] = c;
            }
        }
        int s = Math.min(cfg.negPrototypes(), free.length);
        SplittableRandom r = new SplittableRandom(Augment.streamSeed(cfg.seed() ^ 0x5DEECE66DL, epoch * 1_000_003L + step)
                + m);
        for (int i = 0; i < s; i++) {
            int j = i + r.nextInt(free.length - i);
            int t = free[i];
            free[i] = free[j];
            free[j] = t;
        }
        int[] neg = java.util.Arrays.copyOf(free, s);
        Buffer posB = be.allocateIndices(b);
        be.uploadIndices(pos, posB);
        Buffer negB = be.allocateIndices(s);
        be.uploadIndices(neg, negB);
        live.add(posB);
        live.add(negB);
        return new Objective.ClusterBuffers(p.k(), s, p.centroids(), p.phi(), posB, negB);
    }

    /** A progress bar with ETA on a terminal; a plain line every 10% of the epoch otherwise. */
    static final class Progress {
        private final PrintStream out;
        private final String label;
        private final int total;
        private final long start = System.nanoTime();
        private final boolean terminal = System.console() != null;
        private int lastTenth = 0;

        Progress(PrintStream out, String label, int total) {
            this.out = out;
            this.label = label;
            this.total = total;
        }

        void step(int done, double loss) {
            double elapsed = (System.nanoTime() - start) / 1e9;
            double eta = elapsed / done * (total - done);
            if (terminal) {
                int width = 30;
                int filled = (int) ((long) width * done / total);
                out.printf("\r%s [%s%s] %d/%d loss %.4f ETA %.0fs ", label, "#".repeat(filled), ".".repeat(width - filled),
                        done, total, loss, eta);
                out.flush();
            } else if (done * 10L / total > lastTenth) {
                lastTenth = (int) (done * 10L / total);
                out.printf("%s step %d/%d loss %.4f ETA %.0fs%n", label, done, total, loss, eta);
            }
        }

        void done(String line) {
            if (terminal) {
                out.print("\r");
            }
            out.println(line);
        }
    }

}
