package org.pauc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pauc.checkpoint.Checkpoint;
import org.pauc.data.ShardWriter;
import org.pauc.io.AtomicFile;
import org.pauc.io.InputException;
import org.pauc.io.SafeTensors;
import org.pauc.testing.TinyImages;

/**
 * The last bad inputs: outputs that would replace special files or folders, corrupt checkpoint headers, non-finite
 * weights, sizes that do not fit, malformed list lines, and write failures (a full disk). Each fails with one line;
 * bad input exits 2, a full disk 1, and nothing half-written stays.
 */
class BadOutputTest {
    static final String V1 = BadInputTest.V1;

    /** A FIFO at {@code p} (mkfifo): a special file that a careless writer would replace. */
    static Path fifo(Path p) throws Exception {
        assertEquals(0, new ProcessBuilder("mkfifo", p.toString()).start().waitFor());
        return p;
    }

    static void assertOneLine(int code, String expected, String... args) {
        CliTest.Run r = CliTest.run(args);
        String cmd = String.join(" ", args);
        assertEquals(code, r.code(), cmd + ": " + r.err() + r.out());
        List<String> lines = r.err().lines().toList();
        assertEquals(1, lines.size(), cmd + ": " + r.err());
        assertTrue(lines.get(0).startsWith("pauc: ") && lines.get(0).contains(expected), cmd + ": " + lines.get(0));
        assertFalse(lines.get(0).contains("unexpected"), cmd + ": " + lines.get(0));
    }

