package org.pauc.checkpoint;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.pauc.backend.Backend;
import org.pauc.config.TrainConfig;
import org.pauc.io.InputException;
import org.pauc.io.SafeTensors;
import org.pauc.nn.Param;

/**
 * A run's state after an epoch, as one safetensors file of F32 tensors. The tensors are named by their owner and
 * layer: {@code encoder_q.NAME} (query encoder), {@code encoder_k.NAME} (momentum encoder),
 * {@code optimizer.NAME.momentum_buffer} (SGD velocities), {@code queue}; layer names follow torchvision
 * ({@code backbone.conv1.weight} …), convolution weights are stored kh×kw×cin×cout (pauc's NHWC layout). The
 * metadata holds {@code format} ({@value #FORMAT}), {@code epochs_done}, {@code queue_pointer} and {@code config}
 * (the run's {@link TrainConfig} as JSON). Files of version 1 ({@value #FORMAT_V1}, whose configuration was one
 * flat JSON object) are read too.
 */
public final class Checkpoint {
    public static final String FILE = "checkpoint.safetensors";
    public static final String FORMAT = "pauc-checkpoint/2";
    public static final String FORMAT_V1 = "pauc-checkpoint/1";

    /** A checkpoint as read: its format, configuration, progress and tensors. */
    public record Contents(Path file, String format, TrainConfig config, int epochsDone, int queuePointer,
                           Map<String, SafeTensors.Tensor> tensors, int processes, int[] input) {

        /** The tensor called {@code name}, which must have {@code shape}; a one-line error otherwise. */
        public SafeTensors.Tensor tensor(String name, int[] shape) throws InputException {
            SafeTensors.Tensor t = tensors.get(name);
            if (t == null) {
                throw new InputException(file, "no tensor " + name + " (a checkpoint of another model or configuration?)");
            }
            if (!Arrays.equals(t.shape(), shape)) {
                throw new InputException(file, "tensor " + name + " has shape " + Arrays.toString(t.shape())
                        + ", the model needs " + Arrays.toString(shape));
            }
            return t;
        }

        /** Copies the tensors {@code prefix + p.name + suffix} into the parameters' values (or velocities). */
        public void loadInto(Backend be, List<Param> params, String prefix, boolean velocities) throws InputException {
            for (Param p : params) {
                if (velocities && !p.trainable) {
                    continue;
                }
                SafeTensors.Tensor t = tensor(prefix + p.name + (velocities ? ".momentum_buffer" : ""), p.shape);
                be.upload(t.data(), 0, velocities ? p.velocity : p.value, 0, p.size());
            }
        }
    }

    private Checkpoint() {}

    /** Writes {@code dir/checkpoint.safetensors} atomically (temporary file, fsync, rename). */
    public static void write(Path dir, TrainConfig cfg, int epochsDone, int queuePointer,
                             Map<String, SafeTensors.Tensor> tensors) throws IOException {
        write(dir, cfg, epochsDone, queuePointer, tensors, 1, null);
    }

    /**
     * As above, for a run over {@code processes} processes (recorded as metadata {@code processes} when above 1) on
     * images of shape {@code input} (h, w, c: metadata {@code input}; null: not recorded).
     */
    public static void write(Path dir, TrainConfig cfg, int epochsDone, int queuePointer,
                             Map<String, SafeTensors.Tensor> tensors, int processes, int[] input) throws IOException {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", FORMAT);
        meta.put("epochs_done", Integer.toString(epochsDone));
        meta.put("queue_pointer", Integer.toString(queuePointer));
        meta.put("config", cfg.toJson());
        if (processes > 1) {
            meta.put("processes", Integer.toString(processes));
        }
        if (input != null) {
            meta.put("input", input[0] + "x" + input[1] + "x" + input[2]);
        }
        SafeTensors.write(dir.resolve(FILE), tensors, meta);
    }

    /** Reads and validates a checkpoint of either version; every problem is a one-line {@link InputException}. */
    public static Contents read(Path file) throws IOException {
        SafeTensors.Contents c = SafeTensors.read(file);
        Map<String, String> meta = c.metadata();
        String format = meta.get("format");
        if (!FORMAT.equals(format) && !FORMAT_V1.equals(format)) {
            throw new InputException(file, "not a pauc checkpoint (metadata format is " + format + ")");
        }
        String json = meta.get("config");
        if (json == null) {
            throw new InputException(file, "the checkpoint stores no configuration");
        }
        TrainConfig cfg;
        try {
            cfg = TrainConfig.fromJson(json);
        } catch (IOException e) {
            throw new InputException(file, e.getMessage());
        }
        int epochs = integer(file, meta, "epochs_done", 0, cfg.optimizer().epochs());
        int queuePointer = integer(file, meta, "queue_pointer", 0, cfg.objective().queue() - 1);
        int processes = meta.containsKey("processes") ? integer(file, meta, "processes", 1, 1 << 20) : 1;
        for (Map.Entry<String, SafeTensors.Tensor> t : c.tensors().entrySet()) {
            float[] v = t.getValue().data();
            for (int i = 0; i < v.length; i++) {
                if (!Float.isFinite(v[i])) {
                    throw new InputException(file, "tensor " + t.getKey() + " holds " + v[i] + " at element " + i
                            + ": a checkpoint's values must be finite (a run that diverged, or a corrupt file)");
                }
            }
        }
        return new Contents(file, format, cfg, epochs, queuePointer, c.tensors(), processes, input(file, meta));
    }

    /** The metadata {@code input} (h×w×c of the training images), or null in a checkpoint that does not record it. */
    private static int[] input(Path file, Map<String, String> meta) throws InputException {
        String v = meta.get("input");
        if (v == null) {
            return null;
        }
        String[] p = v.split("x");
        try {
            int[] d = {Integer.parseInt(p[0]), Integer.parseInt(p[1]), Integer.parseInt(p[2])};
            if (p.length == 3 && d[0] > 0 && d[1] > 0 && d[2] > 0) {
                return d;
            }
        } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
            // reported below
        }
        throw new InputException(file, "metadata input = '" + v + "' is not H x W x C (e.g. 28x28x1)");
    }

    private static int integer(Path file, Map<String, String> meta, String key, int min, int max) throws InputException {
        String v = meta.get(key);
        try {
            int x = Integer.parseInt(v);
            if (x < min || x > max) {
                throw new InputException(file, "metadata " + key + " = " + x + " is outside [" + min + ", " + max + "]");
            }
            return x;
        } catch (NumberFormatException e) {
            throw new InputException(file, "metadata " + key + " is " + (v == null ? "missing" : "'" + v + "'")
                    + ", not an integer");
        }
    }
}
