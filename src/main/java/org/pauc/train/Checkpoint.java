package org.pauc.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.pauc.backend.Backend;
import org.pauc.backend.Buffer;
import org.pauc.io.SafeTensors;
import org.pauc.nn.Network;
import org.pauc.nn.Param;

/**
 * A run's state after an epoch, as one safetensors file: the query encoder ("encoder_q.NAME"), the momentum
 * encoder ("encoder_k.NAME"), the SGD velocities ("optimizer.NAME"), the queue; metadata: the configuration
 * (JSON), the number of finished epochs, the queue pointer and the format version. Tensor names follow the
 * layers ("backbone.conv1.weight" …); conv weights are stored kh×kw×cin×cout (pauc's NHWC layout).
 */
public final class Checkpoint {
    public static final String FILE = "checkpoint.safetensors";
    public static final String FORMAT = "pauc-checkpoint/1";

    private Checkpoint() {}

    private static SafeTensors.Tensor tensor(Backend be, Buffer b, int[] shape) {
        return new SafeTensors.Tensor(shape, be.download(b));
    }

    public static void save(Path dir, Backend be, MocoLearner learner, TrainConfig cfg, int epochsDone)
            throws IOException {
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
        int dim = learner.query().output().size();
        t.put("queue", tensor(be, learner.queue(), new int[] {learner.queue().size() / dim, dim}));
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", FORMAT);
        meta.put("epochs_done", Integer.toString(epochsDone));
        meta.put("queue_pointer", Integer.toString(learner.queuePointer()));
        meta.put("config", cfg.toJson());
        SafeTensors.write(dir.resolve(FILE), t, meta);
    }

    /** The metadata and tensors of a checkpoint file, validated as a pauc checkpoint. */
    public static SafeTensors.Contents read(Path file) throws IOException {
        SafeTensors.Contents c = SafeTensors.read(file);
        if (!FORMAT.equals(c.metadata().get("format"))) {
            throw new IOException(file + ": not a pauc checkpoint (metadata format is " + c.metadata().get("format") + ")");
        }
        return c;
    }

    public static boolean exists(Path dir) {
        return Files.isRegularFile(dir.resolve(FILE));
    }

    /** Loads the tensors into the learner's buffers; fails naming any tensor that is missing or of another shape. */
    public static void restore(SafeTensors.Contents c, Backend be, MocoLearner learner, Path file) throws IOException {
        load(c, be, learner.query().params(), "encoder_q.", file, false);
        load(c, be, learner.key().params(), "encoder_k.", file, false);
        load(c, be, learner.query().params(), "optimizer.", file, true);
        SafeTensors.Tensor q = c.tensors().get("queue");
        if (q == null || q.data().length != learner.queue().size()) {
            throw new IOException(file + ": the queue does not match this configuration");
        }
        be.upload(q.data(), 0, learner.queue(), 0, q.data().length);
        learner.setQueuePointer(Integer.parseInt(c.metadata().get("queue_pointer")));
    }

    private static void load(SafeTensors.Contents c, Backend be, List<Param> params, String prefix, Path file,
                             boolean velocities) throws IOException {
        for (Param p : params) {
            if (velocities && !p.trainable) {
                continue;
            }
            String name = prefix + p.name + (velocities ? ".momentum_buffer" : "");
            SafeTensors.Tensor t = c.tensors().get(name);
            if (t == null || t.data().length != p.size()) {
                throw new IOException(file + ": tensor " + name + (t == null ? " is missing" : " has "
                        + t.data().length + " values, the model needs " + p.size()) + " (incompatible configuration?)");
            }
            be.upload(t.data(), 0, velocities ? p.velocity : p.value, 0, p.size());
        }
    }
}
