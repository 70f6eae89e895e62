package org.pauc.cli;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.pauc.backend.Backend;
import org.pauc.backend.Backends;
import org.pauc.checkpoint.Checkpoint;
import org.pauc.data.Dataset;
import org.pauc.data.Datasets;
import org.pauc.eval.Embeddings;
import org.pauc.eval.Evaluator;
import org.pauc.io.Limits;
import org.pauc.nn.Network;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "embed", mixinStandardHelpOptions = true,
        description = {"Embeds every image of a dataset with a checkpoint's query encoder (eval mode), in the "
                + "dataset's order: backbone features (default) or l2-normalised projections. Writes FILE "
                + "(.safetensors: features, index, label where known; .npy: the features; .csv: index, label, "
                + "features) and FILE's stem + .sources.txt (the images' paths, or NAME#i), one line per row."})
final class EmbedCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--checkpoint", required = true, paramLabel = "PATH", description = "A checkpoint.safetensors written by pauc train.")
    Path checkpoint;
    @Option(names = "--dataset", defaultValue = Datasets.SMALL, description = "fashion-mnist-small, fashion-mnist or a folder of images (default: ${DEFAULT-VALUE}).")
    String dataset;
    @Option(names = "--data", paramLabel = "DIR", description = "Folder with the IDX files of --dataset.")
    Path data;
    @Option(names = "--split", defaultValue = "test", description = "train or test (default: ${DEFAULT-VALUE}); a folder without test/ has only train.")
    String split;
    @Option(names = "--image-size", defaultValue = "28", description = "Image side of a folder dataset; must be the checkpoint's (default: ${DEFAULT-VALUE}).")
    int imageSize;
    @Option(names = "--output", defaultValue = "features", description = "features (backbone) or projections (l2-normalised head output) (default: ${DEFAULT-VALUE}).")
    String output;
    @Option(names = "--out", required = true, paramLabel = "FILE", description = "Where to write: .safetensors, .npy or .csv.")
    Path out;
    @Option(names = "--batch-size", defaultValue = "256", description = "Images per forward pass (default: ${DEFAULT-VALUE}).")
    int batch;
    @Option(names = "--threads", defaultValue = "2", description = "CPU threads (default: ${DEFAULT-VALUE}).")
    int threads;
    @Option(names = "--backend", defaultValue = "auto", description = "Backend (default: ${DEFAULT-VALUE}).")
    String backend;
    @Option(names = "--max-image-pixels", paramLabel = "N", description = "Refuse images whose header claims more pixels (default: 67108864).")
    long maxImagePixels = Limits.DEFAULT_MAX_IMAGE_PIXELS;

    @Override
    public Integer call() throws Exception {
        Embeddings.Output kind = switch (output) {
            case "features" -> Embeddings.Output.FEATURES;
            case "projections" -> Embeddings.Output.PROJECTIONS;
            default -> throw new IllegalArgumentException("--output must be features or projections, got '" + output + "'");
        };
        if (!split.equals("train") && !split.equals("test")) {
            throw new IllegalArgumentException("--split must be train or test, got '" + split + "'");
        }
        Flags.range("--batch-size", batch, 1, 65_536);
        Flags.range("--threads", threads, 1, 1024);
        Flags.range("--image-size", imageSize, 1, 4096);
        Limits.setMaxImagePixels(maxImagePixels);
        Backends.provider(backend);
        Path dir = out.toAbsolutePath().getParent();
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("--out " + out + ": the folder " + dir + " does not exist");
        }
        Checkpoint.Contents ckpt = Checkpoint.read(checkpoint);
        Datasets.Splits splits = Datasets.load(dataset, data, TrainCommand.home(), imageSize);
        Dataset images = split.equals("train") ? splits.train() : splits.test();
        if (images.n() == 0) {
            throw new IllegalArgumentException("the " + split + " split of " + dataset + " has no images");
        }
        PrintStream console = new PrintStream(System.out, true);
        try (Backend be = Backends.create(backend, threads); Network net = Evaluator.load(ckpt, be, images)) {
            Embeddings.Result e = Embeddings.compute(be, net, images, kind, batch, console);
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put("format", "pauc-embeddings/1");
            meta.put("checkpoint", checkpoint.toString());
            meta.put("dataset", images.name());
            meta.put("output", output);
            meta.put("encoder", ckpt.config().model().encoder().label());
            Embeddings.write(e, images, meta, out);
            spec.commandLine().getOut().println("wrote " + out + " (" + e.n() + " × " + e.d() + ") and "
                    + Embeddings.sourcesFile(out));
        }
        return 0;
    }
}
