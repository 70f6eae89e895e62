package org.pauc.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"The main job: trains PAUC on the embedded Fashion-MNIST subset with the default recipe, then "
                + "evaluates it next to the raw-pixel and random-encoder baselines: the table, eval.json and the "
                + "plots in the run directory. About 2 minutes on 2 cores (1.5 to 3 measured)."})
final class DemoCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--out", defaultValue = "runs/demo", paramLabel = "DIR", description = "Run directory (default: ${DEFAULT-VALUE}).")
    Path out;
    @Option(names = "--epochs", defaultValue = "20", description = "Training epochs (default: ${DEFAULT-VALUE}).")
    int epochs;
    @Option(names = "--method", defaultValue = "pauc", description = "moco, pcl or pauc (default: ${DEFAULT-VALUE}).")
    String method;
    @Option(names = "--threads", defaultValue = "2", description = "CPU threads (default: ${DEFAULT-VALUE}).")
    int threads;

    @Override
    public Integer call() {
        var o = spec.commandLine().getOut();
        var e = spec.commandLine().getErr();
        o.println("pauc demo: " + method + " for " + epochs + " epochs on the embedded Fashion-MNIST subset, then eval");
        o.flush();
        List<String> train = new ArrayList<>(List.of("train", "--method", method, "--epochs", Integer.toString(epochs),
                "--out", out.toString(), "--threads", Integer.toString(threads), "--knn-every", "5"));
        int code = Main.execute(train.toArray(String[]::new), new PrintWriter(o, true), new PrintWriter(e, true));
        if (code != 0) {
            return code;
        }
        return Main.execute(new String[] {"eval", "--checkpoint", out.resolve("checkpoint.safetensors").toString(),
            "--threads", Integer.toString(threads)}, new PrintWriter(o, true), new PrintWriter(e, true));
    }
}
