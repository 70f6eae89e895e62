package org.pauc.eval;

import java.io.IOException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.pauc.backend.Backend;
import org.pauc.checkpoint.Checkpoint;
import org.pauc.cluster.KMeans;
import org.pauc.config.TrainConfig.KMeansInit;
import org.pauc.config.TrainConfig;
import org.pauc.data.Augment;
import org.pauc.data.Dataset;
import org.pauc.io.InputException;
import org.pauc.nn.Dims;
import org.pauc.nn.Models;
import org.pauc.nn.Network;

/**
 * Evaluates a representation on a labelled train/test split: weighted kNN (cosine, k, T), the linear probe
 * ({@link LinearProbe}), NMI and AMI of k-means with K = the number of classes on the test features, and
 * Wang–Isola alignment (two augmentations of each test image, α = 2) and uniformity (t = 2) of the normalised
 * embeddings.
 */
public final class Evaluator {

    /** How images become features: the representation (for kNN, probe, clustering) and the embedding. */
    public interface Representation {
        String name();

        /** n × featureDim() representation of n images (h×w×c each). */
        float[] features(float[] images, int n);

        int featureDim();

        /** n × embeddingDim() embedding (before normalisation) for alignment and uniformity. */
        float[] embeddings(float[] images, int n);

        int embeddingDim();
    }

    /** Raw pixels: the representation and the embedding are the image itself. */
    public static Representation pixels(Dataset ds) {
        int size = ds.imageSize();
        return new Representation() {
            public String name() {
                return "raw pixels";
            }

            public float[] features(float[] images, int n) {
                return Arrays.copyOf(images, n * size);
            }

            public int featureDim() {
                return size;
            }

            public float[] embeddings(float[] images, int n) {
                return features(images, n);
            }

            public int embeddingDim() {
                return size;
            }
        };
    }

    /**
     * {@code r} with its results kept: asking again for the features or embeddings of the same image array (the same
     * object, the same n) returns the first result instead of running the encoder again, so kNN, the probe, the
     * clusterings and the plots share one pass over each split. Callers must not modify the returned arrays.
     */
    public static Representation cached(Representation r) {
        record Key(float[] images, int n, boolean features) {
            @Override
            public boolean equals(Object o) {
                return o instanceof Key k && k.images == images && k.n == n && k.features == features;
            }

            @Override
            public int hashCode() {
                return System.identityHashCode(images) * 31 + n * 2 + (features ? 1 : 0);
            }
        }
        Map<Key, float[]> memo = new HashMap<>();
        return new Representation() {
            public String name() {
                return r.name();
            }

            public float[] features(float[] images, int n) {
                return memo.computeIfAbsent(new Key(images, n, true), k -> r.features(images, n));
            }

            public int featureDim() {
                return r.featureDim();
            }

            public float[] embeddings(float[] images, int n) {
                return memo.computeIfAbsent(new Key(images, n, false), k -> r.embeddings(images, n));
            }

            public int embeddingDim() {
                return r.embeddingDim();
            }
        };
    }

    /** An encoder on a backend: the backbone output is the representation, the head's output the embedding. */
    public static Representation encoder(String name, Backend be, Network net) {
        return new Representation() {
            public String name() {
                return name;
            }

            public float[] features(float[] images, int n) {
                return net.outputs(be, images, n, true, 256, null);
            }

            public int featureDim() {
                return net.backboneOutput().size();
            }

            public float[] embeddings(float[] images, int n) {
                return net.outputs(be, images, n, false, 256, null);
            }

            public int embeddingDim() {
                return net.output().size();
            }
        };
    }

    /**
     * The query encoder of a checkpoint, for images of {@code data}'s size; fails with one line when the checkpoint
     * does not fit them.
     */
    public static Network load(Checkpoint.Contents c, Backend be, Dataset data) throws IOException {
        return load(c, be, new Dims(data.h(), data.w(), data.c()));
    }

    /** The query encoder of a checkpoint for inputs of shape {@code in}; one-line errors when it does not fit. */
    public static Network load(Checkpoint.Contents c, Backend be, Dims in) throws IOException {
        TrainConfig cfg = c.config();
        // a checkpoint that does not record its input shape: its configuration's image size, channels unchecked
        int[] trained = c.input() != null ? c.input()
                : new int[] {cfg.data().imageSize(), cfg.data().imageSize(), in.c()};
        if (trained[0] != in.h() || trained[1] != in.w() || trained[2] != in.c()) {
            String known = c.input() != null ? "×" + trained[2] : "";
            throw new InputException(c.file(), "was trained on " + trained[0] + "×" + trained[1] + known + " images, these "
                    + "are " + in.h() + "×" + in.w() + (c.input() != null ? "×" + in.c() : "") + " (--image-size "
                    + trained[0] + " for a folder or streamed dataset)");
        }
        Network net = Models.create(cfg.model().encoder(), be, cfg.run().seed(), in, cfg.model().dim());
        try {
            c.loadInto(be, net.params(), "encoder_q.", false);
        } catch (InputException e) {
            net.close();
            throw new InputException(c.file(), "does not fit " + in.h() + "×" + in.w() + "×" + in.c()
                    + " images: " + e.problem());
        }
        return net;
    }

