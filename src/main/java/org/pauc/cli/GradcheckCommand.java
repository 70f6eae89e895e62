package org.pauc.cli;

import java.util.List;
import java.util.concurrent.Callable;
import org.pauc.gradcheck.GradCheck;
import org.pauc.ops.AllOps;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "gradcheck", mixinStandardHelpOptions = true,
        description = {"Compares every analytic gradient of the oracle with central finite differences "
                + "(h = 1e-6, double precision) on random and edge-case inputs.",
                "An element passes when |analytic - numeric| <= 1e-7 + 1e-6*|numeric|. Exit code 1 if any check fails."})
final class GradcheckCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--op", paramLabel = "NAME", split = ",",
            description = "Only these ops (comma-separated): losses and layers. Default: all ops with a gradient.")
    List<String> ops = List.of();

    @Option(names = "--seed", paramLabel = "S", defaultValue = "1", description = "Seed of the random inputs (default: ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() {
        for (String op : ops) {
            AllOps.get(op);
        }
        var out = spec.commandLine().getOut();
        var results = GradCheck.run(ops, seed);
        Tally tally = new Tally(out);
        for (GradCheck.Result r : results) {
            tally.add(r.line(), r.pass());
        }
        return tally.finish();
    }
}
