package org.pauc.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pauc.testing.TinyImages;

class ImageFolderTest {

    @Test
    void classFoldersGiveSortedLabelsAndTestIsTheTestSplit(@TempDir Path dir) throws IOException {
        TinyImages.classFolders(dir, 3, 4, 10, 1);
        TinyImages.classFolders(dir.resolve("test"), 3, 2, 10, 2);
        Datasets.Splits s = Datasets.load(Datasets.Request.of(dir.toString(), Path.of("."), 8));
        assertEquals(12, s.train().n());
        assertEquals(6, s.test().n());
        assertArrayEquals(new String[] {"class-0", "class-1", "class-2"}, s.train().classes());
        assertArrayEquals(new int[] {0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2}, s.train().labels());
        assertEquals(8, s.train().h());
        assertEquals(3, s.train().c());
        assertTrue(s.train().labeled() && s.test().labeled());
        for (float v : s.train().pixels()) {
            assertTrue(v >= 0 && v <= 1);
        }
    }

    @Test
    void imagesWithoutClassFoldersAreUnlabeled(@TempDir Path dir) throws IOException {
        TinyImages.unlabeled(dir, 5, 10, 3);
        Datasets.Splits s = Datasets.load(Datasets.Request.of(dir.toString(), Path.of("."), 8));
        assertEquals(5, s.train().n());
        assertFalse(s.train().labeled());
        assertEquals(0, s.test().n());
    }

    @Test
    void aCorruptImageIsAnErrorNamingIt(@TempDir Path dir) throws IOException {
        TinyImages.classFolders(dir, 2, 2, 10, 1);
        Path bad = dir.resolve("class-1").resolve("zz-broken.png");
        Files.writeString(bad, "not a png");
        var e = assertThrows(DataException.class, () -> Datasets.load(Datasets.Request.of(dir.toString(), Path.of("."), 8)));
        assertTrue(e.getMessage().startsWith(bad.toString()) && e.getMessage().contains("unreadable"), e.getMessage());
    }

    @Test
    void testClassesThatDifferFromTrainingClassesAreRefused(@TempDir Path dir) throws IOException {
        TinyImages.classFolders(dir, 3, 2, 10, 1);
        TinyImages.classFolders(dir.resolve("test"), 2, 2, 10, 2);
        Files.move(dir.resolve("test").resolve("class-1"), dir.resolve("test").resolve("class-9"));
        var e = assertThrows(DataException.class, () -> Datasets.load(Datasets.Request.of(dir.toString(), Path.of("."), 8)));
        assertTrue(e.getMessage().contains("differ from the training classes"), e.getMessage());
    }

    @Test
    void anImageWhoseHeaderClaimsAHugeSizeIsRefusedBeforeDecoding(@TempDir Path dir) throws IOException {
        ByteArrayOutputStream jpeg = new ByteArrayOutputStream();
        ImageIO.write(new BufferedImage(16, 16, BufferedImage.TYPE_INT_RGB), "jpg", jpeg);
        byte[] b = jpeg.toByteArray();
        for (int i = 0; i + 8 < b.length; i++) {
            if ((b[i] & 0xff) == 0xff && (b[i + 1] & 0xff) == 0xc0) { // SOF0: length(2) precision(1) height(2) width(2)
                b[i + 5] = (byte) (46000 >> 8);
                b[i + 6] = (byte) 46000;
                b[i + 7] = (byte) (46000 >> 8);
                b[i + 8] = (byte) 46000;
                break;
            }
        }
        Path f = Files.write(Files.createDirectories(dir.resolve("a")).resolve("huge.jpg"), b);
        var e = assertThrows(DataException.class, () -> Datasets.load(Datasets.Request.of(dir.toString(), Path.of("."), 8)));
        assertTrue(e.getMessage().startsWith(f.toString()) && e.getMessage().contains("claims 46000×46000"), e.getMessage());
    }
}
