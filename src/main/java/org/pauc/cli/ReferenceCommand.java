package org.pauc.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.pauc.ops.OpEvaluator;
import org.pauc.reference.ReferenceChecker;
import org.pauc.reference.ReferenceGenerator;
import org.pauc.verify.BackendEvaluator;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "reference", mixinStandardHelpOptions = true,
        description = "Reference vectors: language-neutral JSON test cases of the loss contract.",
        subcommands = {ReferenceCommand.Check.class, ReferenceCommand.Generate.class})
final class ReferenceCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "check", mixinStandardHelpOptions = true,
            description = {"Runs every .json reference vector under the paths on a backend and compares its outputs "
                    + "with the expected ones. Prints one line per vector, then 'N passed, M failed'.",
                    "Exit code 0 only if all pass; a malformed file counts as a failure."})
    static final class Check implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Parameters(arity = "1..*", paramLabel = "PATH", description = "Vector files or folders (searched recursively).")
        List<Path> paths;

        @Option(names = "--backend", paramLabel = "NAME", defaultValue = "oracle",
                description = "oracle, cpu, cuda, … or auto (default: ${DEFAULT-VALUE}). A float backend is held to "
                        + "rtol 2e-3, atol 2e-4 or the file's tolerance, whichever is looser.")
        String backend;

        @Option(names = "--threads", paramLabel = "N", defaultValue = "2", description = "CPU threads (default: ${DEFAULT-VALUE}).")
        int threads;

        @Override
        public Integer call() {
            OpEvaluator evaluator = BackendEvaluator.forBackend(backend, threads);
            List<Path> files = ReferenceChecker.collect(paths);
            if (files.isEmpty()) {
                throw new IllegalArgumentException("no .json reference vectors under " + paths);
            }
            var out = spec.commandLine().getOut();
            Tally tally = new Tally(out);
            for (Path f : files) {
                ReferenceChecker.Outcome o = ReferenceChecker.check(f, evaluator);
                if (o.malformed()) {
                    tally.addMalformed(o.line());
                } else {
                    tally.add(o.line(), o.pass());
                }
            }
            return tally.finish();
        }
    }

    @Command(name = "generate", mixinStandardHelpOptions = true,
            description = "Writes reference vectors for every op of the loss contract from the oracle, as DIR/OP/CASE.json.")
    static final class Generate implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Parameters(index = "0", paramLabel = "DIR", description = "Output folder (created if missing).")
        Path dir;

        @Option(names = "--seed", paramLabel = "S", defaultValue = "1", description = "Seed of the random inputs (default: ${DEFAULT-VALUE}).")
        long seed;

        @Override
        public Integer call() throws IOException {
            List<Path> files = ReferenceGenerator.generate(dir, seed);
            spec.commandLine().getOut().println("wrote " + files.size() + " vectors under " + dir);
            return 0;
        }
    }
}