    static List<String> leftovers(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".tmp")).toList();
        }
    }

    @Test
    void anOutputThatIsNotARegularFileIsRefusedBeforeAnythingIsWritten(@TempDir Path dir) throws Exception {
        Path pipe = fifo(dir.resolve("pipe.safetensors"));
        assertOneLine(2, "not a regular file", "embed", "--checkpoint", V1, "--out", pipe.toString());
        assertOneLine(2, "not a regular file", "export", "--checkpoint", V1, "--out", pipe.toString());
        assertOneLine(2, "not a regular file", "eval", "--checkpoint", V1, "--json", pipe.toString());
        assertTrue(Files.exists(pipe) && !Files.isRegularFile(pipe) && !Files.isDirectory(pipe), "the FIFO is still one");
        Path folder = Files.createDirectories(dir.resolve("existing.onnx"));
        assertOneLine(2, "is an existing folder", "export", "--checkpoint", V1, "--out", folder.toString());
        assertOneLine(2, "is an existing folder", "eval", "--checkpoint", V1, "--json", folder.toString());
        assertOneLine(2, "--out is empty", "export", "--checkpoint", V1, "--out", "");
        assertOneLine(2, "which holds no regular files", "export", "--checkpoint", V1, "--out", "/proc/pauc-model.onnx");
        assertOneLine(2, "must end in .safetensors, .npy or .csv", "embed", "--checkpoint", V1, "--out",
                dir.resolve("x.txt").toString());
        assertOneLine(2, "is a file, not a folder", "shards", "--input", dir.toString(), "--out",
                Files.writeString(dir.resolve("file"), "x").toString());
        assertEquals(List.of(), leftovers(dir));
        // the writer itself, for every other output
        assertThrows(InputException.class, () -> AtomicFile.writeString(pipe, "x"));
        assertThrows(InputException.class, () -> AtomicFile.append(pipe, "x"));
        assertThrows(InputException.class, () -> AtomicFile.writeString(folder, "x"));
    }

    /** The v1 checkpoint's bytes with its header replaced by {@code header} (padded with spaces to a multiple of 8). */
    static Path withHeader(Path dir, String header) throws IOException {
        byte[] all = Files.readAllBytes(Path.of(V1));
        long n = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN).getLong();
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        int padded = (h.length + 7) / 8 * 8;
        ByteBuffer out = ByteBuffer.allocate(8 + padded + all.length - 8 - (int) n).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(padded).put(h);
        for (int i = h.length; i < padded; i++) {
            out.put((byte) ' ');
        }
        out.put(all, 8 + (int) n, all.length - 8 - (int) n);
        Path p = dir.resolve("checkpoint-" + Integer.toHexString(header.hashCode()) + ".safetensors");
        Files.write(p, out.array());
        return p;
    }

    static String header() throws IOException {
        byte[] all = Files.readAllBytes(Path.of(V1));
        long n = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN).getLong();
        return new String(all, 8, (int) n, StandardCharsets.UTF_8).strip();
    }

    @Test
    void aHeaderWithADuplicateKeyOrTextAfterItsObjectIsRefused(@TempDir Path dir) throws Exception {
        String h = header();
        assertOneLine(2, "bytes other than spaces after its JSON object", "eval", "--checkpoint",
                withHeader(dir, h + " garbage!!").toString());
        assertOneLine(2, "bytes other than spaces after its JSON object", "eval", "--checkpoint",
                withHeader(dir, h + "garbage!!").toString());
        int first = h.indexOf("\"encoder_q.");
        int colon = h.indexOf(':', first);
        int end = h.indexOf('}', colon) + 1;
        String entry = h.substring(first, end);
        String twice = h.substring(0, first) + entry + "," + h.substring(first);
        assertOneLine(2, "names '" + entry.substring(1, entry.indexOf('"', 1)) + "' twice", "eval", "--checkpoint",
                withHeader(dir, twice).toString());
        // a well-formed header is still read
        assertEquals(1, Checkpoint.read(withHeader(dir, h)).epochsDone());
    }

    @Test
    void aCheckpointWithNonFiniteWeightsIsMalformed(@TempDir Path dir) throws Exception {
        for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY}) {
            SafeTensors.Contents c = SafeTensors.read(Path.of(V1));
            Map<String, SafeTensors.Tensor> t = new LinkedHashMap<>(c.tensors());
            String name = "encoder_q.backbone.conv2.weight";
            float[] v = t.get(name).data().clone();
            v[3] = bad;
            t.put(name, new SafeTensors.Tensor(t.get(name).shape(), v));
            Path run = Files.createDirectories(dir.resolve("run-" + bad));
            SafeTensors.write(run.resolve(Checkpoint.FILE), t, c.metadata());
            Files.copy(Path.of(V1).resolveSibling("log.jsonl"), run.resolve("log.jsonl"));
            String ckpt = run.resolve(Checkpoint.FILE).toString();
            String expected = "tensor " + name + " holds " + bad;
            assertOneLine(2, expected, "eval", "--checkpoint", ckpt);
            assertOneLine(2, expected, "embed", "--checkpoint", ckpt, "--out", dir.resolve("e.npy").toString());
            assertOneLine(2, expected, "export", "--checkpoint", ckpt, "--out", dir.resolve("m.onnx").toString());
            assertOneLine(2, expected, "train", "--resume", run.toString(), "--limit", "256", "--epochs", "2",
                    "--warmup-epochs", "1", "--clusters", "4,8", "--queue", "48", "--dim", "8", "--batch-size", "32",
                    "--seed", "3", "--neg-prototypes", "4", "--correlation", "offdiag", "--terms-start", "first-step");
            assertFalse(Files.exists(dir.resolve("e.npy")) || Files.exists(dir.resolve("m.onnx")));
        }
    }

    /** An IDX file: magic, dimensions, bytes. */
    static void idx(Path file, int magic, int[] dims, int payload) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + payload);
        b.putInt(magic);
        for (int d : dims) {
            b.putInt(d);
        }
        Files.write(file, b.array());
    }

    @Test
    void sizesThatDoNotFitAreNamed(@TempDir Path dir) throws Exception {
        // a checkpoint of 28×28×1 images against a folder of 12-pixel RGB images
        TinyImages.classFolders(dir.resolve("small"), 2, 3, 12, 1);
        assertOneLine(2, "was trained on 28×28 images, these are 12×12", "eval", "--checkpoint", V1, "--dataset",
                dir.resolve("small").toString(), "--image-size", "12");
        assertOneLine(2, "was trained on 28×28 images, these are 48×48", "embed", "--checkpoint", V1, "--dataset",
                dir.resolve("small").toString(), "--image-size", "48", "--out", dir.resolve("e.npy").toString(),
                "--split", "train");
        // a checkpoint that records its input shape: channels too
        SafeTensors.Contents c = SafeTensors.read(Path.of(V1));
        Map<String, String> meta = new LinkedHashMap<>(c.metadata());
        meta.put("input", "28x28x1");
        Path recorded = dir.resolve("recorded.safetensors");
        SafeTensors.write(recorded, c.tensors(), meta);
        assertOneLine(2, "was trained on 28×28×1 images, these are 28×28×3", "eval", "--checkpoint", recorded.toString(),
                "--dataset", dir.resolve("small").toString(), "--image-size", "28");
        // IDX: test images of another size than the training images; a label file one short, whatever --limit
        Path idx = Files.createDirectories(dir.resolve("idx"));
        idx(idx.resolve("train-images-idx3-ubyte"), 0x803, new int[] {600, 28, 28}, 600 * 28 * 28);
        idx(idx.resolve("train-labels-idx1-ubyte"), 0x801, new int[] {600}, 600);
        idx(idx.resolve("t10k-images-idx3-ubyte"), 0x803, new int[] {50, 20, 20}, 50 * 20 * 20);
        idx(idx.resolve("t10k-labels-idx1-ubyte"), 0x801, new int[] {50}, 50);
        assertOneLine(2, "the test images are 20×20, the training images 28×28", "eval", "--checkpoint", V1,
                "--dataset", "fashion-mnist", "--data", idx.toString());
        idx(idx.resolve("t10k-images-idx3-ubyte"), 0x803, new int[] {50, 28, 28}, 50 * 28 * 28);
        idx(idx.resolve("train-labels-idx1-ubyte"), 0x801, new int[] {599}, 599);
        assertOneLine(2, "599 labels for 600 images", "train", "--dataset", "fashion-mnist", "--data", idx.toString(),
                "--limit", "100", "--out", dir.resolve("run").toString());
    }

    @Test
    void listLinesWithATabMustBePathTabLabel(@TempDir Path dir) throws Exception {
        TinyImages.unlabeled(dir.resolve("img"), 4, 16, 2);
        String first;
        try (Stream<Path> s = Files.list(dir.resolve("img"))) {
            first = s.sorted().findFirst().orElseThrow().toString();
        }
        for (String tail : List.of("\tcat", "\t1.5", "\t0\textra")) {
            Path list = Files.writeString(dir.resolve("list.txt"), first + tail + "\n");
            assertOneLine(2, "line 1: expected PATH<TAB>LABEL", "train", "--dataset", "list:" + list, "--out",
                    dir.resolve("run").toString(), "--image-size", "16");
        }
    }

    @Test
    void aRunThatCannotFitTheHeapIsRefusedWithItsEstimate(@TempDir Path dir) throws Exception {
        TinyImages.imagenetTree(dir.resolve("tree"), 2, 4, 0, 40, 3);
        ShardWriter.Written w = ShardWriter.pack(dir.resolve("tree/train"), dir.resolve("shards"), "train", 1 << 20,
                (done, total) -> { });
        assertOneLine(2, "this run needs at least", "train", "--dataset", "shards:" + w.pattern(), "--image-size", "4096",
                "--encoder", "resnet50", "--batch-size", "8", "--method", "moco", "--queue", "16", "--out",
                dir.resolve("run").toString());
    }

    /** Fills {@code dir} (a tmpfs) until fewer than {@code keep} bytes are free. */
    static void fill(Path dir, long keep) throws IOException {
        long free = Files.getFileStore(dir).getUsableSpace();
        if (free > keep) {
            Files.write(dir.resolve("filler"), new byte[(int) (free - keep)]);
        }
    }

    /**
     * A full disk for the other writers: a shard, a streamed run's first checkpoint, the second epoch's checkpoint (the
     * first one and its log line stay), eval's JSON and eval's plots. Each ends with one line, exit 1, and no
     * temporary file.
     */
    @Test
    void aFullDiskStopsEveryOtherWriterCleanly(@TempDir Path dir) throws Exception {
        TinyImages.imagenetTree(dir.resolve("tree"), 2, 8, 2, 20, 4);
        String[] tiny = {"--image-size", "16", "--method", "moco", "--batch-size", "8", "--queue", "16", "--dim", "8",
            "--backend", "cpu", "--threads", "1"};
        Path one = dir.resolve("one-epoch");
        CliTest.Run r = CliTest.run(with(with(new String[] {"train"}, tiny), "--dataset", "imagenet-folder:"
                + dir.resolve("tree"), "--epochs", "1", "--out", one.toString()));
        assertEquals(0, r.code(), r.err());
        long checkpoint = Files.size(one.resolve(Checkpoint.FILE));
        Path full = tmpfs(dir.resolve("full"), (int) (checkpoint * 3 / 2 / 1024) + 64);
        if (full == null) {
            return;
        }
        try {
            // the second epoch's checkpoint: room for one checkpoint, not for its replacement beside it
            Path run = full.resolve("run");
            r = CliTest.run(with(with(new String[] {"train"}, tiny), "--dataset", "imagenet-folder:" + dir.resolve("tree"),
                    "--epochs", "2", "--out", run.toString()));
            assertEquals(1, r.code(), r.err());
            assertTrue(r.err().strip().startsWith("pauc: error: no space left on device while writing "), r.err());
            assertEquals(1, Checkpoint.read(run.resolve(Checkpoint.FILE)).epochsDone());
            assertEquals(1, Files.readAllLines(run.resolve("log.jsonl")).size(), "the log matches the checkpoint");
            assertEquals(List.of(), leftovers(full));
            // eval's plots (beside the checkpoint) and eval's JSON, each on the full disk
            Path ckpt = one.resolve(Checkpoint.FILE);
            fill(full, 512);
            assertOneLine(1, "no space left on device while writing", "eval", "--checkpoint", ckpt.toString(),
                    "--dataset", dir.resolve("tree/train").toString(), "--image-size", "16", "--json",
                    full.resolve("e.json").toString());
            assertOneLine(1, "no space left on device while writing", "eval", "--checkpoint",
                    run.resolve(Checkpoint.FILE).toString(), "--dataset", dir.resolve("tree/train").toString(), "--image-size",
                    "16", "--json", dir.resolve("e.json").toString());
            assertFalse(Files.exists(full.resolve("e.json")) || Files.exists(run.resolve("plots/training.png")));
            // a shard, and a streamed run
            assertOneLine(1, "no space left on device while writing", "shards", "--input",
                    dir.resolve("tree/train").toString(), "--out", full.resolve("shards").toString());
            ShardWriter.Written w = ShardWriter.pack(dir.resolve("tree/train"), dir.resolve("shards"), "train", 1 << 20,
                    (done, total) -> { });
            assertOneLine(1, "no space left on device while writing", with(with(new String[] {"train"}, tiny),
                    "--dataset", "shards:" + w.pattern(), "--epochs", "1", "--out", full.resolve("streamed").toString()));
            assertEquals(List.of(), leftovers(full));
        } finally {
            unmount(full);
        }
    }

    static String[] with(String[] a, String... more) {
        String[] all = Arrays.copyOf(a, a.length + more.length);
        System.arraycopy(more, 0, all, a.length, more.length);
        return all;
    }

    /** A tmpfs of {@code kib} KiB at {@code dir}, or null where this process may not mount one. */
    static Path tmpfs(Path dir, int kib) throws Exception {
        Files.createDirectories(dir);
        Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=" + kib + "k", "tmpfs", dir.toString())
                .redirectErrorStream(true).start();
        if (p.waitFor() != 0) {
            System.out.println("[disk-full] cannot mount a tmpfs here (" + new String(p.getInputStream().readAllBytes(),
                    StandardCharsets.UTF_8).strip() + "): the full-disk cases run on a simulated full channel only");
            return null;
        }
        return dir;
    }

    static void unmount(Path dir) throws Exception {
        new ProcessBuilder("umount", dir.toString()).start().waitFor();
    }

    @Test
    void aFullDiskIsOneLineWithExit1AndLeavesNothingHalfWritten(@TempDir Path dir) throws Exception {
        // simulated: a body that fails as a full disk does
        Path target = dir.resolve("out.bin");
        IOException e = assertThrows(IOException.class, () -> AtomicFile.write(target, out -> {
            out.write(new byte[10]);
            throw new IOException("No space left on device");
        }));
        assertEquals("no space left on device while writing " + target, e.getMessage());
        assertFalse(Files.exists(target));
        assertEquals(List.of(), leftovers(dir));
        Path full = tmpfs(dir.resolve("full"), 64);
        if (full == null) {
            return;
        }
        try {
            Files.write(full.resolve("filler"), new byte[40 * 1024]);
            assertOneLine(1, "no space left on device while writing", "export", "--checkpoint", V1, "--out",
                    full.resolve("m.onnx").toString());
            assertOneLine(1, "no space left on device while writing", "embed", "--checkpoint", V1, "--out",
                    full.resolve("e.safetensors").toString());
            assertOneLine(1, "no space left on device while writing", "train", "--method", "moco", "--limit", "256",
                    "--epochs", "1",
                    "--dim", "8", "--batch-size", "64", "--out", full.resolve("run").toString());
            assertEquals(List.of(), leftovers(full));
            assertFalse(Files.exists(full.resolve("m.onnx")) || Files.exists(full.resolve("e.safetensors")));
            try (Stream<Path> s = Files.list(full)) {
                assertEquals(List.of("filler", "run"), s.map(p -> p.getFileName().toString()).sorted().toList());
            }
            assertFalse(Files.exists(full.resolve("run").resolve(Checkpoint.FILE)));
            assertTrue(!Files.exists(full.resolve("run/log.jsonl")) || Files.readString(full.resolve("run/log.jsonl"))
                    .isEmpty(), "no log line without its checkpoint");
        } finally {
            unmount(full);
        }
    }
}
