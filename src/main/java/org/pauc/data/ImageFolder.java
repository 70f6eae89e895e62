package org.pauc.data;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

/**
 * A folder of PNG/JPEG images resized to size×size RGB. Class subfolders give labels (sorted by name); images
 * directly in the folder are unlabeled. A folder named "test" (with the same layout) is the test split;
 * otherwise every image is a training image and the test split is empty.
 */
public final class ImageFolder {
    private ImageFolder() {}

    private static boolean isImage(Path p) {
        return Files.isRegularFile(p) && FolderIndex.isImageName(p.getFileName().toString());
    }

    /** The images of a folder in order (those directly in it first, unlabelled, then each class subfolder's). */
    record Listing(List<Path> files, List<Integer> labels, List<String> classes) {}

    /**
     * Lists {@code dir}: its images (label −1), then the images of each subfolder sorted by name (label = the
     * subfolder's position), skipping the subfolder named {@code skip} (may be null); both sorted by name.
     */
    static Listing list(Path dir, String skip) throws DataException {
        List<Path> files = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        List<String> classes = new ArrayList<>();
        try (Stream<Path> entries = Files.list(dir)) {
            List<Path> sorted = entries.sorted().toList();
            for (Path p : sorted) {
                if (isImage(p)) {
                    files.add(p);
                    labels.add(-1);
                }
            }
            for (Path p : sorted) {
                if (Files.isDirectory(p) && !p.getFileName().toString().equals(skip)) {
                    int label = classes.size();
                    classes.add(p.getFileName().toString());
                    try (Stream<Path> inner = Files.list(p)) {
                        for (Path f : inner.sorted().filter(ImageFolder::isImage).toList()) {
                            files.add(f);
                            labels.add(label);
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new DataException(dir, "cannot list: " + e.getMessage());
        }
        if (files.isEmpty()) {
            throw new DataException(dir, "no PNG or JPEG images (directly or in class subfolders)");
        }
        return new Listing(files, labels, classes);
    }

    /** The splits of {@code root}, keeping the first {@code limit} training images (all when 0) before decoding. */
    static Datasets.Splits load(Path root, int size, int limit) throws DataException {
        Path testDir = root.resolve("test");
        Dataset train = split(root, root.getFileName() + "/train", size, Files.isDirectory(testDir) ? "test" : null,
                limit);
        Dataset test = Files.isDirectory(testDir) ? split(testDir, root.getFileName() + "/test", size, null, 0)
                : new Dataset(root.getFileName() + "/test", 0, size, size, 3, new float[0], new int[0], train.classes());
        if (test.n() > 0 && test.classes().length > 0 && !Arrays.equals(train.classes(), test.classes())) {
            throw new DataException(testDir, "its classes " + Arrays.toString(test.classes()) + " differ from the "
                    + "training classes " + Arrays.toString(train.classes()) + ": labels would not mean the same");
        }
        return new Datasets.Splits(train, test);
    }

    private static Dataset split(Path dir, String name, int size, String skip, int limit) throws DataException {
        Listing listing = list(dir, skip);
        List<Path> files = new ArrayList<>(listing.files());
        List<Integer> labels = new ArrayList<>(listing.labels());
        List<String> classes = listing.classes();
        if (limit > 0 && files.size() > limit) {
            files.subList(limit, files.size()).clear();
            labels.subList(limit, labels.size()).clear();
        }
        int per = size * size * 3;
        long bytes = 4L * per * files.size();
        if (bytes > Runtime.getRuntime().maxMemory() / 2) {
            throw new DataException(dir, String.format("%d images of %d×%d×3 take %.1f GiB in memory, more than half the "
                    + "JVM's heap of %.1f GiB: lower --image-size or --limit, stream the folder (imagenet-folder:), or "
                    + "give the JVM more (PAUC_JAVA_OPTS=-Xmx…)", files.size(), size, size, bytes / (double) (1L << 30),
                    Runtime.getRuntime().maxMemory() / (double) (1L << 30)));
        }
        float[] pixels = new float[files.size() * per];
        for (int i = 0; i < files.size(); i++) {
            readInto(files.get(i), size, pixels, i * per);
        }
        int[] l = labels.stream().mapToInt(Integer::intValue).toArray();
        return new Dataset(name, files.size(), size, size, 3, pixels, l, classes.toArray(String[]::new),
                files.stream().map(Path::toString).toArray(String[]::new));
    }

    /** Decodes an image through ImageIO after the checks of {@link Codec}. */
    static BufferedImage decode(Path file) throws DataException {
        return Codec.imageIO(Codec.read(file), file.toString());
    }

    private static void readInto(Path file, int size, float[] dst, int off) throws DataException {
        BufferedImage img = decode(file);
        BufferedImage scaled = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = scaled.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(img, 0, 0, size, size, null);
        g.dispose();
        float[] rgb = Picture.of(scaled).px();
        System.arraycopy(rgb, 0, dst, off, rgb.length);
    }
}
