package org.pauc.train;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;
import org.pauc.config.TrainConfig;
import org.pauc.dist.Collective;
import org.pauc.dist.Collectives;
import org.pauc.objective.Objective;

/**
 * Run under {@code mpirun} by {@link DistTrainTest}: trains {@link TrainerTest#config} on the test data as one of
 * the processes and prints, from rank 0, every step's terms at full precision ({@code [0] step E.S=…}).
 * Arguments: method, epochs, warm-up epochs, run directory, bn-splits per process, then "resume" to continue and
 * "stop=E" to stop after epoch E.
 */
public final class DistTrainProbe {
    private DistTrainProbe() {}

    static TrainConfig config(String method, int epochs, int warmup, int bnSplits) {
        return TrainerTest.config(method, epochs, Map.of("warmup-epochs", warmup, "bn-splits", bnSplits, "threads", 1));
    }

    /** Prints each step's terms as {@code [rank] step E.S=total info proto align unif corr}. */
    static TrainListener printer(PrintStream out, int rank) {
        return new TrainListener() {
            @Override
            public void step(int epoch, int step, Objective.Terms t) {
                out.println("[" + rank + "] step " + epoch + "." + step + "=" + t.total() + " " + t.infoNce() + " "
                        + t.protoNce() + " " + t.align() + " " + t.uniformity() + " " + t.correlation());
            }
        };
    }

    public static void main(String[] args) throws Exception {
        Collective dist = Collectives.open(Collectives.Mode.MPI, Map.of());
        try {
            TrainConfig cfg = config(args[0], Integer.parseInt(args[1]), Integer.parseInt(args[2]),
                    Integer.parseInt(args[4]));
            Trainer.Options o = TrainerTest.options(TrainerTest.data(), Path.of(args[3])).distributed(dist)
                    .listen(printer(System.out, dist.rank()));
            for (int i = 5; i < args.length; i++) {
                o = args[i].equals("resume") ? o.resuming(true) : o.stopAfter(Integer.parseInt(args[i].substring(5)));
            }
            Trainer.run(cfg, o);
        } catch (RuntimeException e) {
            System.out.println("[" + dist.rank() + "] error=" + e.getMessage());
            System.out.flush();
            Collectives.endAfterError(1);
        }
        Collectives.close();
        System.out.println("[" + dist.rank() + "] done=true");
    }
}
