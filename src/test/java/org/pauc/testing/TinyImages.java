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

    /**
     * An ImageNet-style tree: ROOT/train/class-K/img-NNN.jpg and ROOT/val/class-K/…, JPEG images of varied,
     * non-square sizes (width and height between {@code size} and 1.5·size).
     */
    public static void imagenetTree(Path root, int classes, int perClass, int perClassVal, int size, long seed)
            throws IOException {
        SplittableRandom r = new SplittableRandom(seed);
        for (String split : new String[] {"train", "val"}) {
            int count = split.equals("train") ? perClass : perClassVal;
            for (int c = 0; c < classes; c++) {
                Path d = root.resolve(split).resolve("class-" + c);
                Files.createDirectories(d);
                for (int i = 0; i < count; i++) {
                    int w = size + r.nextInt(size / 2 + 1);
                    int h = size + r.nextInt(size / 2 + 1);
                    ImageIO.write(image(r, c, h, w), "jpg", d.resolve(String.format("img-%03d.jpg", i)).toFile());
                }
            }
        }
    }

    private static BufferedImage image(SplittableRandom r, int c, int size) {
        return image(r, c, size, size);
    }

    private static BufferedImage image(SplittableRandom r, int c, int h, int w) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
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
