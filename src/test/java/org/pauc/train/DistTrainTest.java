package org.pauc.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pauc.backend.Backend;
import org.pauc.backend.Backends;
import org.pauc.checkpoint.Checkpoint;
import org.pauc.config.TrainConfig;
import org.pauc.dist.Collective;
import org.pauc.dist.Local;
import org.pauc.nn.Dims;
import org.pauc.nn.Models;
import org.pauc.nn.Network;
import org.pauc.data.ShardWriter;
import org.pauc.testing.MpiRun;
import org.pauc.testing.TinyImages;

/**
 * Data-parallel training under {@code mpirun -np 2} ({@link DistTrainProbe}, and the command line) against one process:
 * the same steps within a float tolerance, weights identical across processes, a resumed run identical to an
 * uninterrupted one, a checkpoint of 2 processes resumed by 1, and a killed process ending the job.
 */
class DistTrainTest {

    /** The steps' terms that a run printed, in order. */
    static List<double[]> steps(String out, int epochs, int steps) {
        List<double[]> all = new ArrayList<>();
        for (int e = 0; e < epochs; e++) {
            for (int s = 0; s < steps; s++) {
                String[] v = MpiRun.value(out, 0, "step " + e + "." + s).split(" ");
                double[] d = new double[v.length];
                for (int i = 0; i < v.length; i++) {
                    d[i] = Double.parseDouble(v[i]);
                }
                all.add(d);
            }
        }
        return all;
    }

