package org.pauc.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.pauc.config.Recipes;
import org.pauc.config.Settings;
import org.pauc.config.TrainConfig;
import org.pauc.data.Dataset;
import org.pauc.data.Datasets;
import org.pauc.data.ImageSource;
import org.pauc.dist.Collective;
import org.pauc.dist.Collectives;
import org.pauc.io.Limits;
import org.pauc.train.KnnMonitor;
import org.pauc.train.Trainer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;

/**
 * {@code pauc train}. Its setting flags are not declared here: they are generated from {@link TrainConfig}'s records
 * ({@link Settings}), which hold every default, description and range once.
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false, abbreviateSynopsis = true,
        description = {"Trains MoCo v2, PCL or PAUC and writes the run directory (--out): config.json, log.jsonl "
                + "(one line per epoch) and checkpoint.safetensors (after every epoch). --resume DIR continues a run.",
                "Defaults are PCL's settings scaled to small data (docs/commands.md, 'pauc train')."})
final class TrainCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandSpec spec;

    @Option(names = "--out", paramLabel = "DIR", description = "Run directory (default: runs/METHOD-SEED).")
    Path out;
    @Option(names = "--resume", paramLabel = "DIR", description = "Continue the run in DIR from its checkpoint (same flags).")
    Path resume;
    @Option(names = "--max-image-pixels", paramLabel = "N",
            description = "Refuse images whose header claims more pixels (default: 67108864).")
    long maxImagePixels = Limits.DEFAULT_MAX_IMAGE_PIXELS;
    @Option(names = "--strict-data", description = "Stop with an error at the first image that cannot be read, instead "
            + "of logging it, replacing it by the next readable image and counting it in log.jsonl (skipped).")
    boolean strictData;
    @Option(names = "--recipe", paramLabel = "NAME", description = "Defaults to start from: small (the default, PCL "
            + "scaled to small data) or imagenet (PCL's ImageNet settings: ResNet-50, 224 px, MoCo v2's augmentation, "
            + "batch 256, split BN 8); flags still override them.")
    String recipe = "small";
    @Option(names = "--dist", paramLabel = "MODE", description = "Processes of a data-parallel run: auto (the "
            + "default: MPI when started by mpirun or srun, else one process), mpi, or none. --batch-size is then the "
            + "global batch, shared evenly (docs/distributed.md).")
    String dist = "auto";

    /** Adds one option per setting of {@link TrainConfig} to the {@code train} command. */
    static void addSettingOptions(CommandSpec train) {
        for (Settings.Entry e : Settings.all()) {
            train.addOption(OptionSpec.builder("--" + e.flag()).type(String.class).paramLabel(e.paramLabel())
                    .description(e.help()).build());
        }
    }

    /** The settings the user gave, applied at once to the defaults. */
    static TrainConfig config(CommandLine.ParseResult parsed) {
        return config(parsed, TrainConfig.DEFAULTS);
    }

    static TrainConfig config(CommandLine.ParseResult parsed, TrainConfig base) {
        Map<String, JsonNode> changes = new LinkedHashMap<>();
        for (OptionSpec o : parsed.matchedOptions()) {
            Settings.Entry e = Settings.find(o.longestName());
            if (e != null) {
                changes.put(e.flag(), Settings.parse(e, o.getValue()));
            }
        }
        return Settings.apply(base, changes);
    }

    static Path home() {
        String h = System.getProperty("pauc.home");
        return Path.of(h != null ? h : ".");
    }

    @Override
    public Integer call() throws Exception {
        Collectives.Mode mode = Collectives.Mode.parse(dist);
        TrainConfig cfg = config(spec.commandLine().getParseResult(), Recipes.base(recipe));
        Limits.setMaxImagePixels(maxImagePixels);
        if (resume != null && out != null && !out.equals(resume)) {
            throw new IllegalArgumentException("give either --out or --resume (the run directory), not two different ones");
        }
        Path dir = resume != null ? resume : out != null ? out
                : Path.of("runs", cfg.objective().method().label() + "-" + cfg.run().seed());
        TrainConfig.Data d = cfg.data();
        Collective group = Collectives.open(mode, System.getenv());
        boolean lead = group.rank() == 0;
        PrintStream console = lead ? new PrintStream(System.out, true) : new PrintStream(OutputStream.nullOutputStream());
        Datasets.Sources sources = Datasets.open(Datasets.Request.of(d, home()).withIndexCache(dir),
                console);
        ImageSource train = sources.train();
        Trainer.Options options = Trainer.Options.of(train, dir, console).resuming(resume != null).strict(strictData)
                .distributed(group);
        int every = cfg.run().knnEvery();
        if (every > 0) {
            if (train instanceof Dataset tr && sources.test() instanceof Dataset te && tr.labeled() && te.labeled()) {
                options = options.listen(new KnnMonitor(tr, te, every, cfg.optimizer().epochs(), console));
            } else {
                console.println(train.streamed() ? "--knn-every needs a dataset in memory: ignored for a streamed dataset"
                        : "no labelled test split: --knn-every is ignored");
            }
        }
        Trainer.run(cfg, options);
        Collectives.close();
        if (lead) {
            spec.commandLine().getOut().println("run directory: " + dir);
        }
        return 0;
    }

    /** For tests: the configuration of {@code pauc train ARGS}. */
    static TrainConfig parse(List<String> args) {
        CommandLine cl = new CommandLine(new TrainCommand());
        addSettingOptions(cl.getCommandSpec());
        return config(cl.parseArgs(args.toArray(String[]::new)));
    }
}
