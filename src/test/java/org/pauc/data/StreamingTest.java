package org.pauc.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pauc.config.Settings;
import org.pauc.config.TrainConfig;
import org.pauc.testing.TinyImages;

/** Streamed datasets: ImageNet-style folders, WebDataset shards, file lists; their index cache; JPEG decoding. */
class StreamingTest {
    private static final PrintStream QUIET = new PrintStream(new ByteArrayOutputStream());

    @Test
    void anImagenetTreeIsIndexedWithSortedClassesAndStreamsAtTheImageSize(@TempDir Path dir) throws IOException {
        TinyImages.imagenetTree(dir, 3, 4, 2, 40, 1);
        Datasets.Sources s = Datasets.open(Datasets.Request.of("imagenet-folder:" + dir, dir, 32), QUIET);
        assertEquals(12, s.train().n());
        assertEquals(6, s.test().n());
        assertArrayEquals(new String[] {"class-0", "class-1", "class-2"}, s.train().classes());
        assertEquals(0, s.train().label(0));
        assertEquals(2, s.train().label(11));
        assertTrue(s.train().source(11).endsWith("class-2/img-003.jpg"), s.train().source(11));
        Encoded e = s.train().open(5);
        assertTrue(e.h() >= 40 && e.w() >= 40 && e.h() <= 60 && e.w() <= 60, e.h() + "x" + e.w());
        float[] a = new float[2 * 32 * 32 * 3];
        new Augment(TrainConfig.Augmentation.DEFAULT, 0).pair(s.train(), 5, 0, a, a, 0);
        new Augment(TrainConfig.Augmentation.DEFAULT, 0).evaluation(s.train(), 5, a, 32 * 32 * 3);
        for (float v : a) {
            assertTrue(v >= 0 && v <= 1, "pixel " + v);
        }
    }

    @Test
    void shardsHoldTheSameSamplesInTheSameOrderAsTheFolder(@TempDir Path dir) throws IOException {
        TinyImages.imagenetTree(dir, 3, 5, 0, 40, 2);
        ShardWriter.Written w = ShardWriter.pack(dir.resolve("train"), dir.resolve("shards"), "train", 6_000,
                (done, total) -> { });
        assertTrue(w.shards().size() > 2, "several shards: " + w.shards().size());
        ImageSource folder = Datasets.open(Datasets.Request.of("imagenet-folder:" + dir, dir, 32), QUIET).train();
        ImageSource shards = Datasets.open(Datasets.Request.of("shards:" + w.pattern(), dir, 32), QUIET).train();
        assertEquals(15, shards.n());
        assertEquals(List.of("class-0", "class-1", "class-2"), Files.readAllLines(dir.resolve("shards/classes.txt")));
        Augment aug = new Augment(TrainConfig.Augmentation.DEFAULT, 3);
        int size = 32 * 32 * 3;
        for (int i = 0; i < 15; i++) {
            assertEquals(folder.label(i), shards.label(i), "label of " + i);
            float[] x = new float[size];
            float[] y = new float[size];
            aug.view(folder, i, 1, 0, x, 0);
            aug.view(shards, i, 1, 0, y, 0);
            assertArrayEquals(x, y, "image " + i + " decodes the same from the folder and from the shard");
        }
        // globs and lists reach the same shards
        String dirName = dir.resolve("shards").toString();
        assertEquals(15, Datasets.open(Datasets.Request.of("shards:" + dirName + "/train-*.tar", dir, 32), QUIET).train().n());
        assertEquals(w.shards(), ShardPattern.expand(dirName + "/train-{000000.." + String.format("%06d", w.shards().size() - 1)
                + "}.tar"));
        DataException missing = assertThrows(DataException.class, () -> ShardPattern.expand(dirName + "/train-{000000..000999}.tar"));
        assertTrue(missing.getMessage().contains("no such shard"), missing.getMessage());
    }

    @Test
    void aCorruptJpegInAShardIsSkippedAndCountedOrStopsAStrictRun(@TempDir Path dir) throws IOException {
        TinyImages.imagenetTree(dir, 2, 3, 0, 40, 4);
        Path broken = dir.resolve("train/class-1/img-001.jpg");
        byte[] b = Files.readAllBytes(broken);
        for (int i = b.length / 3; i < b.length; i++) {
            b[i] = (byte) 0x55;
        }
        Files.write(broken, b);
        ShardWriter.Written w = ShardWriter.pack(dir.resolve("train"), dir.resolve("shards"), "train", 1024,
                (done, total) -> { });
        ImageSource src = Datasets.open(Datasets.Request.of("shards:" + w.pattern(), dir, 32), QUIET).train();
        DataException e = assertThrows(DataException.class, () -> src.open(4).decode(1));
        assertTrue(e.getMessage().contains("train-") && e.getMessage().contains(":000004"), e.getMessage());
        assertEquals(1, e.getMessage().lines().count());
    }

