package org.pauc.cli;

import java.io.PrintWriter;
import java.util.Arrays;
import org.pauc.dist.Collectives;
import org.pauc.dist.Mpi;
import org.pauc.hostmath.Gemm;
import org.pauc.hostmath.VectorWidth;
import org.pauc.io.InputException;
import org.pauc.io.WriteException;
import org.pauc.train.Trainer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** The {@code pauc} command line: subcommands, one-line errors, exit codes. */
@Command(name = "pauc", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Prototypical contrastive self-supervised learning (MoCo v2, PCL, PAUC) on the JVM.",
        subcommands = {DemoCommand.class, TrainCommand.class, EvalCommand.class, EmbedCommand.class, ExportCommand.class, ShardsCommand.class, GradcheckCommand.class, ReferenceCommand.class, VerifyCommand.class,
            ExperimentCommand.class, EquivalenceCommand.class, BenchCommand.class,
            CommandLine.HelpCommand.class},
        footer = {"", "The launcher also runs the test suite: ./pauc test"})
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--debug", scope = ScopeType.INHERIT,
            description = "On an unexpected error, print its stack trace as well (also: PAUC_DEBUG=1).")
    boolean debug;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Exit code for bad input: a wrong flag, a malformed file, an invalid configuration. */
    public static final int EXIT_USAGE = 2;

    public static void main(String[] args) {
        System.exit(execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the command line with the given streams and returns the exit code (tests call this). */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new Main());
        TrainCommand.addSettingOptions(cl.getSubcommands().get("train").getCommandSpec());
        cl.setOut(out);
        cl.setErr(err);
        cl.setParameterExceptionHandler((ex, a) -> {
            err.println("pauc: " + oneLine(ex) + " (see '" + ex.getCommandLine().getCommandSpec().qualifiedName()
                    + " --help')");
            return EXIT_USAGE;
        });
        boolean debug = Arrays.asList(args).contains("--debug") || System.getenv("PAUC_DEBUG") != null;
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            boolean badInput = ex instanceof IllegalArgumentException || ex instanceof InputException;
            boolean expected = badInput || ex instanceof Trainer.DivergedException || ex instanceof Mpi.Unavailable
                    || ex instanceof WriteException;
            String where = Collectives.size() > 1 ? "[rank " + Collectives.rank() + "] " : "";
            err.println("pauc: error: " + where + oneLine(ex) + (expected || debug ? ""
                    : " (an unexpected " + ex.getClass().getSimpleName() + "; run again with --debug for its trace)"));
            if (debug) {
                ex.printStackTrace(err);
            }
            int code = badInput || ex instanceof Mpi.Unavailable ? EXIT_USAGE : 1;
            // the other processes of a distributed run may be waiting for this one: end them all with this code
            err.flush();
            Collectives.endAfterError(code);
            return code;
        });
        if (VectorWidth.problem() != null) {
            err.println("pauc: error: " + VectorWidth.problem());
            return EXIT_USAGE;
        }
        if (Gemm.rowsProblem() != null) {
            err.println("pauc: error: " + Gemm.rowsProblem());
            return EXIT_USAGE;
        }
        if (VectorWidth.slowWarning() != null) {
            err.println("pauc: note: " + VectorWidth.slowWarning());
        }
        try {
            return cl.execute(args);
        } catch (OutOfMemoryError e) {
            err.println("pauc: error: out of memory (" + e.getMessage() + "): give the JVM more with "
                    + "PAUC_JAVA_OPTS=-Xmx…, or use less data (--limit) or a smaller model");
            return 1;
        }
    }

    static String oneLine(Throwable t) {
        String m = t.getMessage();
        if (m == null || m.isBlank()) {
            m = t.getClass().getSimpleName();
        }
        return m.replace('\n', ' ');
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"pauc " + (v == null ? "dev" : v) + " (Java " + Runtime.version() + ")"};
        }
    }
}
