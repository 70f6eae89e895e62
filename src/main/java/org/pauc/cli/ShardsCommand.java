package org.pauc.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.pauc.data.ShardWriter;
import org.pauc.io.ProgressBar;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "shards", mixinStandardHelpOptions = true,
        description = {"Packs a folder of images (class subfolders give labels) into WebDataset tar shards that "
                + "pauc train reads with --dataset shards:PATTERN. Images keep their bytes; the order is deterministic "
                + "(classes and files sorted by name)."})
final class ShardsCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--input", required = true, paramLabel = "DIR", description = "The folder to pack, e.g. ROOT/train.")
    Path input;
    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Where the shards go (created if needed).")
    Path out;
    @Option(names = "--prefix", defaultValue = "train", description = "Shard name prefix (default: ${DEFAULT-VALUE}).")
    String prefix;
    @Option(names = "--shard-size", defaultValue = "1024", paramLabel = "MB",
            description = "Largest shard in MiB; a shard closes before passing it (default: ${DEFAULT-VALUE}).")
    long shardMiB;

    @Override
    public Integer call() throws Exception {
        if (shardMiB < 1 || shardMiB > 1 << 20) {
            throw new IllegalArgumentException("--shard-size must be in [1, 1048576] MiB, got " + shardMiB);
        }
        if (!prefix.matches("[A-Za-z0-9_.-]+")) {
            throw new IllegalArgumentException("--prefix may hold letters, digits, '_', '.' and '-' only, got '" + prefix + "'");
        }
        ProgressBar[] bar = new ProgressBar[1];
        ShardWriter.Written w = ShardWriter.pack(input, out, prefix, shardMiB << 20, (done, total) -> {
            if (bar[0] == null) {
                bar[0] = new ProgressBar(System.out, "shards", total);
            }
            bar[0].step(done, "images");
        });
        bar[0].done("packed " + w.samples() + " images into " + w.shards().size() + " shards");
        spec.commandLine().getOut().println("train with: --dataset 'shards:" + w.pattern() + "'");
        return 0;
    }
}
