package org.pauc.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.pauc.backend.Compute;
import org.pauc.oracle.PaucObjective;

/**
 * Everything that determines a training run, grouped as nested records, with every default defined once, in
 * {@link #DEFAULTS}. Each component carries its documentation and range ({@link Setting}); its flag of
 * {@code pauc train} is its name in kebab case. The command line, the experiment runner and the tests all start
 * from {@link #DEFAULTS} and change settings through {@link Settings}; every configuration, whatever its source
 * (flags, an experiment spec, a checkpoint), is range-checked when it is built. Saved as JSON (format
 * {@value #FORMAT}) in {@code config.json} and in every checkpoint. Defaults follow PCL's settings scaled to small
 * data.
 */
public record TrainConfig(Data data, Model model, Optimizer optimizer, Objective objective, Clustering clustering,
                          Augmentation augmentation, Run run) {

    /** The JSON layout of a saved configuration: nested groups. Version 1 was one flat object. */
    public static final String FORMAT = "pauc-config/2";

    /** The images. */
    public record Data(
            @Setting("fashion-mnist-small (embedded), fashion-mnist, a folder of images (class subfolders optional; "
                    + "test/ is the test split), or streamed from disk: imagenet-folder:ROOT (ROOT/train/CLASS/*, "
                    + "ROOT/val/CLASS/*), shards:PATTERN (WebDataset tar shards; {000..099} ranges and globs), "
                    + "list:FILE (a path and an optional label per line)") String dataset,
            @Setting(value = "Folder with the IDX files of --dataset, overriding its default location", label = "DIR")
            String data,
            @Setting(value = "Side of the square views of a folder or streamed dataset", min = 1, max = 4096) int imageSize,
            @Setting(value = "Train on the first N images only; 0 = all", min = 0) int limit) {
        public static final Data DEFAULT = new Data("fashion-mnist-small", null, 28, 0);

        public Data {
            if (dataset == null || dataset.isBlank()) {
                throw new IllegalArgumentException("--dataset must name a dataset or a folder");
            }
        }
    }

    /** The encoder. */
    public record Model(
            @Setting("small-cnn (the bench model), resnet18 (CIFAR-style stem), resnet18-imagenet or resnet50 (ImageNet stem)")
            Encoder encoder,
            @Setting(value = "Embedding width (PCL: 128)", min = 1, max = 65_536) int dim,
            @Setting(value = "Split batch norm: training statistics over S groups of the batch, the key batch shuffled "
                    + "across groups (shuffle-BN on one device); 1 = plain batch norm", min = 1, max = 1024) int bnSplits) {
        public static final Model DEFAULT = new Model(Encoder.SMALL_CNN, 64, 1);
    }

    /** SGD with momentum and a cosine schedule set once per epoch; the momentum encoder's update. */
    public record Optimizer(
            @Setting(value = "Epochs (PCL: 200 on ImageNet)", min = 1, max = 1_000_000) int epochs,
            @Setting(value = "Batch size; the last partial batch of an epoch is dropped", min = 2, max = 65_536)
            int batchSize,
            @Setting(value = "Learning rate, cosine schedule", min = 0, minExclusive = true, max = 100) double lr,
            @Setting(value = "SGD momentum", min = 0, max = 1) double momentum,
            @Setting(value = "Weight decay", min = 0, max = 1) double weightDecay,
            @Setting(value = "Momentum encoder m (PCL: 0.999 at 5 000 steps an epoch; 0.99 suits 156)", min = 0, max = 1)
            double keyMomentum) {
        public static final Optimizer DEFAULT = new Optimizer(20, 64, 0.06, 0.9, 1e-4, 0.99);
    }

    /** The loss (docs/losses.md): MoCo v2's InfoNCE, PCL's ProtoNCE and PAUC's three terms. */
    public record Objective(
            @Setting("moco, pcl or pauc") Method method,
            @Setting(value = "Queue of keys (PCL: 16 384 for 1.28M images)", min = 1, max = 1 << 20) int queue,
            @Setting(value = "InfoNCE temperature, and the mean of φ", min = 0, minExclusive = true, max = 100) double tau,
            @Setting(value = "ProtoNCE weight", min = 0, max = 1e6) double lambdaProto,
            @Setting(value = "PAUC alignment weight (validation sweep: 2)", min = 0, max = 1e6) double lambdaAlign,
            @Setting(value = "PAUC uniformity weight", min = 0, max = 1e6) double lambdaUnif,
            @Setting(value = "PAUC correlation weight", min = 0, max = 1e6) double lambdaCorr,
            @Setting(value = "Alignment exponent α", min = 0, minExclusive = true, max = 16) double alpha,
            @Setting(value = "Uniformity t", min = 0, minExclusive = true, max = 1e3) double t,
            @Setting(value = "Correlation eps", min = 0, minExclusive = true, max = 1) double eps,
            @Setting("Decorrelation variant: offdiag (correlation of the queries), cross_view (cross_correlation of "
                    + "queries and keys) or none") Correlation correlation,
            @Setting(value = "Off-diagonal weight of cross_view", min = 0, max = 1e6) double lambdaOff,
            @Setting("When PAUC's align, uniformity and correlation terms start: first-step (during the warm-up too) "
                    + "or prototypes (with the prototypes, after the warm-up)") TermsStart termsStart) {
        /**
         * The recipe's defaults. terms-start and correlation come from the terms-validation experiment
         * (docs/experiments.md): with the prototypes, and the cross-view decorrelation.
         */
        public static final Objective DEFAULT = new Objective(Method.PAUC, 4096, 0.2, 1, 2, 1, 5e-3, 2, 2, 1e-5,
                Correlation.CROSS_VIEW, 5e-3, TermsStart.PROTOTYPES);

        /**
         * The objective's weights for this method while the prototypes are ({@code prototypes}) or are not yet (the
         * warm-up) in use: MoCo has no prototype terms, PCL no PAUC terms, and PAUC's own terms wait for the
         * prototypes under {@link TermsStart#PROTOTYPES}.
         */
        public PaucObjective.Params params(boolean prototypes) {
            boolean paucTerms = method == Method.PAUC && (prototypes || termsStart == TermsStart.FIRST_STEP);
            return new PaucObjective.Params(tau, method == Method.MOCO ? 0 : lambdaProto, paucTerms ? lambdaAlign : 0,
                    paucTerms ? lambdaUnif : 0, paucTerms && correlation != Correlation.NONE ? lambdaCorr : 0, alpha, t,
                    eps);
        }
    }

    /** PCL's E-step: k-means per granularity, φ, negative prototypes. */
    public record Clustering(
            @Setting(value = "K per granularity", min = 2, max = 1_000_000, label = "K,K,...") List<Integer> clusters,
            @Setting(value = "Epochs of InfoNCE only before the prototypes start (PCL: 20 of 200)", min = 0)
            int warmupEpochs,
            @Setting(value = "k-means iterations", min = 1, max = 10_000) int kmeansIterations,
            @Setting(value = "k-means restarts, best kept (PCL: 5)", min = 1, max = 1_000) int kmeansRestarts,
            @Setting("kmeans++ or random") KMeansInit kmeansInit,
            @Setting(value = "Negative prototypes per granularity", min = 0, max = 1_000_000) int negPrototypes,
            @Setting(value = "Concentration smoothing α", min = 0, minExclusive = true, max = 1e6) double phiAlpha) {
        public static final Clustering DEFAULT = new Clustering(List.of(200, 400, 800), 2, 20, 1, KMeansInit.KMEANS_PP,
                1024, 10);

        public Clustering {
            if (clusters == null || clusters.isEmpty()) {
                throw new IllegalArgumentException("--clusters needs one or more K");
            }
            clusters = List.copyOf(clusters);
        }

        public int maxClusters() {
            return clusters.stream().mapToInt(Integer::intValue).max().orElse(0);
        }
    }

    /**
     * MoCo v2's augmentation adapted to small images. The blur σ is scaled from MoCo's 0.1–2.0 px at 224 px to
     * 0.1–1.0 px, which keeps 28 px images recognisable.
     */
    public record Augmentation(
            @Setting(value = "Smallest crop area fraction", min = 0, minExclusive = true, max = 1) double cropMin,
            @Setting(value = "Largest crop area fraction", min = 0, minExclusive = true, max = 1) double cropMax,
            @Setting(value = "Horizontal flip probability", min = 0, max = 1) double flip,
            @Setting(value = "Colour jitter probability", min = 0, max = 1) double jitter,
            @Setting(value = "Brightness jitter", min = 0, max = 1) double brightness,
            @Setting(value = "Contrast jitter", min = 0, max = 1) double contrast,
            @Setting(value = "Saturation jitter, RGB", min = 0, max = 1) double saturation,
            @Setting(value = "Hue jitter in turns, RGB (MoCo v2: 0.1); 0 = none", min = 0, max = 0.5) double hue,
            @Setting(value = "Random grayscale probability, RGB", min = 0, max = 1) double grayscale,
            @Setting(value = "Gaussian blur probability", min = 0, max = 1) double blur,
            @Setting(value = "Smallest blur σ in pixels", min = 0, minExclusive = true, max = 64) double blurSigmaMin,
            @Setting(value = "Largest blur σ in pixels", min = 0, minExclusive = true, max = 64) double blurSigmaMax,
            @Setting("Normalisation of every view: none, or imagenet (ImageNet's per-channel mean and std, RGB)")
            Normalize normalize) {
        public static final Augmentation DEFAULT = new Augmentation(0.2, 1.0, 0.5, 0.8, 0.4, 0.4, 0.4, 0, 0.2, 0.5, 0.1,
                1.0, Normalize.NONE);

        public Augmentation {
            if (cropMin > cropMax) {
                throw new IllegalArgumentException("--crop-min " + cropMin + " is above --crop-max " + cropMax);
            }
            if (blurSigmaMin > blurSigmaMax) {
                throw new IllegalArgumentException("--blur-sigma-min " + blurSigmaMin + " is above --blur-sigma-max "
                        + blurSigmaMax);
            }
        }
    }

    /** Where and how the run executes; none of it changes the results but the seed. */
    public record Run(
            @Setting("Seed of every random choice") long seed,
            @Setting(value = "CPU threads; results do not depend on it", min = 1, max = 1024) int threads,
            @Setting("cpu, cuda, oracle or auto (cuda where available, else cpu)") String backend,
            @Setting(value = "Every N epochs, kNN top-1 (k = 200, T = 0.07) of the backbone on the test split, logged; "
                    + "0 = off", min = 0) int knnEvery,
            @Setting(value = "Threads decoding and augmenting images ahead of the training step; results do not depend on "
                    + "it", min = 1, max = 256) int workers,
            @Setting("fp32, or bf16: inputs of GEMMs and convolutions rounded to bfloat16 (emulated on the CPU), "
                    + "accumulation, weights, optimiser state, BN statistics and losses in fp32") String precision,
            @Setting("Convolutions on CUDA: auto (cuDNN where found), cudnn or im2col") String conv) {
        public static final Run DEFAULT = new Run(0, 2, "auto", 0, 2, "fp32", "auto");

        public Run {
            if (backend == null || backend.isBlank()) {
                throw new IllegalArgumentException("--backend must name a backend");
            }
            Compute.precision(precision);
            Compute.conv(conv);
        }

        /** How the backend computes: these threads, this precision, these convolutions. */
        public Compute compute() {
            return new Compute(threads, Compute.precision(precision), Compute.conv(conv));
        }
    }

    /** What is trained. */
    public enum Method implements Choice {
        MOCO, PCL, PAUC;

        /** PCL and PAUC cluster; MoCo does not. */
        public boolean usesPrototypes() {
            return this != MOCO;
        }
    }

    /** The encoder architectures. */
    public enum Encoder implements Choice {
        SMALL_CNN, RESNET18, RESNET18_IMAGENET, RESNET50
    }

    /** Variants of the decorrelation term (docs/losses.md). */
    public enum Correlation implements Choice {
        OFFDIAG("offdiag"), CROSS_VIEW("cross_view"), NONE("none");

        private final String label;

        Correlation(String label) {
            this.label = label;
        }

        @Override
        public String label() {
            return label;
        }
    }

    /** When PAUC's own terms (align, uniformity, correlation) start. */
    public enum TermsStart implements Choice {
        /** From the first step: uniformity and correlation during the warm-up too (align needs prototypes). */
        FIRST_STEP,
        /** With the prototypes: the warm-up is InfoNCE alone, as PCL's. */
        PROTOTYPES
    }

    /** k-means seeding. */
    public enum KMeansInit implements Choice {
        KMEANS_PP("kmeans++"), RANDOM("random");

        private final String label;

        KMeansInit(String label) {
            this.label = label;
        }

        @Override
        public String label() {
            return label;
        }
    }

    /** The normalisation of views. */
    public enum Normalize implements Choice {
        NONE, IMAGENET
    }

    /** The defaults of every setting: what {@code pauc train} runs with no flags. */
    public static final TrainConfig DEFAULTS = new TrainConfig(Data.DEFAULT, Model.DEFAULT, Optimizer.DEFAULT,
            Objective.DEFAULT, Clustering.DEFAULT, Augmentation.DEFAULT, Run.DEFAULT);

    public TrainConfig {
        Settings.checkRanges(data, model, optimizer, objective, clustering, augmentation, run);
    }

    public boolean usesPrototypes() {
        return objective.method().usesPrototypes();
    }

    /** The same run with other run settings (seed, threads, backend, monitor). */
    public TrainConfig with(Run r) {
        return new TrainConfig(data, model, optimizer, objective, clustering, augmentation, r);
    }

    /** The same run with another thread count (the results do not depend on it). */
    public TrainConfig withThreads(int n) {
        return with(new Run(run.seed(), n, run.backend(), run.knnEvery(), run.workers(), run.precision(), run.conv()));
    }

    /** The same run on another backend. */
    public TrainConfig withBackend(String name) {
        return with(new Run(run.seed(), run.threads(), name, run.knnEvery(), run.workers(), run.precision(), run.conv()));
    }

    /** The same run with another precision and convolution algorithm (labels of {@link Compute}). */
    public TrainConfig withCompute(String precision, String conv) {
        return with(new Run(run.seed(), run.threads(), run.backend(), run.knnEvery(), run.workers(), precision, conv));
    }

    /** Whether {@code other} is the same run: every setting equal but the thread count and the kNN monitor. */
    public boolean sameRun(TrainConfig other) {
        Run a = new Run(run.seed(), 1, run.backend(), 0, 1, run.precision(), run.conv());
        Run b = new Run(other.run.seed(), 1, other.run.backend(), 0, 1, other.run.precision(), other.run.conv());
        return with(a).equals(other.with(b));
    }

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT);

    /** The configuration as one line of JSON, format {@value #FORMAT}. */
    public String toJson() {
        ObjectNode node = JSON.valueToTree(this);
        ObjectNode out = JSON.createObjectNode().put("format", FORMAT);
        out.setAll(node);
        try {
            return JSON.writeValueAsString(out);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Reads a saved configuration: format {@value #FORMAT}, or the flat object that version 1 of pauc wrote (every
     * setting at the top level, the augmentation under "augment"). Unknown or missing settings, wrong types and
     * values out of range are one-line errors.
     */
    public static TrainConfig fromJson(String json) throws IOException {
        JsonNode node;
        try {
            node = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IOException("the stored configuration is not valid JSON: " + firstLine(e));
        }
        if (node == null || !node.isObject()) {
            throw new IOException("the stored configuration is not a JSON object");
        }
        ObjectNode obj = ((ObjectNode) node).deepCopy();
        JsonNode format = obj.remove("format");
        if (format == null) {
            obj = fromVersion1(obj);
        } else if (!FORMAT.equals(format.asText())) {
            throw new IOException("the stored configuration has format '" + format.asText() + "', this pauc reads "
                    + FORMAT + " and version 1");
        } else {
            for (Settings.Group g : Settings.groups()) {
                if (obj.get(g.name()) instanceof ObjectNode group) {
                    dropRemoved(group);
                    for (String component : g.components()) {
                        if (!group.has(component) && ADDED_LATER.containsKey(component)) {
                            group.put(component, ADDED_LATER.get(component));
                        }
                    }
                }
            }
        }
        try {
            return JSON.treeToValue(obj, TrainConfig.class);
        } catch (JsonProcessingException e) {
            Throwable c = e.getCause();
            if (c instanceof IllegalArgumentException iae) {
                throw new IOException("the stored configuration is invalid: " + iae.getMessage());
            }
            throw new IOException("the stored configuration does not fit this version of pauc: " + firstLine(e));
        }
    }

    /**
     * Settings added after configurations were first saved, with the value that reproduces the behaviour of the
     * pauc that wrote a file without them.
     */
    private static final Map<String, String> ADDED_LATER = Map.of("termsStart", "first-step", "bnSplits", "1",
            "hue", "0", "normalize", "none", "workers", "2", "precision", "fp32", "conv", "auto");

    /**
     * Settings that configurations once stored and this version no longer has, with the one value they could hold
     * (so dropping them changes nothing): {@code uniformity}, a choice with the single variant {@code pairwise}.
     */
    private static final Map<String, String> REMOVED = Map.of("uniformity", "pairwise");

    private static void dropRemoved(ObjectNode settings) throws IOException {
        for (Map.Entry<String, String> r : REMOVED.entrySet()) {
            JsonNode v = settings.remove(r.getKey());
            if (v != null && !r.getValue().equals(v.asText())) {
                throw new IOException("the stored configuration has " + r.getKey() + " '" + v.asText()
                        + "'; this pauc only knows '" + r.getValue() + "', which it no longer stores");
            }
        }
    }

    /** Version 1 wrote every setting flat; the group of each follows from the component names of this version. */
    private static ObjectNode fromVersion1(ObjectNode flat) throws IOException {
        dropRemoved(flat);
        ObjectNode out = JSON.createObjectNode();
        JsonNode augment = flat.remove("augment");
        for (Settings.Group g : Settings.groups()) {
            ObjectNode group = out.putObject(g.name());
            JsonNode source = g.type() == Augmentation.class ? augment : flat;
            for (String component : g.components()) {
                JsonNode v = source == null ? null : source.get(component);
                if (v == null && ADDED_LATER.containsKey(component)) {
                    v = JSON.getNodeFactory().textNode(ADDED_LATER.get(component));
                }
                if (v == null) {
                    throw new IOException("the stored version-1 configuration has no setting '" + component + "'");
                }
                group.set(component, v);
                if (source == flat) {
                    flat.remove(component);
                }
            }
        }
        Iterator<Map.Entry<String, JsonNode>> rest = flat.properties().iterator();
        if (rest.hasNext()) {
            throw new IOException("the stored version-1 configuration has an unknown setting '" + rest.next().getKey() + "'");
        }
        return out;
    }

    private static String firstLine(Exception e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return m.lines().findFirst().orElse(m);
    }

    static ObjectMapper json() {
        return JSON;
    }
}