    /**
     * K of the coagulation clustering for n points: the requested K, at most n/2 so that some cluster has two members
     * (φ is undefined otherwise) — a cap that only small datasets reach.
     */
    public static int coagulationClusters(int requested, int n) {
        return Math.max(1, Math.min(requested, n / 2));
    }

    /**
     * The protocol of an evaluation: kNN's k and temperature, the seed of the probe and k-means, and the clusters of
     * the coagulation measures.
     */
    public record Protocol(int k, double temperature, long seed, int clusters) {
        public static final Protocol DEFAULT = new Protocol(200, 0.07, 0, 200);

        /** The default protocol with another seed. */
        public static Protocol seeded(long seed) {
            return new Protocol(DEFAULT.k(), DEFAULT.temperature(), seed, DEFAULT.clusters());
        }
    }

    /** Every metric of one representation, by name, in a fixed order; needs labels on both splits. */
    public static Map<String, Double> evaluate(Representation r, Dataset train, Dataset test, Protocol s) {
        if (!train.labeled() || !test.labeled()) {
            throw new IllegalArgumentException("evaluation needs labels on the train and test images (" + train.name() + ", "
                    + test.name() + "): a folder dataset takes them from class subfolders");
        }
        int classes = train.classes().length;
        int d = r.featureDim();
        float[] ftr = r.features(train.pixels(), train.n());
        float[] fte = r.features(test.pixels(), test.n());
        float[] ntr = Metrics.normalizeRows(ftr, train.n(), d);
        float[] nte = Metrics.normalizeRows(fte, test.n(), d);
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("knn_top1", Metrics.knn(ntr, train.labels(), train.n(), nte, test.labels(), test.n(), d, s.k(),
                s.temperature(), classes));
        m.put("linear_probe_top1", LinearProbe.accuracy(ftr, train.labels(), train.n(), fte, test.labels(), test.n(), d,
                classes, s.seed()));
        KMeans.Result km = KMeans.fit(nte, test.n(), d, classes, 50, 5, KMeansInit.KMEANS_PP, s.seed());
        m.put("nmi", Metrics.nmi(test.labels(), km.assign()));
        m.put("ami", Metrics.ami(test.labels(), km.assign()));
        m.putAll(withoutLabels(r, ntr, train.n(), test, s));
        return m;
    }

    /**
     * What needs no labels, for images without them: alignment and uniformity on {@code images} (the test split, or
     * the training images when there is none), and the coagulation measures and cluster sizes of the training
     * features.
     */
    public static Map<String, Double> evaluateUnlabeled(Representation r, Dataset train, Dataset images, Protocol s) {
        int d = r.featureDim();
        float[] ntr = Metrics.normalizeRows(r.features(train.pixels(), train.n()), train.n(), d);
        return withoutLabels(r, ntr, train.n(), images.n() > 0 ? images : train, s);
    }

    private static Map<String, Double> withoutLabels(Representation r, float[] ntr, int n, Dataset test, Protocol s) {
        Map<String, Double> m = new LinkedHashMap<>();
        Augment aug = new Augment(TrainConfig.Augmentation.DEFAULT, s.seed());
        int size = test.imageSize();
        float[] v1 = new float[test.n() * size];
        float[] v2 = new float[test.n() * size];
        for (int i = 0; i < test.n(); i++) {
            aug.view(test, i, 0, 0, v1, i * size);
            aug.view(test, i, 0, 1, v2, i * size);
        }
        int e = r.embeddingDim();
        float[] e1 = Metrics.normalizeRows(r.embeddings(v1, test.n()), test.n(), e);
        float[] e2 = Metrics.normalizeRows(r.embeddings(v2, test.n()), test.n(), e);
        m.put("alignment", Metrics.alignment(e1, e2, test.n(), e, 2));
        m.put("uniformity", Metrics.uniformity(Metrics.normalizeRows(r.embeddings(test.pixels(), test.n()), test.n(), e),
                test.n(), e, 2));
        // coagulation on the normalised training features, clustered as the run's first granularity
        int d = r.featureDim();
        int kc = coagulationClusters(s.clusters(), n);
        KMeans.Result cl = KMeans.fit(ntr, n, d, kc, 20, 1, KMeansInit.KMEANS_PP, s.seed());
        m.putAll(Coagulation.measure(ntr, n, d, cl.centroids(), cl.assign(), cl.k()));
        int[] sizes = KMeans.sizes(cl.assign(), cl.k());
        Arrays.sort(sizes);
        m.put("cluster_size_min", (double) sizes[0]);
        m.put("cluster_size_median", sizes.length % 2 == 1 ? sizes[sizes.length / 2]
                : (sizes[sizes.length / 2 - 1] + sizes[sizes.length / 2]) / 2.0);
        m.put("cluster_size_max", (double) sizes[sizes.length - 1]);
        m.put("clusters_empty", (double) Arrays.stream(sizes).filter(x -> x == 0).count());
        return m;
    }

    /** The names of the metrics, in table order. */
    public static final List<String> METRICS = List.of("knn_top1", "linear_probe_top1", "nmi", "ami", "alignment",
            "uniformity", "raw_phi", "dispersion", "intra_uniformity", "separation_ratio", "effective_rank");

    /** The metrics that need labels. */
    public static final List<String> LABEL_METRICS = List.of("knn_top1", "linear_probe_top1", "nmi", "ami");
}
