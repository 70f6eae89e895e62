package org.pauc.train;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Future;
import org.pauc.backend.Backend;
import org.pauc.backend.Buffer;
import org.pauc.cluster.BackendKMeans;
import org.pauc.cluster.KMeans;
import org.pauc.cluster.Points;
import org.pauc.config.TrainConfig.KMeansInit;
import org.pauc.config.TrainConfig;
import org.pauc.data.DataException;
import org.pauc.data.ImageSource;
import org.pauc.dist.Collective;
import org.pauc.hostmath.Gemm;
import org.pauc.io.WriteException;
import org.pauc.nn.Network;
import org.pauc.oracle.Concentration;
import org.pauc.oracle.Mat;

/**
 * PCL's E-step: features of every training image from the momentum encoder (eval mode, the evaluation
 * transform), l2-normalised, written to a memory-mapped file in the run directory and clustered from there a block at a
 * time, so the heap does not hold them; k-means per granularity m (seeded with m, the same every epoch, as PCL); φ from the
 * un-normalised centroids (docs/losses.md, {@code concentration}); prototypes = normalised centroids.
 *
 * <p>Over several processes each computes the features of its share of the images (whole feature batches, so every
 * feature has the bits one process gives it), the shares are gathered into every process's file, and k-means is
 * shared out ({@link KMeans}); φ is computed alike on every process. Every process ends with the same prototypes,
 * concentrations and assignments as one process.
 */
final class EStep {
    /** One granularity's clustering, on the host (assignments) and on the backend (prototypes and φ). */
    record Prototypes(int k, int[] assign, Buffer centroids, Buffer phi) implements AutoCloseable {
        @Override
        public void close() {
            centroids.close();
            phi.close();
        }
    }

    private EStep() {}

    /** The file in the run directory that holds the features during an E-step. */
    static final String FEATURES = "features.f32";

