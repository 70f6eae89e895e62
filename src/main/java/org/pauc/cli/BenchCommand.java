package org.pauc.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.Future;
import org.pauc.backend.Backend;
import org.pauc.backend.Backends;
import org.pauc.backend.Buffer;
import org.pauc.backend.Compute;
import org.pauc.cluster.BackendKMeans;
import org.pauc.cluster.KMeans;
import org.pauc.cluster.Points;
import org.pauc.config.Recipes;
import org.pauc.config.TrainConfig;
import org.pauc.data.Augment;
import org.pauc.data.Codec;
import org.pauc.data.DataException;
import org.pauc.data.Datasets;
import org.pauc.data.ImageSource;
import org.pauc.hostmath.Caches;
import org.pauc.hostmath.Gemm;
import org.pauc.nn.Dims;
import org.pauc.nn.Models;
import org.pauc.nn.Network;
import org.pauc.oracle.PaucObjective;
import org.pauc.train.Loader;
import org.pauc.train.MocoLearner;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Times SGEMM and MoCo v2 training steps on a backend (medians of timed repeats after warm-up, "
                + "each followed by a synchronize), one JSON line per measurement, for comparison with "
                + "bench/gpu_peers.py and bench/peers.py. CPU numbers for docs/performance.md come from JMH (bench/run-jmh.sh)."})