    static String oneProcess(String method, int epochs, int warmup, int bnSplits, Path dir, boolean resume)
            throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true);
        Trainer.run(DistTrainProbe.config(method, epochs, warmup, bnSplits), new Trainer.Options(TrainerTest.data(), dir,
                resume, out, Integer.MAX_VALUE, List.of(DistTrainProbe.printer(out, 0)), false,
                Local.INSTANCE));
        return bytes.toString();
    }

    static MpiRun.Result probe(Path dir, String name, String... more) throws Exception {
        List<String> args = new ArrayList<>(List.of("pauc", "2", "1", dir.resolve(name).toString(), "1"));
        args.addAll(List.of(more));
        MpiRun.Result r = MpiRun.run(2, DistTrainProbe.class.getName(), args, dir.resolve(name + ".log"), 300);
        assertEquals(0, r.exit(), r.output());
        return r;
    }

    /**
     * 2 processes with global batch 32 against one process with batch 32 and two batch-norm groups (the same groups
     * for queries and, shuffled, for keys), 2 epochs (the warm-up, then one with the E-step): every step's six terms
     * within 1e-6 relative in the warm-up and 1e-3 after it. The two sum gradients in different orders (each process's
     * GEMM over its half, then the rank-order sum, against one GEMM over the batch): about 1e-8 per step, which
     * training amplifies to about 1e-4 by the 24th step. Then the same run stopped after its first epoch and resumed
     * on 2 processes ends with the uninterrupted run's tensors to the bit, and one process continues it too.
     */
    @Test
    void twoProcessesMatchOneProcessStepByStepAndResume(@TempDir Path dir) throws Exception {
        MpiRun.Result r = probe(dir, "np2");
        List<double[]> a = steps(r.output(), 2, 12);
        List<double[]> b = steps(oneProcess("pauc", 2, 1, 2, dir.resolve("np1"), false), 2, 12);
        for (int i = 0; i < a.size(); i++) {
            for (int t = 0; t < a.get(i).length; t++) {
                double diff = Math.abs(a.get(i)[t] - b.get(i)[t]) / (1 + Math.abs(b.get(i)[t]));
                assertTrue(diff < (i < 12 ? 1e-6 : 1e-3), "step " + i + " term " + t + ": " + a.get(i)[t] + " (2 processes) "
                        + "against " + b.get(i)[t] + " (one)");
            }
        }
        MpiRun.Result first = probe(dir, "resumed", "stop=1");
        assertEquals(1, Checkpoint.read(dir.resolve("resumed").resolve(Checkpoint.FILE)).epochsDone(), first.output());
        assertEquals(2, Checkpoint.read(dir.resolve("resumed").resolve(Checkpoint.FILE)).processes());
        Files.createDirectories(dir.resolve("by-one"));
        for (String f : List.of("config.json", "log.jsonl", Checkpoint.FILE)) {
            Files.copy(dir.resolve("resumed").resolve(f), dir.resolve("by-one").resolve(f));
        }
        probe(dir, "resumed", "resume");
        TrainerTest.assertSameTensors(dir.resolve("np2"), dir.resolve("resumed"), "resumed on 2 processes");
        assertEquals(2, Files.readAllLines(dir.resolve("resumed").resolve("log.jsonl")).size());
        // the same flags (so the same global batch) on one process: it says so and finishes the run
        String console = oneProcess("pauc", 2, 1, 1, dir.resolve("by-one"), true);
        assertTrue(console.contains("the checkpoint was written by 2 process(es); resuming on 1 with the same global "
                + "batch (--batch-size 32)"), console);
        assertEquals(2, Checkpoint.read(dir.resolve("by-one").resolve(Checkpoint.FILE)).epochsDone());
        assertEquals(1, Checkpoint.read(dir.resolve("by-one").resolve(Checkpoint.FILE)).processes());
    }

    /** A collective whose other process holds other weights. */
    static final class Disagreeing implements Collective {
        @Override public int rank() { return 0; }
        @Override public int size() { return 2; }
        @Override public String describe() { return "two processes that disagree"; }
        @Override public void allReduceSum(float[] a, int off, int len) {}
        @Override public void allReduceSum(double[] a, int off, int len) {}
        @Override public void allGather(float[] local, float[] all, int[] counts) {}
        @Override public void allGather(int[] local, int[] all, int[] counts) {}
        @Override public void allGather(long[] local, long[] all, int[] counts) {
            all[0] = local[0];
            all[1] = local[0] + 1;
        }
        @Override public void allGatherInPlace(MemorySegment all, long[] bytes) {}
        @Override public void broadcast(byte[] a, int root) {}
        @Override public void barrier() {}
        @Override public void abort(int code) {}
        @Override public void close() {}
    }

    @Test
    void weightsThatDifferAcrossProcessesStopTheRun() throws Exception {
        try (Backend be = Backends.create("cpu", 1)) {
            Network q = Models.create(TrainConfig.Encoder.SMALL_CNN, be, 1, new Dims(8, 8, 1), 8);
            Network k = Models.create(TrainConfig.Encoder.SMALL_CNN, be, 1, new Dims(8, 8, 1), 8);
            try (MocoLearner l = new MocoLearner(be, q, k, 16, 1, MocoLearner.Hyper.PCL)) {
                Distributed.checkSameWeights(Local.INSTANCE, be, l, 1);
                IllegalStateException e = assertThrows(IllegalStateException.class,
                        () -> Distributed.checkSameWeights(new Disagreeing(), be, l, 3));
                assertTrue(e.getMessage().contains("after epoch 3 the weights of rank 1 differ"), e.getMessage());
            }
        }
    }

    /** {@code pauc train} of the command line under mpirun, with the flags of {@link KillTest}. */
    static List<String> train(Path run, boolean resume, String... more) {
        List<String> args = new ArrayList<>(List.of("train"));
        args.addAll(KillTest.FLAGS);
        args.addAll(List.of("--threads", "1", resume ? "--resume" : "--out", run.toString()));
        args.addAll(List.of(more));
        return args;
    }

    @Test
    void aKilledProcessEndsTheJobAndTheRunResumes(@TempDir Path dir) throws Exception {
        Path run = dir.resolve("run");
        ProcessBuilder pb = new ProcessBuilder(MpiRun.command(2, "org.pauc.cli.Main", train(run, false)))
                .redirectErrorStream(true).redirectOutput(new File(dir.resolve("killed.log").toString()));
        pb.environment().put("OMPI_ALLOW_RUN_AS_ROOT", "1");
        pb.environment().put("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1");
        Process p = pb.start();
        Path ckpt = run.resolve(Checkpoint.FILE);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!Files.exists(ckpt) && p.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertTrue(Files.exists(ckpt), "no checkpoint: " + Files.readString(dir.resolve("killed.log")));
        List<ProcessHandle> ranks = p.descendants().filter(h -> h.info().command().orElse("").endsWith("java")).toList();
        assertEquals(2, ranks.size(), "two java ranks");
        long t0 = System.nanoTime();
        ranks.get(1).destroyForcibly();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the job still runs 60 s after a rank was killed");
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertNotEquals(0, p.exitValue());
        assertTrue(seconds < 60, seconds + " s");
        int done = Checkpoint.read(ckpt).epochsDone();
        assertTrue(done >= 1 && done < 4, "epochs done " + done);
        MpiRun.Result r = MpiRun.run(2, "org.pauc.cli.Main", train(run, true), dir.resolve("resume.log"), 300);
        assertEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains("resuming " + run + " after epoch " + done), r.output());
        assertEquals(4, Checkpoint.read(ckpt).epochsDone());
        assertEquals(4, Files.readAllLines(run.resolve("log.jsonl")).size());
    }

    @Test
    void twoProcessesTrainFromStreamedShards(@TempDir Path dir) throws Exception {
        TinyImages.imagenetTree(dir.resolve("tree"), 3, 6, 2, 40, 11);
        ShardWriter.Written w = ShardWriter.pack(dir.resolve("tree/train"), dir.resolve("shards"), "train", 20_000,
                (done, total) -> { });
        Path run = dir.resolve("run");
        MpiRun.Result r = MpiRun.run(2, "org.pauc.cli.Main", List.of("train", "--dataset", "shards:" + w.pattern(),
                "--image-size", "32", "--method", "pcl", "--clusters", "3", "--warmup-epochs", "1", "--neg-prototypes",
                "1", "--batch-size", "8", "--queue", "16", "--dim", "16", "--epochs", "2", "--backend", "cpu",
                "--threads", "1", "--out", run.toString()), dir.resolve("shards.log"), 300);
        assertEquals(0, r.exit(), r.output());
        assertEquals(2, Checkpoint.read(run.resolve(Checkpoint.FILE)).epochsDone());
        assertTrue(Files.isRegularFile(run.resolve("index-train.bin")), "the index is cached in the run directory");
        try (var files = Files.list(run)) {
            List<String> names = files.map(f -> f.getFileName().toString()).sorted().toList();
            assertTrue(names.stream().noneMatch(n -> n.endsWith(".tmp") || n.endsWith(".f32")), names.toString());
        }
    }

    @Test
    void badInputOnTheCommandLineEndsEveryProcessWithExit2(@TempDir Path dir) throws Exception {
        MpiRun.Result r = MpiRun.run(2, "org.pauc.cli.Main", train(dir.resolve("odd"), false, "--bn-splits", "3"),
                dir.resolve("odd.log"), 120);
        assertEquals(2, r.exit(), r.output());
        assertTrue(r.output().contains("pauc: error: [rank "), r.output());
        assertTrue(r.output().contains("--bn-splits 3 does not divide each process's share 16 of --batch-size 32"),
                r.output());
    }
}