    static List<Prototypes> run(TrainConfig cfg, ImageSource train, Backend be, Network key, Loader loader, Path dir,
                                PrintStream console, Collective dist) throws IOException {
        int n = train.n();
        int d = cfg.model().dim();
        Path file = dir.resolve(dist.size() == 1 ? FEATURES : "features-rank" + dist.rank() + ".f32");
        long need = 4L * n * d;
        // a memory-mapped write into a full disk would end the JVM (SIGBUS), so look for the room first
        long free = Files.getFileStore(dir).getUsableSpace();
        if (free < need) {
            throw new WriteException(file, new IOException("No space left on device (the E-step's features need "
                    + need + " bytes, " + free + " are free)"));
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING); Arena arena = Arena.ofShared()) {
            MemorySegment feats = ch.map(FileChannel.MapMode.READ_WRITE, 0, need, arena);
            int b = featureBatch(cfg.optimizer().batchSize(), train.imageSize());
            int[] rows = shares(n, b, dist.size());
            features(train, be, key, loader, d, b, rows[dist.rank()], rows[dist.rank() + 1], feats);
            long[] bytes = new long[dist.size()];
            for (int r = 0; r < bytes.length; r++) {
                bytes[r] = 4L * d * (rows[r + 1] - rows[r]);
            }
            dist.allGatherInPlace(feats, bytes);
            return cluster(cfg, Points.of(feats, n, d), be, console, dist);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** The first image of each process's share (and n at the end): whole batches of b, shared out in order. */
    static int[] shares(int n, int b, int processes) {
        int batches = (n + b - 1) / b;
        int[] first = new int[processes + 1];
        for (int r = 0; r <= processes; r++) {
            first[r] = Math.min(n, (int) ((long) r * batches / processes) * b);
        }
        return first;
    }

    static List<Prototypes> cluster(TrainConfig cfg, Points feats, Backend be, PrintStream console,
                                            Collective dist) {
        int d = feats.d();
        TrainConfig.Clustering cl = cfg.clustering();
        KMeansInit init = cl.kmeansInit();
        Concentration.Rows f = rows(feats);
        List<Prototypes> result = new ArrayList<>();
        // a device backend clusters with its own ops, the features uploaded once (one process; several share the
        // host's k-means, which is the same to the bit in any number of processes)
        try (Buffer onDevice = be.onDevice() && dist.size() == 1 ? upload(be, feats) : null) {
            for (int g = 0; g < cl.clusters().size(); g++) {
                KMeans.Result km = onDevice != null
                        ? BackendKMeans.fit(be, onDevice, feats, cl.clusters().get(g), cl.kmeansIterations(),
                                cl.kmeansRestarts(), init, g)
                        : KMeans.fit(feats, cl.clusters().get(g), cl.kmeansIterations(), cl.kmeansRestarts(), init, g,
                                dist);
                double[] phi = onDevice != null
                        ? concentration(be, onDevice, d, km, cl.phiAlpha(), cfg.objective().tau(), g, console)
                        : concentration(f, Mat.of(km.k(), d, km.centroids()), km, cl.phiAlpha(), cfg.objective().tau(), g,
                                console);
                result.add(prototypes(be, km, d, phi));
            }
        }
        return result;
    }

    /** The features in a buffer of the backend, uploaded a block of rows at a time. */
    private static Buffer upload(Backend be, Points feats) {
        int n = feats.n();
        int d = feats.d();
        Buffer b = be.allocate(n * d);
        int rows = Math.max(1, (1 << 20) / d);
        float[] block = new float[rows * d];
        for (int i0 = 0; i0 < n; i0 += rows) {
            int r = Math.min(rows, n - i0);
            feats.read(i0, r, block);
            be.upload(block, 0, b, i0 * d, r * d);
        }
        return b;
    }

    /** One granularity's prototypes on the backend: the centroids normalised, φ as floats. */
    private static Prototypes prototypes(Backend be, KMeans.Result km, int d, double[] phi) {
        int k = km.k();
        double[] cd = Mat.of(k, d, km.centroids()).data;
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
        return new Prototypes(k, km.assign(), be.upload(unit), be.upload(phiF));
    }

    /**
     * φ of one clustering. It is undefined when no cluster has two members (no spread to estimate) or when every
     * cluster's spread is 0; then every φ is τ, and a line says so.
     */
    /** The features as rows of doubles for φ, one row read at a time. */
    private static Concentration.Rows rows(Points p) {
        float[] one = new float[p.d()];
        return new Concentration.Rows() {
            @Override
            public int rows() {
                return p.n();
            }

            @Override
            public int cols() {
                return p.d();
            }

            @Override
            public void row(int z, double[] dst) {
                p.read(z, 1, one);
                for (int a = 0; a < one.length; a++) {
                    dst[a] = one[a];
                }
            }
        };
    }

    private static double[] concentration(Concentration.Rows f, Mat centroids, KMeans.Result km, double alpha, double tau, int g,
                                          PrintStream console) {
        boolean spread = Arrays.stream(KMeans.sizes(km.assign(), km.k())).anyMatch(s -> s > 1);
        return usable(spread ? Concentration.compute(f, centroids, km.assign(), alpha, tau) : null, km, tau, g, console);
    }

    /** φ from the backend's distance sums of the features on it (the same formula, {@link Concentration#fromSums}). */
    private static double[] concentration(Backend be, Buffer feats, int d, KMeans.Result km, double alpha, double tau,
                                          int g, PrintStream console) {
        int k = km.k();
        int n = km.assign().length;
        int[] size = KMeans.sizes(km.assign(), k);
        if (Arrays.stream(size).noneMatch(s -> s > 1)) {
            return usable(null, km, tau, g, console);
        }
        try (Buffer c = be.upload(km.centroids()); Buffer assign = be.allocateIndices(n); Buffer sums = be.allocate(k)) {
            be.uploadIndices(km.assign(), assign);
            be.clusterDistanceSums(n, d, k, feats, c, assign, sums);
            float[] s = be.download(sums);
            double[] r = new double[k];
            for (int j = 0; j < k; j++) {
                r[j] = s[j];
            }
            return usable(Concentration.clipAndScale(Concentration.fromSums(r, size, alpha), tau), km, tau, g, console);
        }
    }

    /** φ as estimated, or τ for every cluster (with a line) when there was no spread to estimate it from. */
    private static double[] usable(double[] phi, KMeans.Result km, double tau, int g, PrintStream console) {
        if (phi == null || !Arrays.stream(phi).allMatch(p -> Double.isFinite(p) && p > 0)) {
            console.println("E-step: granularity " + g + " (K = " + km.k() + ") has no cluster spread to estimate φ "
                    + "from; using φ = τ = " + tau + " for every cluster");
            phi = new double[km.k()];
            Arrays.fill(phi, tau);
        }
        return phi;
    }

    /** Input values of one feature-pass batch beyond which it stays at the training batch: 1 Mi floats. */
    private static final int FEATURE_BATCH_VALUES = 1 << 20;

    /**
     * Images per batch of the feature pass: up to 256 when they are small, never fewer than the training batch. An
     * image's eval-mode output is the same in any batch whose size is a multiple of the GEMM's row block (the last
     * batch's remainder falls on the same images either way), so a training batch that is not one keeps its own size:
     * the batch changes the time, never the features.
     */
    static int featureBatch(int trainingBatch, int imageSize) {
        if (trainingBatch % Gemm.MR != 0) {
            return trainingBatch;
        }
        int wanted = Math.min(256, FEATURE_BATCH_VALUES / imageSize) / Gemm.MR * Gemm.MR;
        return Math.max(trainingBatch, wanted);
    }

    /**
     * l2-normalised momentum-encoder features of training images [from, to) (the evaluation transform, eval mode),
     * written into their rows of {@code out}; the next batch is decoded while the current one runs.
     */
    private static void features(ImageSource train, Backend be, Network key, Loader loader, int d, int b, int from,
                                 int to, MemorySegment out) throws DataException {
        if (from >= to) {
            return;
        }
        int size = train.imageSize();
        float[] y = new float[b * d];
        try (Buffer x = be.allocate(b * size); Buffer yb = be.allocate(b * d)) {
            Future<float[]> next = loader.evaluation(from, Math.min(b, to - from));
            for (int i0 = from; i0 < to; i0 += b) {
                int m = Math.min(b, to - i0);
                float[] in = Loader.await(next);
                if (i0 + b < to) {
                    next = loader.evaluation(i0 + b, Math.min(b, to - i0 - b));
                }
                be.upload(in, 0, x, 0, m * size);
                Buffer o = key.forward(be, x, m, false);
                be.l2Normalize(m, d, o, yb, 1e-12f);
                be.download(yb, 0, y, 0, m * d);
                MemorySegment.copy(y, 0, out, ValueLayout.JAVA_FLOAT, 4L * i0 * d, m * d);
            }
        }
    }
}
