package org.pauc.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.pauc.config.TrainConfig;
import org.pauc.experiment.Report;
import org.pauc.experiment.Runner;
import org.pauc.experiment.Spec;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "experiment", mixinStandardHelpOptions = true,
        description = {"Runs a grid of configurations × seeds (a JSON spec, see experiments/) under one budget: trains "
                + "each run into OUT/CONFIG/seed-S, evaluates it, and writes results.csv, summary.md/csv and plots to "
                + "OUT. Interrupted experiments continue where they stopped: rerun the same command.",
                "Only runs that finished their epochs are evaluated and reported."})
final class ExperimentCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "SPEC", description = "The experiment's JSON file.")
    Path specFile;
    @Option(names = "--out", paramLabel = "DIR", description = "Output folder (default: runs/experiments/NAME).")
    Path out;
    @Option(names = "--backend", defaultValue = "auto", description = "Backend of every run (default: ${DEFAULT-VALUE}).")
    String backend;
    @Option(names = "--threads", defaultValue = "2", description = "CPU threads per run (default: ${DEFAULT-VALUE}).")
    int threads;
    @Option(names = "--parallel", defaultValue = "1", description = "Runs at a time (default: ${DEFAULT-VALUE}).")
    int parallel;
    @Option(names = "--eval-data", paramLabel = "DIR", description = "Folder of the evaluation dataset's IDX files (overrides the spec).")
    Path evalData;
    @Option(names = "--reference", defaultValue = "pcl", description = "Configuration the others are compared with, paired by seed (default: ${DEFAULT-VALUE}).")
    String reference;
    @Option(names = "--report-only", description = "Only summarise the finished runs.")
    boolean reportOnly;
    @Option(names = "--no-plots", description = "Skip the PNG plots (for a runtime without java.desktop).")
    boolean noPlots;

    @Override
    public Integer call() throws Exception {
        if (parallel < 1 || threads < 1) {
            throw new IllegalArgumentException("need --parallel >= 1 and --threads >= 1");
        }
        Spec s = Spec.read(specFile);
        Path dir = out != null ? out : Path.of("runs", "experiments", s.name());
        var o = spec.commandLine().getOut();
        var console = new PrintStream(System.out, true);
        // every run's configuration was checked when the spec was read
        TrainConfig first = s.config(s.configs().get(0), s.seeds().get(0), backend, threads);
        List<Runner.RunResult> runs;
        if (reportOnly) {
            runs = Runner.collect(s, dir);
        } else {
            Runner.Data data = Runner.data(s, first, TrainCommand.home(), evalData);
            console.println("training on " + data.train().name() + " (" + data.train().n() + " images), evaluating on "
                    + data.eval().name() + " (" + data.eval().n() + " images)");
            runs = Runner.run(s, dir, backend, threads, parallel, data, console);
            console.println("baselines (raw pixels, random encoder) …");
            Runner.baselines(dir, first, data);
        }
        int expected = s.configs().size() * s.seeds().size();
        String md = Report.write(s, runs, Runner.readBaselines(dir), dir, reference, !noPlots);
        o.println();
        o.print(md);
        o.println();
        o.println(runs.size() + " of " + expected + " runs finished; results in " + dir.resolve("summary.md"));
        o.flush();
        return runs.size() == expected ? 0 : 1;
    }
}