final class BenchCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--backend", defaultValue = "auto", description = "Backend (default: ${DEFAULT-VALUE}).")
    String backend;
    @Option(names = "--threads", defaultValue = "2", description = "CPU threads (default: ${DEFAULT-VALUE}).")
    int threads;
    @Option(names = "--gemm", split = ",", paramLabel = "N", description = "Square SGEMM sizes N (N×N×N).")
    List<Integer> gemm = new ArrayList<>();
    @Option(names = "--step", split = ",", paramLabel = "MODEL",
            description = "Training steps: bench-model (small-cnn, 28×28×1), resnet18 (32×32×3) and/or resnet50 (224×224×3).")
    List<String> steps = new ArrayList<>();
    @Option(names = "--batch-size", defaultValue = "256", description = "Batch of the training step (default: ${DEFAULT-VALUE}).")
    int batch;
    @Option(names = "--repeats", defaultValue = "20", description = "Timed repeats (default: ${DEFAULT-VALUE}).")
    int repeats;
    @Option(names = "--warmup", defaultValue = "5", description = "Untimed repeats first (default: ${DEFAULT-VALUE}).")
    int warmup;
    @Option(names = "--decode", paramLabel = "DATASET", description = "Times decoding plus two augmented views per image "
            + "(the imagenet recipe's augmentation) over a streamed dataset, e.g. imagenet-folder:DIR.")
    String decode;
    @Option(names = "--images", defaultValue = "1000", description = "Images of the --decode pass (default: ${DEFAULT-VALUE}).")
    int images;
    @Option(names = "--workers", defaultValue = "2", description = "Decoding threads of --decode (default: ${DEFAULT-VALUE}).")
    int workers;
    @Option(names = "--image-size", defaultValue = "224", description = "View size of --decode (default: ${DEFAULT-VALUE}).")
    int imageSize;
    @Option(names = "--bn-splits", defaultValue = "1", description = "Split batch norm's groups in the --step networks (default: ${DEFAULT-VALUE}).")
    int bnSplits;
    @Option(names = "--precision", defaultValue = "fp32", description = "fp32 or bf16 (default: ${DEFAULT-VALUE}).")
    String precision;
    @Option(names = "--conv", defaultValue = "auto", description = "CUDA's convolutions: auto, cudnn or im2col (default: ${DEFAULT-VALUE}).")
    String conv;
    @Option(names = "--kmeans", split = ",", paramLabel = "N,D,K",
            description = "One E-step k-means: N random unit points of D dimensions into K clusters (10 iterations, "
                    + "k-means++ seeding not timed), on a device backend through its ops, else the host's.")
    List<Integer> kmeans = List.of();

    /**
     * Decode + two augmented views of {@code images} images in batches of 32, two batches in flight, as training
     * reads them; the first batch is a warm-up.
     */
    private void decode(PrintWriter o) throws DataException {
        ImageSource src = Datasets.open(Datasets.Request.of(decode, TrainCommand.home(), imageSize), System.out).train();
        int n = Math.min(images, src.n());
        int b = 32;
        TrainConfig.Augmentation aug = Recipes.base("imagenet").augmentation();
        try (Loader loader = new Loader(src, new Augment(aug, 1), workers, true, System.out)) {
            Loader.await(loader.views(range(0, Math.min(b, n)), 0));
            long t0 = System.nanoTime();
            Future<Loader.Views> next = loader.views(range(0, Math.min(b, n)), 1);
            for (int i = 0; i < n; i += b) {
                Loader.await(next);
                if (i + b < n) {
                    next = loader.views(range(i + b, Math.min(i + 2 * b, n)), 1);
                }
            }
            double s = (System.nanoTime() - t0) / 1e9;
            o.printf("{\"pipeline\": \"pauc\", \"images\": %d, \"seconds\": %.4f, \"images_per_s\": %.2f, "
                    + "\"libjpeg_turbo\": %b, \"workers\": %d}%n", n, s, n / s, Codec.turboJpeg(), workers);
            o.flush();
        }
    }

    private static int[] range(int from, int to) {
        int[] r = new int[to - from];
        for (int i = 0; i < r.length; i++) {
            r[i] = from + i;
        }
        return r;
    }

    private double median(Backend be, Runnable r) {
        for (int i = 0; i < warmup; i++) {
            r.run();
        }
        be.synchronize();
        double[] t = new double[repeats];
        for (int i = 0; i < repeats; i++) {
            long t0 = System.nanoTime();
            r.run();
            be.synchronize();
            t[i] = (System.nanoTime() - t0) / 1e9;
        }
        Arrays.sort(t);
        return repeats % 2 == 1 ? t[repeats / 2] : (t[repeats / 2 - 1] + t[repeats / 2]) / 2;
    }

    private static float[] random(int n, SplittableRandom r) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) r.nextDouble();
        }
        return x;
    }

    @Override
    public Integer call() throws DataException {
        Flags.range("--threads", threads, 1, 1024);
        Flags.range("--batch-size", batch, 1, 65_536);
        Flags.range("--repeats", repeats, 1, 100_000);
        Flags.range("--warmup", warmup, 0, 100_000);
        for (int n : gemm) {
            Flags.range("--gemm", n, 1, 16_384);
        }
        if (repeats < 1 || warmup < 0) {
            throw new IllegalArgumentException("need --repeats >= 1 and --warmup >= 0");
        }
        var o = spec.commandLine().getOut();
        if (decode != null) {
            Flags.range("--images", images, 1, 100_000_000);
            Flags.range("--workers", workers, 1, 256);
            Flags.range("--image-size", imageSize, 1, 4096);
            decode(o);
            if (gemm.isEmpty() && steps.isEmpty()) {
                return 0;
            }
        }
        Compute compute = new Compute(threads, Compute.precision(precision), Compute.conv(conv));
        if (!kmeans.isEmpty() && kmeans.size() != 3) {
            throw new IllegalArgumentException("--kmeans takes N,D,K, got " + kmeans);
        }
        try (Backend be = Backends.create(backend, compute)) {
            o.println("{\"peer\": \"pauc\", \"info\": \"" + be.description() + "\", \"gemm_blocks\": \"MR " + Gemm.MR
                    + ", NR " + Gemm.NR + ", MC " + Gemm.MC + ", KC " + Gemm.KC + ", NC " + Gemm.NC + "\", \"l2_bytes\": "
                    + Caches.l2Bytes() + "}");
            SplittableRandom rng = new SplittableRandom(1);
            for (int n : gemm) {
                try (Buffer a = be.upload(random(n * n, rng)); Buffer b = be.upload(random(n * n, rng));
                     Buffer c = be.allocate(n * n)) {
                    double s = median(be, () -> be.gemm(false, false, n, n, n, 1f, a, b, 0f, c));
                    o.printf("{\"peer\": \"pauc\", \"name\": \"sgemm %dx%dx%d:NN\", \"median_s\": %.6e, \"unit_per_s\": %.3f, \"unit\": \"GFLOP/s\"}%n",
                            n, n, n, s, 2.0 * n * n * n / s / 1e9);
                    o.flush();
                }
            }
            for (String model : steps) {
                StepModel m = StepModel.of(model);
                Dims in = m.input();
                TrainConfig.Encoder encoder = m.encoder();
                Network q = Models.create(encoder, be, 1, in, 64);
                Network k = Models.create(encoder, be, 1, in, 64);
                if (bnSplits > 1) {
                    q.splitBatchNorm(bnSplits);
                    k.splitBatchNorm(bnSplits);
                }
                PaucObjective.Params moco = new PaucObjective.Params(0.2, 1, 0, 0, 0, 2, 2, 1e-5);
                try (MocoLearner learner = new MocoLearner(be, q, k, 4096, 1, new MocoLearner.Hyper(0.9f, 1e-4f, 0.99f));
                     Buffer v1 = be.upload(random(batch * in.size(), rng));
                     Buffer v2 = be.upload(random(batch * in.size(), rng))) {
                    double s = median(be, () -> learner.step(v1, v2, batch, List.of(), moco, 0.03f));
                    o.printf("{\"peer\": \"pauc\", \"name\": \"moco step %s b%d%s\", \"median_s\": %.6e, \"unit_per_s\": %.3f, \"unit\": \"samples/s\"}%n",
                            model, batch, precision.equals("fp32") ? "" : " " + precision, s, batch / s);
                    o.flush();
                } finally {
                    q.close();
                    k.close();
                }
            }
            if (!kmeans.isEmpty()) {
                kmeansBench(o, be, kmeans.get(0), kmeans.get(1), kmeans.get(2), rng);
            }
        }
        return 0;
    }

    /** One E-step's k-means at the given size: seconds of 10 Lloyd iterations after the (untimed) seeding. */
    private static void kmeansBench(PrintWriter o, Backend be, int n, int d, int k, SplittableRandom rng) {
        Flags.range("--kmeans N", n, 1, 100_000_000);
        Flags.range("--kmeans D", d, 1, 65_536);
        Flags.range("--kmeans K", k, 1, n);
        if ((long) n * d > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("--kmeans " + n + "," + d + "," + k + ": N·D must stay below 2^31");
        }
        float[] x = new float[n * d];
        for (int i = 0; i < n; i++) {
            double s = 0;
            for (int t = 0; t < d; t++) {
                x[i * d + t] = (float) rng.nextGaussian();
                s += x[i * d + t] * x[i * d + t];
            }
            for (int t = 0; t < d; t++) {
                x[i * d + t] /= (float) Math.sqrt(s);
            }
        }
        Points p = Points.of(x, n, d);
        long t0 = System.nanoTime();
        KMeans.Result r;
        if (be.onDevice()) {
            try (Buffer xb = be.upload(x)) {
                r = BackendKMeans.fit(be, xb, p, k, 10, 1, TrainConfig.KMeansInit.RANDOM, 1);
            }
        } else {
            r = KMeans.fit(p, k, 10, 1, TrainConfig.KMeansInit.RANDOM, 1);
        }
        double s = (System.nanoTime() - t0) / 1e9;
        o.printf("{\"peer\": \"pauc\", \"name\": \"kmeans %dx%d K=%d 10 it\", \"median_s\": %.6e, \"unit_per_s\": %.3f, "
                + "\"unit\": \"iterations/s\", \"inertia\": %.6e, \"path\": \"%s\"}%n", n, d, k, s, 10 / s, r.inertia(),
                be.onDevice() ? "backend ops" : "host");
        o.flush();
    }

    /** A model of {@code --step}: its encoder and input. */
    private record StepModel(TrainConfig.Encoder encoder, Dims input) {
        static StepModel of(String name) {
            return switch (name) {
                case "bench-model" -> new StepModel(TrainConfig.Encoder.SMALL_CNN, new Dims(28, 28, 1));
                case "resnet18" -> new StepModel(TrainConfig.Encoder.RESNET18, new Dims(32, 32, 3));
                case "resnet50" -> new StepModel(TrainConfig.Encoder.RESNET50, new Dims(224, 224, 3));
                default -> throw new IllegalArgumentException("--step takes bench-model, resnet18 or resnet50, got '"
                        + name + "'");
            };
        }
    }
}
