package org.pauc.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Images that decode into wrong pixels unless checked: a PNG whose CRC does not match, a truncated JPEG. */
class CorruptImageTest {

    static byte[] encode(String format, int size) throws IOException {
        BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        SplittableRandom r = new SplittableRandom(5);
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                img.setRGB(x, y, r.nextInt(1 << 24));
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, format, out);
        return out.toByteArray();
    }

    /** The byte offset of a PNG chunk's data. */
    static int chunk(byte[] png, String type) {
        for (int i = 8; i + 8 < png.length; i++) {
            if (png[i] == type.charAt(0) && png[i + 1] == type.charAt(1) && png[i + 2] == type.charAt(2)
                    && png[i + 3] == type.charAt(3)) {
                return i + 4;
            }
        }
        throw new AssertionError("no " + type);
    }

    @Test
    void aPngWhoseCrcDoesNotMatchIsUnreadable() throws IOException {
        byte[] png = encode("png", 24);
        Codec.open(png, "good.png");
        for (String type : new String[] {"IHDR", "IDAT"}) {
            byte[] bad = png.clone();
            bad[chunk(bad, type) + 5] ^= 0x01;
            DataException e = assertThrows(DataException.class, () -> Codec.open(bad, "bad.png"));
            assertTrue(e.getMessage().contains("CRC mismatch in the " + type + " chunk"), e.getMessage());
        }
        DataException e = assertThrows(DataException.class,
                () -> Codec.open(Arrays.copyOf(png, png.length - 20), "short.png"));
        assertTrue(e.getMessage().contains("truncated PNG"), e.getMessage());
    }

    @Test
    void aTruncatedJpegIsUnreadableThroughEitherDecoder() throws IOException {
        byte[] jpeg = encode("jpg", 64);
        byte[] cut = Arrays.copyOf(jpeg, jpeg.length * 2 / 3);
        Codec.imageIO(jpeg, "whole.jpg");
        DataException e = assertThrows(DataException.class, () -> Codec.imageIO(cut, "cut.jpg"));
        assertTrue(e.getMessage().contains("cut.jpg: unreadable image"), e.getMessage());
        if (TurboJpeg.available()) {
            Codec.open(jpeg, "whole.jpg").decode(1);
            assertThrows(DataException.class, () -> Codec.open(cut, "cut.jpg").decode(1));
        } else {
            System.out.println("[jpeg] libjpeg-turbo not installed: its truncated-JPEG case is not run");
        }
    }

    @Test
    void aBadPngInAShardIsSkippedAndCountedOrStopsAStrictRun(@TempDir Path dir) throws Exception {
        Path cls = Files.createDirectories(dir.resolve("train/a"));
        for (int i = 0; i < 12; i++) {
            byte[] png = encode("png", 20);
            if (i == 5) {
                png[chunk(png, "IDAT") + 3] ^= 0x10;
            }
            Files.write(cls.resolve(String.format("img-%02d.png", i)), png);
        }
        ShardWriter.Written w = ShardWriter.pack(dir.resolve("train"), dir.resolve("shards"), "train", 1 << 20,
                (done, total) -> { });
        StreamedSource src = Datasets.open(Datasets.Request.of("shards:" + w.pattern(), Path.of("."), 16)
                .withIndexCache(dir.resolve("run")), System.out).train() instanceof StreamedSource s ? s : null;
        assertTrue(src != null, "a streamed source");
        int bad = 0;
        for (int i = 0; i < src.n(); i++) {
            try {
                src.open(i).decode(1);
            } catch (DataException e) {
                assertTrue(e.getMessage().contains("CRC mismatch in the IDAT chunk"), e.getMessage());
                bad++;
            }
        }
        assertEquals(1, bad, "the one corrupt PNG, and only it, is unreadable");
    }
}
