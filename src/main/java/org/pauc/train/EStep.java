package org.pauc.train;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.pauc.backend.Backend;
import org.pauc.backend.Buffer;
import org.pauc.cluster.KMeans;
import org.pauc.config.TrainConfig;
import org.pauc.data.Dataset;
import org.pauc.nn.Network;
import org.pauc.oracle.Concentration;
import org.pauc.oracle.Mat;

/**
 * PCL's E-step: features of every training image from the momentum encoder (eval mode, no augmentation),
 * l2-normalised; k-means per granularity m (seeded with m, the same every epoch, as PCL); φ from the
 * un-normalised centroids (docs/losses.md, {@code concentration}); prototypes = normalised centroids.
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

    static List<Prototypes> run(TrainConfig cfg, Dataset train, Backend be, Network key, PrintStream console) {
        int n = train.n();
        int d = cfg.model().dim();
        float[] feats = features(train, be, key, d, cfg.optimizer().batchSize());
        TrainConfig.Clustering cl = cfg.clustering();
        KMeans.Init init = cl.kmeansInit() == TrainConfig.KMeansInit.RANDOM ? KMeans.Init.RANDOM
                : KMeans.Init.KMEANS_PLUS_PLUS;
        Mat f = Mat.of(n, d, feats);
        List<Prototypes> result = new ArrayList<>();
        for (int g = 0; g < cl.clusters().size(); g++) {
            KMeans.Result km = KMeans.fit(feats, n, d, cl.clusters().get(g), cl.kmeansIterations(), cl.kmeansRestarts(),
                    init, g);
            int k = km.k();
            Mat centroids = Mat.of(k, d, km.centroids());
            double[] cd = centroids.data;
            double[] phi = concentration(f, centroids, km, cl.phiAlpha(), cfg.objective().tau(), g, console);
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
     * φ of one clustering. It is undefined when no cluster has two members (no spread to estimate) or when every
     * cluster's spread is 0; then every φ is τ, and a line says so.
     */
    private static double[] concentration(Mat f, Mat centroids, KMeans.Result km, double alpha, double tau, int g,
                                          PrintStream console) {
        boolean spread = Arrays.stream(KMeans.sizes(km.assign(), km.k())).anyMatch(s -> s > 1);
        double[] phi = spread ? Concentration.compute(f, centroids, km.assign(), alpha, tau) : null;
        if (phi == null || !Arrays.stream(phi).allMatch(p -> Double.isFinite(p) && p > 0)) {
            console.println("E-step: granularity " + g + " (K = " + km.k() + ") has no cluster spread to estimate φ "
                    + "from; using φ = τ = " + tau + " for every cluster");
            phi = new double[km.k()];
            Arrays.fill(phi, tau);
        }
        return phi;
    }

    /** l2-normalised momentum-encoder features of every training image, in eval mode, n × d. */
    private static float[] features(Dataset train, Backend be, Network key, int d, int b) {
        int n = train.n();
        float[] feats = new float[n * d];
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
        return feats;
    }
}