    @Test
    void aTruncatedShardIsAOneLineErrorNamingIt(@TempDir Path dir) throws IOException {
        TinyImages.imagenetTree(dir, 1, 3, 0, 40, 5);
        ShardWriter.Written w = ShardWriter.pack(dir.resolve("train"), dir.resolve("shards"), "train", 1024,
                (done, total) -> { });
        Path shard = w.shards().get(0);
        byte[] all = Files.readAllBytes(shard);
        Files.write(shard, Arrays.copyOf(all, 700));
        DataException e = assertThrows(DataException.class,
                () -> Datasets.open(Datasets.Request.of("shards:" + shard, dir, 32), QUIET));
        assertTrue(e.getMessage().startsWith(shard.toString()) && e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void theIndexCacheIsReusedUntilTheShardsChange(@TempDir Path dir) throws IOException {
        TinyImages.imagenetTree(dir, 2, 3, 0, 40, 6);
        ShardWriter.Written w = ShardWriter.pack(dir.resolve("train"), dir.resolve("shards"), "train", 1 << 20,
                (done, total) -> { });
        Path cache = dir.resolve("run");
        String spec = "shards:" + w.pattern();
        Datasets.open(Datasets.Request.of(spec, dir, 32).withIndexCache(cache), QUIET);
        Path file = cache.resolve("index-train.bin");
        assertTrue(Files.isRegularFile(file));
        String fp = IndexCache.fingerprint(spec, w.shards());
        assertNotNull(IndexCache.load(file, fp), "the cache is read back for the same shards");
        Files.setLastModifiedTime(w.shards().get(0), FileTime.fromMillis(Files.getLastModifiedTime(w.shards().get(0))
                .toMillis() + 5_000));
        assertNull(IndexCache.load(file, IndexCache.fingerprint(spec, w.shards())), "a changed shard invalidates the cache");
        Files.write(file, new byte[] {1, 2, 3});
        assertNull(IndexCache.load(file, fp), "a damaged cache is ignored, not an error");
        assertEquals(6, Datasets.open(Datasets.Request.of(spec, dir, 32).withIndexCache(cache), QUIET).train().n());
    }

    @Test
    void aFileListGivesPathsAndOptionalLabels(@TempDir Path dir) throws IOException {
        TinyImages.imagenetTree(dir, 2, 2, 0, 40, 7);
        Files.writeString(dir.resolve("list.txt"), "# images\ntrain/class-0/img-000.jpg 1\n\ntrain/class-1/img-001.jpg\t0\n"
                + dir.resolve("train/class-1/img-000.jpg") + "\ntrain/class-0/img-001.jpg 2000000000\n");
        ImageSource s = Datasets.open(Datasets.Request.of("list:" + dir.resolve("list.txt"), dir, 16), QUIET).train();
        assertEquals(4, s.n());
        assertEquals(1, s.label(0));
        assertEquals(0, s.label(1));
        assertEquals(-1, s.label(2));
        assertEquals(2, s.label(3), "class numbers are ranked: a huge one costs no memory");
        assertArrayEquals(new String[] {"0", "1", "2000000000"}, s.classes());
        assertEquals(40 <= s.open(2).w(), true);
        Files.writeString(dir.resolve("bad.txt"), "a.jpg -3\n");
        DataException e = assertThrows(DataException.class,
                () -> Datasets.open(Datasets.Request.of("list:" + dir.resolve("bad.txt"), dir, 16), QUIET));
        assertTrue(e.getMessage().contains("line 1"), e.getMessage());
    }

    @Test
    void turboJpegAndImageIoAgreeOnSizeAndNearlyOnPixels(@TempDir Path dir) throws IOException {
        assumeTrue(Codec.turboJpeg(), "libjpeg-turbo is not installed");
        TinyImages.imagenetTree(dir, 1, 2, 0, 48, 8);
        byte[] jpeg = Files.readAllBytes(dir.resolve("train/class-0/img-001.jpg"));
        Encoded turbo = Codec.open(jpeg, "t");
        Picture full = turbo.decode(1);
        Picture io = Picture.of(Codec.imageIO(jpeg, "t"));
        assertEquals(io.h(), full.h());
        assertEquals(io.w(), full.w());
        double diff = 0;
        for (int i = 0; i < io.px().length; i++) {
            diff += Math.abs(io.px()[i] - full.px()[i]);
        }
        assertTrue(diff / io.px().length < 0.01, "mean difference " + diff / io.px().length);
        // a failed decode must not spoil the next one on the same thread (libjpeg-turbo's handle is replaced)
        byte[] truncated = Arrays.copyOf(jpeg, jpeg.length / 2);
        assertThrows(DataException.class, () -> Codec.open(truncated, "t").decode(1));
        assertThrows(DataException.class, () -> Codec.open(Arrays.copyOf(jpeg, 20), "t").decode(1));
        assertArrayEquals(full.px(), Codec.open(jpeg, "t").decode(1).px());
        Picture half = turbo.decode(0.5);
        assertEquals((full.h() + 1) / 2, half.h(), "DCT-domain scaling by 1/2");
        Picture quarterAsked = turbo.decode(0.3);
        assertTrue(quarterAsked.h() >= 0.3 * full.h() && quarterAsked.h() < half.h(), "the smallest scale ≥ 0.3: "
                + quarterAsked.h());
    }

    @Test
    void hueAndNormalisationChangeTheViewsAndKeepThemDeterministic(@TempDir Path dir) throws IOException {
        TinyImages.imagenetTree(dir, 1, 2, 0, 48, 9);
        ImageSource s = Datasets.open(Datasets.Request.of("imagenet-folder:" + dir, dir, 24), QUIET).train();
        TrainConfig.Augmentation plain = TrainConfig.DEFAULTS.augmentation();
        TrainConfig.Augmentation moco = Settings.set(TrainConfig.DEFAULTS, Map.of("hue", 0.1, "jitter", 1.0,
                "normalize", "imagenet")).augmentation();
        int size = 24 * 24 * 3;
        float[] a = new float[size];
        float[] b = new float[size];
        float[] c = new float[size];
        new Augment(plain, 1).view(s, 0, 0, 0, a, 0);
        new Augment(moco, 1).view(s, 0, 0, 0, b, 0);
        new Augment(moco, 1).view(s, 0, 0, 0, c, 0);
        assertArrayEquals(b, c);
        assertNotEquals(a[0], b[0]);
        boolean negative = false;
        for (float v : b) {
            negative |= v < 0;
        }
        assertTrue(negative, "ImageNet normalisation centres the pixels");
    }
}
