package org.pauc.testing;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;

/** Folders of small generated PNG images for tests: one colour per class, with noise. */
public final class TinyImages {
    private TinyImages() {}

    /** {@code perClass} images of side {@code size} in each of {@code classes} class subfolders of {@code dir}. */
    public static void classFolders(Path dir, int classes, int perClass, int size, long seed) throws IOException {
        SplittableRandom r = new SplittableRandom(seed);
        for (int c = 0; c < classes; c++) {
            Path d = Files.createDirectories(dir.resolve("class-" + c));
            for (int i = 0; i < perClass; i++) {
                ImageIO.write(image(r, c, size), "png", d.resolve(String.format("img-%03d.png", i)).toFile());
            }
        }
    }

    /** {@code n} images directly in {@code dir}: a folder without labels. */
    public static void unlabeled(Path dir, int n, int size, long seed) throws IOException {
        SplittableRandom r = new SplittableRandom(seed);
        Files.createDirectories(dir);
        for (int i = 0; i < n; i++) {
            ImageIO.write(image(r, i % 3, size), "png", dir.resolve(String.format("img-%03d.png", i)).toFile());
        }
    }

    private static BufferedImage image(SplittableRandom r, int c, int size) {
        BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                int[] rgb = new int[3];
                for (int k = 0; k < 3; k++) {
                    rgb[k] = Math.clamp((k == c % 3 ? 180 : 40) + (x + y) * (c + 1) % 40 + r.nextInt(-30, 31), 0, 255);
                }
                img.setRGB(x, y, (rgb[0] << 16) | (rgb[1] << 8) | rgb[2]);
            }
        }
        return img;
    }
}
