package org.pauc.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.pauc.data.Augment;
import org.pauc.data.Dataset;
import org.pauc.data.Datasets;
import org.pauc.train.TrainConfig;
import org.pauc.train.Trainer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Trains MoCo v2, PCL or PAUC and writes the run directory (--out): config.json, log.jsonl "
                + "(one line per epoch) and checkpoint.safetensors (after every epoch). --resume DIR continues a run.",
                "Defaults are PCL's settings scaled to small data (README, 'pauc train')."})
final class TrainCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--method", defaultValue = "pauc", description = "moco, pcl or pauc (default: ${DEFAULT-VALUE}).")
    String method;
    @Option(names = "--dataset", defaultValue = Datasets.SMALL,
            description = "fashion-mnist-small (embedded), fashion-mnist, or a folder of images (default: ${DEFAULT-VALUE}).")
    String dataset;
    @Option(names = "--data", paramLabel = "DIR", description = "Folder with the IDX files of --dataset (overrides its default location).")
    Path data;
    @Option(names = "--image-size", defaultValue = "28", description = "Side of the square images of a folder dataset (default: ${DEFAULT-VALUE}).")
    int imageSize;
    @Option(names = "--limit", defaultValue = "0", description = "Train on the first N images only; 0 = all (default: ${DEFAULT-VALUE}).")
    int limit;
    @Option(names = "--knn-every", defaultValue = "0",
            description = "Every N epochs, kNN top-1 (k = 200, T = 0.07) of the backbone on the test split, logged; 0 = off (default: ${DEFAULT-VALUE}).")
    int knnEvery;
    @Option(names = "--epochs", defaultValue = "20", description = "Epochs (default: ${DEFAULT-VALUE}).")
    int epochs;
    @Option(names = "--warmup-epochs", defaultValue = "2", description = "Epochs of InfoNCE only before the prototypes start (default: ${DEFAULT-VALUE}).")
    int warmupEpochs;
    @Option(names = "--batch-size", defaultValue = "64", description = "Batch size; the last partial batch of an epoch is dropped (default: ${DEFAULT-VALUE}).")
    int batchSize;
    @Option(names = "--seed", defaultValue = "0", description = "Seed of every random choice (default: ${DEFAULT-VALUE}).")
    long seed;
    @Option(names = "--threads", defaultValue = "2", description = "CPU threads; results do not depend on it (default: ${DEFAULT-VALUE}).")
    int threads;
    @Option(names = "--backend", defaultValue = "auto", description = "cpu, cuda, … or auto (default: ${DEFAULT-VALUE}).")
    String backend;
    @Option(names = "--out", paramLabel = "DIR", description = "Run directory (default: runs/METHOD-SEED).")
    Path out;
    @Option(names = "--resume", paramLabel = "DIR", description = "Continue the run in DIR from its checkpoint (same flags).")
    Path resume;

    @Option(names = "--encoder", defaultValue = "small-cnn", description = "small-cnn or resnet18 (CIFAR-style stem) (default: ${DEFAULT-VALUE}).")
    String encoder;
    @Option(names = "--dim", defaultValue = "64", description = "Embedding width (default: ${DEFAULT-VALUE}).")
    int dim;
    @Option(names = "--lr", defaultValue = "0.06", description = "Learning rate, cosine schedule (default: ${DEFAULT-VALUE}).")
    double lr;
    @Option(names = "--momentum", defaultValue = "0.9", description = "SGD momentum (default: ${DEFAULT-VALUE}).")
    double momentum;
    @Option(names = "--weight-decay", defaultValue = "1e-4", description = "Weight decay (default: ${DEFAULT-VALUE}).")
    double weightDecay;
    @Option(names = "--key-momentum", defaultValue = "0.99", description = "Momentum encoder m (default: ${DEFAULT-VALUE}).")
    double keyMomentum;
    @Option(names = "--queue", defaultValue = "4096", description = "Queue length (default: ${DEFAULT-VALUE}).")
    int queue;
    @Option(names = "--tau", defaultValue = "0.2", description = "InfoNCE temperature and mean φ (default: ${DEFAULT-VALUE}).")
    double tau;
    @Option(names = "--lambda-proto", defaultValue = "1", description = "ProtoNCE weight (default: ${DEFAULT-VALUE}).")
    double lambdaProto;
    @Option(names = "--lambda-align", defaultValue = "2", description = "PAUC alignment weight (default: ${DEFAULT-VALUE}).")
    double lambdaAlign;
    @Option(names = "--lambda-unif", defaultValue = "1", description = "PAUC uniformity weight (default: ${DEFAULT-VALUE}).")
    double lambdaUnif;
    @Option(names = "--lambda-corr", defaultValue = "5e-3", description = "PAUC correlation weight (default: ${DEFAULT-VALUE}).")
    double lambdaCorr;
    @Option(names = "--alpha", defaultValue = "2", description = "Alignment exponent α (default: ${DEFAULT-VALUE}).")
    double alpha;
    @Option(names = "--t", defaultValue = "2", description = "Uniformity t (default: ${DEFAULT-VALUE}).")
    double t;
    @Option(names = "--eps", defaultValue = "1e-5", description = "Correlation eps (default: ${DEFAULT-VALUE}).")
    double eps;
    @Option(names = "--uniformity", defaultValue = "pairwise", description = "Uniformity variant: pairwise (default: ${DEFAULT-VALUE}).")
    String uniformity;
    @Option(names = "--correlation", defaultValue = "offdiag",
            description = "Decorrelation variant: offdiag (correlation of the queries), cross_view (cross_correlation of "
                    + "queries and keys) or none (default: ${DEFAULT-VALUE}).")
    String correlation;
    @Option(names = "--lambda-off", defaultValue = "5e-3", description = "Off-diagonal weight of cross_view (default: ${DEFAULT-VALUE}).")
    double lambdaOff;
    @Option(names = "--clusters", split = ",", defaultValue = "200,400,800", description = "K per granularity (default: ${DEFAULT-VALUE}).")
    List<Integer> clusters;
    @Option(names = "--kmeans-iterations", defaultValue = "20", description = "k-means iterations (default: ${DEFAULT-VALUE}).")
    int kmeansIterations;
    @Option(names = "--kmeans-restarts", defaultValue = "1", description = "k-means restarts, best kept (default: ${DEFAULT-VALUE}).")
    int kmeansRestarts;
    @Option(names = "--kmeans-init", defaultValue = "kmeans++", description = "kmeans++ or random (default: ${DEFAULT-VALUE}).")
    String kmeansInit;
    @Option(names = "--neg-prototypes", defaultValue = "1024", description = "Negative prototypes per granularity (default: ${DEFAULT-VALUE}).")
    int negPrototypes;
    @Option(names = "--phi-alpha", defaultValue = "10", description = "Concentration smoothing α (default: ${DEFAULT-VALUE}).")
    double phiAlpha;

    @Option(names = "--crop-min", defaultValue = "0.2", description = "Smallest crop area fraction (default: ${DEFAULT-VALUE}).")
    double cropMin;
    @Option(names = "--crop-max", defaultValue = "1.0", description = "Largest crop area fraction (default: ${DEFAULT-VALUE}).")
    double cropMax;
    @Option(names = "--flip", defaultValue = "0.5", description = "Horizontal flip probability (default: ${DEFAULT-VALUE}).")
    double flip;
    @Option(names = "--jitter", defaultValue = "0.8", description = "Colour jitter probability (default: ${DEFAULT-VALUE}).")
    double jitter;
    @Option(names = "--brightness", defaultValue = "0.4", description = "Brightness jitter (default: ${DEFAULT-VALUE}).")
    double brightness;
    @Option(names = "--contrast", defaultValue = "0.4", description = "Contrast jitter (default: ${DEFAULT-VALUE}).")
    double contrast;
    @Option(names = "--saturation", defaultValue = "0.4", description = "Saturation jitter, RGB (default: ${DEFAULT-VALUE}).")
    double saturation;
    @Option(names = "--grayscale", defaultValue = "0.2", description = "Random grayscale probability, RGB (default: ${DEFAULT-VALUE}).")
    double grayscale;
    @Option(names = "--blur", defaultValue = "0.5", description = "Gaussian blur probability (default: ${DEFAULT-VALUE}).")
    double blur;
    @Option(names = "--blur-sigma-min", defaultValue = "0.1", description = "Smallest blur σ in pixels (default: ${DEFAULT-VALUE}).")
    double blurSigmaMin;
    @Option(names = "--blur-sigma-max", defaultValue = "1.0", description = "Largest blur σ in pixels (default: ${DEFAULT-VALUE}).")
    double blurSigmaMax;

    static Path home() {
        String h = System.getProperty("pauc.home");
        return Path.of(h != null ? h : ".");
    }

    /** The run these flags describe. */
    TrainConfig config() {
        Augment.Config aug = new Augment.Config(cropMin, cropMax, flip, jitter, brightness, contrast, saturation,
                grayscale, blur, blurSigmaMin, blurSigmaMax);
        return new TrainConfig(method, dataset, data == null ? null : data.toString(), imageSize, epochs,
                warmupEpochs, batchSize, seed, threads, backend, encoder, dim, lr, momentum, weightDecay, keyMomentum,
                queue, tau, lambdaProto, lambdaAlign, lambdaUnif, lambdaCorr, alpha, t, eps, uniformity, correlation,
                lambdaOff, clusters, kmeansIterations, kmeansRestarts, kmeansInit, negPrototypes, phiAlpha, limit,
                knnEvery, aug);
    }

    /** The configuration of {@code pauc train ARGS} (defaults for every flag not given); one-line errors. */
    static TrainConfig parse(java.util.List<String> args) {
        TrainCommand c = new TrainCommand();
        new CommandLine(c).parseArgs(args.toArray(String[]::new));
        return c.config();
    }

    @Override
    public Integer call() throws Exception {
        TrainConfig cfg = config();
        Path dir = resume != null ? resume : out != null ? out : Path.of("runs", method + "-" + seed);
        if (resume != null && out != null && !out.equals(resume)) {
            throw new IllegalArgumentException("give either --out or --resume (the run directory), not two different ones");
        }
        Datasets.Splits splits = Datasets.load(dataset, data, home(), imageSize);
        Dataset train = limit > 0 ? splits.train().head(limit) : splits.train();
        Dataset monitor = knnEvery > 0 && splits.test().n() > 0 && train.labeled() && splits.test().labeled()
                ? splits.test() : null;
        if (knnEvery > 0 && monitor == null) {
            System.out.println("no labelled test split: --knn-every is ignored");
        }
        Trainer.run(cfg, train, dir, resume != null, new java.io.PrintStream(System.out, true), Integer.MAX_VALUE,
                monitor);
        spec.commandLine().getOut().println("run directory: " + dir);
        return 0;
    }
}
