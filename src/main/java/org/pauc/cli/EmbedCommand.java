package org.pauc.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.pauc.backend.Backend;
import org.pauc.checkpoint.Checkpoint;
import org.pauc.data.Dataset;
import org.pauc.data.Datasets;
import org.pauc.eval.Embeddings;
import org.pauc.eval.Evaluator;
import org.pauc.nn.Network;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
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
    @Mixin
    ImageOptions images;
    @Option(names = "--split", defaultValue = "test", description = "train or test (default: ${DEFAULT-VALUE}); a folder without test/ has only train.")
    String split;
    @Option(names = "--output", defaultValue = "features", description = "features (backbone) or projections (l2-normalised head output) (default: ${DEFAULT-VALUE}).")
    String output;
    @Option(names = "--out", required = true, paramLabel = "FILE", description = "Where to write: .safetensors, .npy or .csv.")
    Path out;
    @Option(names = "--batch-size", defaultValue = "256", description = "Images per forward pass (default: ${DEFAULT-VALUE}).")
    int batch;
    @Mixin
    ComputeOptions compute;

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
        images.check();
        compute.check();
        Embeddings.checkOutput(out);
        Checkpoint.Contents ckpt = Checkpoint.read(checkpoint);
        Datasets.Splits splits = images.load(ckpt.config());
        Dataset chosen = split.equals("train") ? splits.train() : splits.test();
        if (chosen.n() == 0) {
            throw new IllegalArgumentException("the " + split + " split of " + images.dataset + " has no images");
        }
        PrintStream console = new PrintStream(System.out, true);
        try (Backend be = compute.create(); Network net = Evaluator.load(ckpt, be, chosen)) {
            Embeddings.Result e = Embeddings.compute(be, net, chosen, kind, batch, console);
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put("format", "pauc-embeddings/1");
            meta.put("checkpoint", checkpoint.toString());
            meta.put("dataset", chosen.name());
            meta.put("output", output);
            meta.put("encoder", ckpt.config().model().encoder().label());
            Embeddings.write(e, chosen, meta, out);
            spec.commandLine().getOut().println("wrote " + out + " (" + e.n() + " × " + e.d() + ") and "
                    + Embeddings.sourcesFile(out));
        }
        return 0;
    }
}
