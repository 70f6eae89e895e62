package org.pauc.cli;

import java.util.List;
import java.util.concurrent.Callable;
import org.pauc.backend.Backend;
import org.pauc.backend.Backends;
import org.pauc.backend.Compute;
import org.pauc.verify.Verify;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "verify", mixinStandardHelpOptions = true,
        description = {"Runs every op of the backend interface on random inputs on a backend and on the oracle, and "
                + "compares the outputs: one line per op/case/output, then 'N passed, M failed'.",
                "An element passes when |got - want| <= 1e-5*max(1, max|want|) + 1e-4*|want|. Exit code 1 on any failure."})
final class VerifyCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--backend", paramLabel = "NAME", defaultValue = "auto",
            description = "Backend to verify: cpu, cuda, … or auto, the fastest available (default: ${DEFAULT-VALUE}).")
    String backend;

    @Option(names = "--op", paramLabel = "NAME", split = ",", description = "Only these ops (comma-separated).")
    List<String> ops = List.of();

    @Option(names = "--seed", paramLabel = "S", defaultValue = "1", description = "Seed of the random inputs (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "2", description = "CPU threads (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--precision", paramLabel = "P", defaultValue = "fp32",
            description = "fp32, or bf16: GEMM and convolution inputs rounded to bfloat16, checked against the oracle on "
                    + "the same rounded inputs (float tolerances) and against the float oracle (3% tolerances) "
                    + "(default: ${DEFAULT-VALUE}).")
    String precision;

    @Option(names = "--conv", paramLabel = "C", defaultValue = "auto",
            description = "Convolutions on CUDA: auto, cudnn or im2col (default: ${DEFAULT-VALUE}).")
    String conv;

    @Override
    public Integer call() {
        List<String> known = Verify.ops();
        for (String op : ops) {
            if (!known.contains(op)) {
                throw new IllegalArgumentException("unknown op '" + op + "' (known: " + String.join(", ", known) + ")");
            }
        }
        Compute compute = new Compute(threads, Compute.precision(precision), Compute.conv(conv));
        var out = spec.commandLine().getOut();
        try (Backend test = Backends.create(backend, compute);
             Backend oracle = Backends.create("oracle", Compute.threads(1).withPrecision(compute.precision()))) {
            out.println("verifying " + test.description() + " against the " + oracle.description());
            Tally tally = new Tally(out);
            for (Verify.Result r : Verify.run(test, oracle, ops, seed)) {
                tally.add(r.line(), r.pass());
            }
            if (compute.precision() == Compute.Precision.BF16) {
                try (Backend fp32 = Backends.create("oracle", 1)) {
                    out.println("and against the float32 oracle, at bf16's tolerance");
                    for (Verify.Result r : Verify.run(test, fp32, ops, seed, Verify.BF16)) {
                        tally.add(r.line(), r.pass());
                    }
                }
            }
            return tally.finish();
        }
    }
}
