package org.pauc.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Where training and test data come from: the embedded Fashion-MNIST subset ({@value #SMALL}), the full
 * Fashion-MNIST ({@value #FULL}, from Debian's dataset-fashion-mnist or a folder given with --data), or a folder of
 * images.
 */
public final class Datasets {
    public static final String SMALL = "fashion-mnist-small";
    public static final String FULL = "fashion-mnist";
    /** Where Debian's dataset-fashion-mnist package installs the four IDX files. */
    public static final Path DEBIAN_FASHION_MNIST = Path.of("/usr/share/datasets/fashion-mnist");
    public static final String[] FASHION_CLASSES = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
        "Shirt", "Sneaker", "Bag", "Ankle boot"};

    private Datasets() {}

    /** The train and test split of a dataset name or folder. */
    public record Splits(Dataset train, Dataset test) {}

    /**
     * @param dataset {@value #SMALL}, {@value #FULL} or a folder of images
     * @param data    a folder holding the IDX files (overrides the default location), or null
     * @param home    the project folder, where small-datasets/ lives
     */
    public static Splits load(String dataset, Path data, Path home, int imageSize) throws DataException {
        return load(dataset, data, home, imageSize, 0);
    }

    /** As above, keeping only the first {@code limit} training images (all when 0), before anything is decoded. */
    public static Splits load(String dataset, Path data, Path home, int imageSize, int limit) throws DataException {
        return switch (dataset) {
            case SMALL -> idxPair(data != null ? data : home.resolve("small-datasets").resolve(SMALL), SMALL, limit);
            case FULL -> idxPair(data != null ? data : DEBIAN_FASHION_MNIST, FULL, limit);
            default -> {
                Path folder = Path.of(dataset);
                if (!Files.isDirectory(folder)) {
                    throw new DataException("unknown dataset '" + dataset + "': expected " + SMALL + ", " + FULL
                            + " or a folder of images");
                }
                yield ImageFolder.load(folder, imageSize, limit);
            }
        };
    }

    /**
     * Only the test split of an IDX dataset (the t10k files; the training files need not be there), or the test
     * split of a folder dataset.
     */
    public static Dataset loadTest(String dataset, Path data, Path home, int imageSize) throws DataException {
        return switch (dataset) {
            case SMALL -> idx(data != null ? data : home.resolve("small-datasets").resolve(SMALL), "t10k", SMALL + "/test", 0);
            case FULL -> idx(data != null ? data : DEBIAN_FASHION_MNIST, "t10k", FULL + "/test", 0);
            default -> load(dataset, data, home, imageSize).test();
        };
    }

    /**
     * The shape {h, w, c} of the images of {@code dataset} without reading them: 28×28×1 for Fashion-MNIST, the
     * image size in RGB for a folder.
     */
    public static int[] imageShape(String dataset, int imageSize) {
        return dataset.equals(SMALL) || dataset.equals(FULL) ? new int[] {28, 28, 1}
                : new int[] {imageSize, imageSize, 3};
    }

    /** A folder with {train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz]. */
    static Splits idxPair(Path dir, String name) throws DataException {
        return idxPair(dir, name, 0);
    }

    static Splits idxPair(Path dir, String name, int limit) throws DataException {
        if (!Files.isDirectory(dir)) {
            throw new DataException(dir, "no such folder" + (name.equals(FULL)
                    ? " (install Debian's dataset-fashion-mnist, or give the IDX files' folder with --data)" : ""));
        }
        Dataset train = idx(dir, "train", name + "/train", limit);
        Dataset test = idx(dir, "t10k", name + "/test", 0);
        return new Splits(train, test);
    }

    private static Path find(Path dir, String stem) throws DataException {
        for (String candidate : List.of(stem + ".gz", stem)) {
            Path p = dir.resolve(candidate);
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        throw new DataException(dir.resolve(stem + ".gz"), "missing (nor " + stem + " without .gz)");
    }

    /** The first {@code limit} images of an IDX pair (all when 0) with their labels. */
    static Dataset idx(Path dir, String prefix, String name, int limit) throws DataException {
        Path imagesFile = find(dir, prefix + "-images-idx3-ubyte");
        Path labelsFile = find(dir, prefix + "-labels-idx1-ubyte");
        Idx.Images images = Idx.readImages(imagesFile, limit);
        int[] labels = Idx.readLabels(labelsFile, limit);
        if (labels.length != images.count()) {
            throw new DataException(labelsFile, labels.length + " labels for " + images.count() + " images in "
                    + imagesFile.getFileName());
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] >= FASHION_CLASSES.length) {
                throw new DataException(labelsFile, "label " + labels[i] + " at index " + i + " is not a class 0–9");
            }
        }
        float[] pixels = new float[images.pixels().length];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (images.pixels()[i] & 0xff) / 255f;
        }
        return new Dataset(name, images.count(), images.rows(), images.cols(), 1, pixels, labels, FASHION_CLASSES);
    }
}
