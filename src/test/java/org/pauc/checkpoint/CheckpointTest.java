package org.pauc.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pauc.config.Settings;
import org.pauc.config.TrainConfig;
import org.pauc.data.Datasets;
import org.pauc.hostmath.VectorWidth;
import org.pauc.io.InputException;
import org.pauc.io.SafeTensors;
import org.pauc.train.Trainer;

class CheckpointTest {
    /** The committed file: epoch 1 of 2 written by pauc-checkpoint/1 (the flat configuration of that version). */
    static final Path V1 = Path.of("src/test/resources/checkpoint-v1");

    /** The run that wrote it, as flags of that version. */
    static final TrainConfig V1_CONFIG = Settings.set(TrainConfig.DEFAULTS, Map.ofEntries(Map.entry("limit", 256),
            Map.entry("epochs", 2), Map.entry("warmup-epochs", 1), Map.entry("clusters", List.of(4, 8)),
            Map.entry("queue", 48), Map.entry("dim", 8), Map.entry("batch-size", 32), Map.entry("seed", 3),
            Map.entry("neg-prototypes", 4), Map.entry("correlation", "offdiag"), Map.entry("terms-start", "first-step")));

    /**
     * A run of pauc-checkpoint/1's code (the release a7bdbfb) stopped after its first epoch, recorded on a machine whose
     * preferred float vector has {@code lanes} lanes, and the SHA-256 of every tensor (names in order, each name's bytes
     * then its floats little-endian) that today's code reaches when it resumes that run to its end. Training forms some
     * sums a vector at a time, so its bits depend on the vector width: the same machine gives the same bits, and each
     * width has its own recording. The digests were re-based three times, each time on purpose, when a change of
     * speed changed an order of sums: the 8-lane one when the GEMM's register block on 16-register machines went from
     * 8 rows to 5 (a partial tile adds each k-slice's sum to C at once, so which rows fall in one changes their last
     * bits); both when the convolution's weight gradient was cut into chunks that share out evenly over the threads (a
     * batch of 32 at 14×14 went from chunks of 10, 10, 10 and 2 images to four of 8, so its partial sums group other
     * images); both when the softmax of InfoNCE and ProtoNCE took e^x from a vector polynomial (within one ulp of
     * Math.exp's) and summed it in double lanes instead of in column order.
     */
    record V1Recording(int lanes, Path dir, String finalDigest) {}

    static final List<V1Recording> V1_RECORDINGS = List.of(
            new V1Recording(16, V1, "811325aac786363afe99646273ddd44a47144b4869a81c61b41fc5cbbac03ff1"),
            new V1Recording(8, Path.of("src/test/resources/checkpoint-v1-8lanes"),
                    "16ab41dc8b65ed1ae28ebac4f8b02e767f170d665ff09ceb3188c47f422cda16"));

    static String digest(Map<String, SafeTensors.Tensor> tensors) throws NoSuchAlgorithmException {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        for (var e : new TreeMap<>(tensors).entrySet()) {
            md.update(e.getKey().getBytes(StandardCharsets.UTF_8));
            ByteBuffer b = ByteBuffer.allocate(4 * e.getValue().data().length).order(ByteOrder.LITTLE_ENDIAN);
            b.asFloatBuffer().put(e.getValue().data());
            md.update(b.array());
        }
        return HexFormat.of().formatHex(md.digest());
    }

    @Test
    void aVersion1CheckpointReadsWithItsConfiguration() throws IOException {
        for (V1Recording r : V1_RECORDINGS) {
            Checkpoint.Contents c = Checkpoint.read(r.dir().resolve(Checkpoint.FILE));
            assertEquals(Checkpoint.FORMAT_V1, c.format());
            assertEquals(V1_CONFIG, c.config());
            assertEquals(1, c.epochsDone());
            assertEquals(8 * 32 % 48, c.queuePointer());
        }
    }

    @Test
    void aVersion1RunResumesToTheWeightsThatVersionReached(@TempDir Path dir) throws Exception {
        int lanes = VectorWidth.FLOAT.length();
        V1Recording v1 = V1_RECORDINGS.stream().filter(r -> r.lanes() == lanes).findFirst().orElse(null);
        if (v1 == null) {
            System.out.println("[checkpoint] no version-1 recording for " + lanes + " float lanes: resume test skipped");
            Assumptions.abort("no recording for " + lanes + " lanes");
        }
        Files.copy(v1.dir().resolve(Checkpoint.FILE), dir.resolve(Checkpoint.FILE));
        Files.copy(v1.dir().resolve("log.jsonl"), dir.resolve("log.jsonl"));
        var data = Datasets.load(Datasets.Request.of(Datasets.SMALL, Path.of("."), 28)).train().head(256);
        Trainer.run(V1_CONFIG, Trainer.Options.of(data, dir, new PrintStream(new ByteArrayOutputStream())).resuming(true));
        Checkpoint.Contents c = Checkpoint.read(dir.resolve(Checkpoint.FILE));
        assertEquals(Checkpoint.FORMAT, c.format());
        assertEquals(2, c.epochsDone());
        assertEquals(v1.finalDigest(), digest(c.tensors()), "resumed on a machine with " + lanes + " float lanes");
        assertEquals(2, Files.readAllLines(dir.resolve("log.jsonl")).size());
    }

    static Path rewrite(Path dir, Map<String, String> meta, Map<String, SafeTensors.Tensor> tensors) throws IOException {
        Path d = Files.createDirectories(dir.resolve("bad"));
        SafeTensors.write(d.resolve(Checkpoint.FILE), tensors, meta);
        return d.resolve(Checkpoint.FILE);
    }

    @Test
    void malformedMetadataAndTensorsAreOneLineInputErrors(@TempDir Path dir) throws IOException {
        SafeTensors.Contents raw = SafeTensors.read(V1.resolve(Checkpoint.FILE));
        for (var bad : List.of(Map.of("epochs_done", "-3"), Map.of("epochs_done", "7"), Map.of("epochs_done", "x"),
                Map.of("queue_pointer", "48"), Map.of("format", "pauc-checkpoint/9"), Map.of("config", "{\"lr\": 1}"))) {
            Map<String, String> meta = new LinkedHashMap<>(raw.metadata());
            meta.putAll(bad);
            Path f = rewrite(dir, meta, raw.tensors());
            var e = assertThrows(InputException.class, () -> Checkpoint.read(f), bad.toString());
            assertTrue(e.getMessage().startsWith(f.toString()) && !e.getMessage().contains("\n"), e.getMessage());
        }
        Map<String, SafeTensors.Tensor> reshaped = new LinkedHashMap<>(raw.tensors());
        SafeTensors.Tensor bias = reshaped.get("encoder_q.head.fc2.bias");
        reshaped.put("encoder_q.head.fc2.bias", new SafeTensors.Tensor(new int[] {2, 4}, bias.data()));
        Checkpoint.Contents c = Checkpoint.read(rewrite(dir, raw.metadata(), reshaped));
        var e = assertThrows(InputException.class, () -> c.tensor("encoder_q.head.fc2.bias", new int[] {8}));
        assertTrue(e.getMessage().contains("has shape [2, 4], the model needs [8]"), e.getMessage());
    }
}
