package org.pauc.cli;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.pauc.backend.Backends;
import org.pauc.config.TrainConfig;
import org.pauc.data.Dataset;
import org.pauc.data.Datasets;
import org.pauc.verify.Equivalence;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "equivalence", mixinStandardHelpOptions = true,
        description = {"Trains the same short PAUC run (same seed, data and augmentations) on two backends and compares "
                + "the total loss step by step: one line per step, then the largest relative difference.",
                "A step agrees when |a - b| <= 5e-3 * max(|a|, |b|). Exit code 1 when any step does not."})
final class EquivalenceCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--backend", defaultValue = "cuda", description = "The backend under test (default: ${DEFAULT-VALUE}).")
    String backend;
    @Option(names = "--against", defaultValue = "cpu", description = "The backend it is compared with (default: ${DEFAULT-VALUE}).")
    String against;
    @Option(names = "--epochs", defaultValue = "3", description = "Epochs, the first of them warm-up (default: ${DEFAULT-VALUE}).")
    int epochs;
    @Option(names = "--images", defaultValue = "1024", description = "Training images of the embedded subset (default: ${DEFAULT-VALUE}).")
    int images;
    @Option(names = "--batch-size", defaultValue = "256", description = "Batch size (default: ${DEFAULT-VALUE}).")
    int batch;
    @Option(names = "--precision", defaultValue = "fp32", description = "Precision of the backend under test: fp32 or bf16 (default: ${DEFAULT-VALUE}).")
    String precision;
    @Option(names = "--conv", defaultValue = "auto", description = "Its convolutions: auto, cudnn or im2col (default: ${DEFAULT-VALUE}).")
    String conv;
    @Option(names = "--against-precision", defaultValue = "fp32", description = "Precision of the other side (default: ${DEFAULT-VALUE}).")
    String againstPrecision;
    @Option(names = "--against-conv", defaultValue = "auto", description = "Convolutions of the other side (default: ${DEFAULT-VALUE}).")
    String againstConv;
    @Option(names = "--rtol", defaultValue = "5e-3", description = "A step agrees when |a - b| <= RTOL * max(|a|, |b|) (default: ${DEFAULT-VALUE}).")
    double rtol;
    @Option(names = "--out", defaultValue = "runs/equivalence", paramLabel = "DIR", description = "Where both runs are written (default: ${DEFAULT-VALUE}).")
    Path out;

    @Override
    public Integer call() throws Exception {
        Backends.provider(backend);
        Backends.provider(against);
        Flags.range("--epochs", epochs, 2, 1000);
        Flags.range("--images", images, batch, 10_000);
        Flags.positive("--rtol", rtol, 1);
        var o = spec.commandLine().getOut();
        TrainConfig cfg = Equivalence.config(epochs, batch, images);
        Dataset train = Datasets.load(Datasets.Request.of(cfg.data().dataset(), TrainCommand.home(), 28)).train().head(images);
        Files.createDirectories(out);
        var quiet = new PrintStream(OutputStream.nullOutputStream());
        String a = name(backend, precision, conv);
        String b = name(against, againstPrecision, againstConv);
        Equivalence.Result r = Equivalence.run(cfg.withBackend(backend).withCompute(precision, conv), a,
                cfg.withBackend(against).withCompute(againstPrecision, againstConv), b, train, out, quiet);
        o.printf("%-6s %-5s %14s %14s %10s%n", "epoch", "step", a, b, "rel diff");
        for (Equivalence.Row row : r.rows()) {
            o.printf("%-6d %-5d %14.7f %14.7f %10.2e%s%n", row.epoch() + 1, row.step() + 1, row.a(), row.b(),
                    row.relDiff(), row.relDiff() <= rtol ? "" : "  FAIL");
        }
        boolean ok = !r.rows().isEmpty() && r.maxRelDiff() <= rtol;
        o.printf("%d steps, largest relative difference %.3e (tolerance %.0e): %s%n", r.rows().size(), r.maxRelDiff(),
                rtol, ok ? "PASS" : "FAIL");
        o.flush();
        return ok ? 0 : 1;
    }

    /** A side's name (and run directory): the backend, with the precision and convolutions when not the defaults. */
    private static String name(String backend, String precision, String conv) {
        return backend + (precision.equals("fp32") ? "" : "-" + precision) + (conv.equals("auto") ? "" : "-" + conv);
    }
}
