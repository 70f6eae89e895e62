package org.pauc.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.pauc.backend.Backend;
import org.pauc.backend.Buffer;
import org.pauc.checkpoint.Checkpoint;
import org.pauc.config.TrainConfig;
import org.pauc.io.AtomicFile;
import org.pauc.io.InputException;
import org.pauc.io.SafeTensors;
import org.pauc.nn.Param;

/**
 * The files of a run: {@code config.json}, {@code log.jsonl} (one line per finished epoch) and
 * {@code checkpoint.safetensors}. An epoch's log line is appended before its checkpoint replaces the previous one,
 * and a resumed run keeps exactly as many log lines as the checkpoint has epochs, so after a kill at any moment the
 * log and the checkpoint agree again once the run resumes.
 */
final class RunDirectory {
    static final String CONFIG = "config.json";
    static final String LOG = "log.jsonl";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    /** False on the processes of a distributed run other than rank 0: they read the run directory, never write it. */
    private final boolean writes;

    RunDirectory(Path dir) throws IOException {
        this(dir, true);
    }

    RunDirectory(Path dir, boolean writes) throws IOException {
        AtomicFile.checkFolder(dir, "the run directory");
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new InputException(dir, "cannot create the run directory (" + e.getClass().getSimpleName() + ")");
        }
        if (!Files.isWritable(dir)) {
            throw new InputException(dir, "the run directory is not writable");
        }
        this.dir = dir;
        this.writes = writes;
        if (writes) {
            removeStaleTemporaries();
        }
    }

    Path checkpointFile() {
        return dir.resolve(Checkpoint.FILE);
    }

    /** Temporary files of writes that a kill interrupted. */
    private void removeStaleTemporaries() throws IOException {
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, "." + Checkpoint.FILE + "*.tmp")) {
            for (Path p : s) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** A fresh run: writes the configuration and starts an empty log. */
    void start(TrainConfig cfg) throws IOException {
        if (!writes) {
            return;
        }
        AtomicFile.writeString(dir.resolve(CONFIG), cfg.toJson() + "\n");
        Files.deleteIfExists(dir.resolve(LOG));
    }

    /**
     * The checkpoint to resume from, or null when the run has none yet. A checkpoint path that exists but is not a
     * regular file, a checkpoint of another configuration, or a corrupt one is an error, never a fresh start.
     */
    Checkpoint.Contents resume(TrainConfig cfg) throws IOException {
        Path file = checkpointFile();
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            return null;
        }
        Checkpoint.Contents c = Checkpoint.read(file);
        if (!c.config().sameRun(cfg)) {
            throw new InputException(file, "written by another configuration; resume with the same flags (only "
                    + "--threads and --knn-every may differ) or choose another --out");
        }
        if (writes) {
            keepLogLines(c.epochsDone());
        }
        return c;
    }

    /** Truncates log.jsonl to its first {@code n} lines (the epochs the checkpoint holds), atomically. */
    private void keepLogLines(int n) throws IOException {
        Path log = dir.resolve(LOG);
        List<String> lines = Files.exists(log) ? Files.readAllLines(log, StandardCharsets.UTF_8) : List.of();
        if (lines.size() <= n) {
            // fewer only in a log of pauc-checkpoint/1, which appended after the rename: a lost line cannot be rebuilt
            return;
        }
        AtomicFile.writeString(log, String.join("\n", lines.subList(0, n)) + (n > 0 ? "\n" : ""));
    }

    /** Records a finished epoch: its log line first, then the checkpoint (atomically). */
    void finishEpoch(Object logLine, Backend be, MocoLearner learner, TrainConfig cfg, int epochsDone, int processes,
                     int[] input) throws IOException {
        Path log = dir.resolve(LOG);
        long before = Files.exists(log) ? Files.size(log) : 0;
        AtomicFile.append(log, JSON.writeValueAsString(logLine));
        try {
            Checkpoint.write(dir, cfg, epochsDone, learner.queuePointer(), state(be, learner), processes, input);
        } catch (IOException | RuntimeException e) {
            // the checkpoint of the previous epoch stays: so does the log that matches it
            try (FileChannel ch = FileChannel.open(log, StandardOpenOption.WRITE)) {
                ch.truncate(before);
            }
            throw e;
        }
    }

    /** The learner's tensors under the checkpoint's names. */
    static Map<String, SafeTensors.Tensor> state(Backend be, MocoLearner learner) {
        Map<String, SafeTensors.Tensor> t = new LinkedHashMap<>();
        for (Param p : learner.query().params()) {
            t.put("encoder_q." + p.name, tensor(be, p.value, p.shape));
        }
        for (Param p : learner.key().params()) {
            t.put("encoder_k." + p.name, tensor(be, p.value, p.shape));
        }
        for (Param p : learner.query().params()) {
            if (p.trainable) {
                t.put("optimizer." + p.name + ".momentum_buffer", tensor(be, p.velocity, p.shape));
            }
        }
        t.put("queue", tensor(be, learner.queue(), queueShape(learner)));
        return t;
    }

    /** Loads a checkpoint's tensors into the learner; fails naming any tensor that is missing or of another shape. */
    static void restore(Checkpoint.Contents c, Backend be, MocoLearner learner) throws IOException {
        c.loadInto(be, learner.query().params(), "encoder_q.", false);
        c.loadInto(be, learner.key().params(), "encoder_k.", false);
        c.loadInto(be, learner.query().params(), "optimizer.", true);
        SafeTensors.Tensor q = c.tensor("queue", queueShape(learner));
        be.upload(q.data(), 0, learner.queue(), 0, q.data().length);
        learner.setQueuePointer(c.queuePointer());
    }

    private static int[] queueShape(MocoLearner learner) {
        int dim = learner.query().output().size();
        return new int[] {learner.queue().size() / dim, dim};
    }

    private static SafeTensors.Tensor tensor(Backend be, Buffer b, int[] shape) {
        return new SafeTensors.Tensor(shape, be.download(b));
    }
}
