package org.pauc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pauc.checkpoint.Checkpoint;
import org.pauc.data.ShardWriter;
import org.pauc.testing.TinyImages;

/**
 * Training streamed from disk as a user runs it: ResNet-50 at 64 px from WebDataset shards and from an ImageNet-style
 * folder, each resumed; a corrupt JPEG skipped and counted, or a one-line error under --strict-data; and the same run
 * without libjpeg-turbo, in a child JVM.
 */
class StreamedTrainingTest {
    private static final String[] R50 = {"--image-size", "64", "--encoder", "resnet50", "--dim", "16", "--method", "pcl",
        "--clusters", "3", "--warmup-epochs", "1", "--neg-prototypes", "1", "--batch-size", "8", "--queue", "16",
        "--backend", "cpu", "--bn-splits", "2"};

    private static String[] with(String[] base, String... more) {
        String[] a = new String[base.length + more.length + 1];
        a[0] = "train";
        System.arraycopy(base, 0, a, 1, base.length);
        System.arraycopy(more, 0, a, 1 + base.length, more.length);
        return a;
    }

    private static Path shards(Path dir) throws IOException {
        TinyImages.imagenetTree(dir.resolve("tree"), 3, 6, 2, 72, 11);
        ShardWriter.Written w = ShardWriter.pack(dir.resolve("tree/train"), dir.resolve("shards"), "train", 20_000,
                (done, total) -> { });
        return Path.of(w.pattern());
    }

    @Test
    void resnet50TrainsAndResumesFromShardsAndFromAFolder(@TempDir Path dir) throws IOException {
        String pattern = "shards:" + shards(dir);
        Path run = dir.resolve("run-shards");
        CliTest.Run r = CliTest.run(with(R50, "--dataset", pattern, "--epochs", "2", "--out", run.toString()));
        assertEquals(0, r.code(), r.err());
        assertEquals(2, Checkpoint.read(run.resolve(Checkpoint.FILE)).epochsDone());
        assertTrue(Files.isRegularFile(run.resolve("index-train.bin")), "the index is cached in the run directory");
        assertTrue(Files.notExists(run.resolve("features.f32")), "the E-step's feature file is removed after use");
        r = CliTest.run(with(R50, "--dataset", pattern, "--epochs", "3", "--resume", run.toString()));
        assertEquals(2, r.code(), "another --epochs is another run");
        r = CliTest.run(with(R50, "--dataset", pattern, "--epochs", "2", "--resume", run.toString()));
        assertEquals(0, r.code(), r.err());
        Path folderRun = dir.resolve("run-folder");
        String folder = "imagenet-folder:" + dir.resolve("tree");
        r = CliTest.run(with(R50, "--dataset", folder, "--out", folderRun.toString(), "--epochs", "1"));
        assertEquals(0, r.code(), r.err());
        r = CliTest.run(with(R50, "--dataset", folder, "--resume", folderRun.toString(), "--epochs", "1"));
        assertEquals(0, r.code(), r.err());
    }

    @Test
    void aCorruptJpegIsSkippedAndCountedOrStopsAStrictRun(@TempDir Path dir) throws IOException {
        TinyImages.imagenetTree(dir.resolve("tree"), 2, 8, 0, 40, 12);
        Path broken = dir.resolve("tree/train/class-1/img-002.jpg");
        byte[] b = Files.readAllBytes(broken);
        for (int i = b.length / 3; i < b.length; i++) {
            b[i] = (byte) 0x55;
        }
        Files.write(broken, b);
        ShardWriter.Written w = ShardWriter.pack(dir.resolve("tree/train"), dir.resolve("shards"), "train", 1 << 20,
                (done, total) -> { });
        String[] small = {"--dataset", "shards:" + w.pattern(), "--image-size", "16", "--batch-size", "8", "--method",
            "moco", "--queue", "16", "--dim", "8", "--epochs", "2", "--backend", "cpu"};
        Path run = dir.resolve("run");
        CliTest.Run r = CliTest.run(with(small, "--out", run.toString()));
        assertEquals(0, r.code(), r.err());
        List<String> log = Files.readAllLines(run.resolve("log.jsonl"));
        assertTrue(log.stream().allMatch(l -> l.contains("\"skipped\":1")), "counted every epoch: " + log);
        r = CliTest.run(with(small, "--out", dir.resolve("strict").toString(), "--strict-data"));
        assertEquals(2, r.code());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().contains("train-000000.tar:000010"), r.err());
    }

    @Test
    void withoutLibjpegTurboTrainingWorksAndWarnsOnce(@TempDir Path dir) throws Exception {
        String pattern = "shards:" + shards(dir);
        Path run = dir.resolve("run");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-Dpauc.turbojpeg=" + dir.resolve("no-such-libturbojpeg.so.0"),
                "-cp", System.getProperty("java.class.path"), "org.pauc.cli.Main"));
        cmd.addAll(List.of(with(R50, "--dataset", pattern, "--epochs", "1", "--out", run.toString())));
        Path out = dir.resolve("out.txt");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(new File(out.toString())).start();
        assertTrue(p.waitFor(5, TimeUnit.MINUTES));
        String text = Files.readString(out);
        assertEquals(0, p.exitValue(), text);
        assertEquals(1, text.lines().filter(l -> l.contains("libjpeg-turbo")).count(), text);
        assertTrue(text.contains("install Debian's libturbojpeg0"), text);
        assertEquals(1, Checkpoint.read(run.resolve(Checkpoint.FILE)).epochsDone());
    }
}
