package org.pauc.data;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.pauc.config.TrainConfig;

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

    /** The prefixes of the datasets streamed from disk. */
    public static final String IMAGENET_FOLDER = "imagenet-folder:";
    public static final String SHARDS = "shards:";
    public static final String LIST = "list:";

    /**
     * What to open: the {@code --dataset} value, the folder of its files when given with {@code --data} (null: the
     * default place, under {@code home} or Debian's), the project folder {@code home} (where small-datasets/ lives), the
     * image size, how many training images to keep (0: all), and where a streamed dataset's index is cached (null:
     * not cached). Start from {@link #of} and change what differs.
     */
    public record Request(String dataset, Path data, Path home, int imageSize, int limit, Path indexCache) {
        /** All of {@code dataset} at this image size, from its default place, without an index cache. */
        public static Request of(String dataset, Path home, int imageSize) {
            return new Request(dataset, null, home, imageSize, 0, null);
        }

        /** What a run's data settings ask for. */
        public static Request of(TrainConfig.Data d, Path home) {
            return of(d.dataset(), home, d.imageSize()).withData(d.data() == null ? null : Path.of(d.data()))
                    .withLimit(d.limit());
        }

        public Request withData(Path folder) {
            return new Request(dataset, folder, home, imageSize, limit, indexCache);
        }

        public Request withLimit(int n) {
            return new Request(dataset, data, home, imageSize, n, indexCache);
        }

        public Request withIndexCache(Path folder) {
            return new Request(dataset, data, home, imageSize, limit, folder);
        }

        /** The folder of an IDX dataset's files: --data, or the default place of {@code name}. */
        Path idxFolder(String name) {
            return data != null ? data : name.equals(SMALL) ? home.resolve("small-datasets").resolve(SMALL)
                    : DEBIAN_FASHION_MNIST;
        }
    }

    /** Training images and the test split (null when the dataset has none), in memory or streamed. */
    public record Sources(ImageSource train, ImageSource test) {}

    /** Whether {@code dataset} is streamed from disk rather than loaded into memory. */
    public static boolean streamed(String dataset) {
        return dataset.startsWith(IMAGENET_FOLDER) || dataset.startsWith(SHARDS) || dataset.startsWith(LIST);
    }

    /**
     * The images of any dataset: in memory as {@link #load} gives them, or streamed from disk (no pixel is read
     * here) for {@code imagenet-folder:}, {@code shards:} and {@code list:}. A streamed dataset's index is cached in
     * the request's index cache folder and reused while its folders, shards or list are unchanged.
     */
    public static Sources open(Request r, PrintStream console) throws DataException {
        String dataset = r.dataset();
        Path cacheDir = r.indexCache();
        if (!streamed(dataset)) {
            Splits s = load(r);
            return new Sources(s.train(), s.test().n() > 0 ? s.test() : null);
        }
        String arg = dataset.substring(dataset.indexOf(':') + 1);
        if (arg.isBlank()) {
            throw new DataException("--dataset " + dataset + ": the location is missing after the ':'");
        }
        Path trainCache = cacheDir == null ? null : cacheDir.resolve("index-train.bin");
        Path testCache = cacheDir == null ? null : cacheDir.resolve("index-test.bin");
        StreamedSource.Index train;
        StreamedSource.Index test = null;
        long t0 = System.nanoTime();
        if (dataset.startsWith(IMAGENET_FOLDER)) {
            Path root = Path.of(arg);
            Path trainDir = root.resolve("train");
            if (!Files.isDirectory(trainDir)) {
                throw new DataException(trainDir, "no such folder (an ImageNet-style tree has ROOT/train/CLASS/*)");
            }
            List<String> classes = FolderIndex.classFolders(trainDir);
            if (classes.isEmpty()) {
                throw new DataException(trainDir, "has no class folders");
            }
            train = cached(dataset + " train", FolderIndex.watch(trainDir), trainCache,
                    () -> FolderIndex.build(trainDir, classes, true));
            Path valDir = root.resolve("val");
            if (Files.isDirectory(valDir)) {
                test = cached(dataset + " val", FolderIndex.watch(valDir), testCache,
                        () -> FolderIndex.build(valDir, classes, false));
                test = test.n() > 0 ? test : null;
            }
        } else if (dataset.startsWith(SHARDS)) {
            List<Path> shards = ShardPattern.expand(arg);
            ShardIndex.Counter missing = new ShardIndex.Counter();
            train = cached(dataset, shards, trainCache, () -> ShardIndex.build(shards, missing));
            if (missing.count > 0) {
                console.println("shards: " + missing.count + " samples without a .jpg, .jpeg or .png member left out");
            }
        } else {
            Path list = Path.of(arg);
            train = cached(dataset, List.of(list), trainCache, () -> FileListIndex.build(list));
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (seconds > 1) {
            console.printf("indexed %d images in %.1f s%n", train.n() + (test == null ? 0 : test.n()), seconds);
        }
        if (r.limit() > 0) {
            train = train.head(r.limit());
        }
        String name = dataset.length() > 60 ? dataset.substring(0, 57) + "…" : dataset;
        return new Sources(new StreamedSource(name + "/train", train, r.imageSize()),
                test == null ? null : new StreamedSource(name + "/val", test, r.imageSize()));
    }

    private interface Build {
        StreamedSource.Index get() throws DataException;
    }

    private static StreamedSource.Index cached(String spec, List<Path> watch, Path cache, Build build)
            throws DataException {
        String fp = IndexCache.fingerprint(spec, watch);
        StreamedSource.Index ix = IndexCache.load(cache, fp);
        if (ix == null) {
            ix = build.get();
            IndexCache.save(cache, fp, ix);
        }
        return ix;
    }

    /**
     * A streamed split read into memory through the evaluation transform (at most {@code limit} images when above
     * 0), for the commands that evaluate on images in memory.
     */
    static Dataset materialize(ImageSource src, int limit) throws DataException {
        int n = limit > 0 ? Math.min(limit, src.n()) : src.n();
        int size = src.imageSize();
        if ((long) n * size > Integer.MAX_VALUE - 8) {
            throw new DataException(src.name() + ": " + n + " images of " + src.h() + "×" + src.w() + " do not fit in "
                    + "memory for evaluation; use --limit");
        }
        float[] pixels = new float[n * size];
        int[] labels = new int[n];
        String[] sources = new String[n];
        Augment eval = new Augment(TrainConfig.Augmentation.DEFAULT, 0);
        for (int i = 0; i < n; i++) {
            eval.evaluation(src, i, pixels, i * size);
            labels[i] = src.label(i);
            sources[i] = src.source(i);
        }
        return new Dataset(src.name(), n, src.h(), src.w(), src.c(), pixels, labels, src.classes(), sources);
    }

    /**
     * The train and test splits in memory: {@value #SMALL}, {@value #FULL} (IDX files), a folder of images, or a
     * streamed dataset read through the evaluation transform. The limit applies to the training images, before
     * anything is decoded.
     */
    public static Splits load(Request r) throws DataException {
        String dataset = r.dataset();
        int limit = r.limit();
        return switch (dataset) {
            case SMALL, FULL -> idxPair(r.idxFolder(dataset), dataset, limit);
            default -> {
                if (streamed(dataset)) {
                    Sources src = open(r.withIndexCache(null), System.out);
                    yield new Splits(materialize(src.train(), limit),
                            src.test() == null ? new Dataset(dataset + "/test", 0, r.imageSize(), r.imageSize(), 3,
                                    new float[0], new int[0], src.train().classes()) : materialize(src.test(), 0));
                }
                Path folder = Path.of(dataset);
                if (!Files.isDirectory(folder)) {
                    throw new DataException("unknown dataset '" + dataset + "': expected " + SMALL + ", " + FULL
                            + ", a folder of images, " + IMAGENET_FOLDER + "ROOT, " + SHARDS + "PATTERN or " + LIST + "FILE");
                }
                yield ImageFolder.load(folder, r.imageSize(), limit);
            }
        };
    }

    /**
     * Only the test split of an IDX dataset (the t10k files; the training files need not be there), or the test
     * split of a folder dataset.
     */
    public static Dataset loadTest(Request r) throws DataException {
        return switch (r.dataset()) {
            case SMALL, FULL -> idx(r.idxFolder(r.dataset()), "t10k", r.dataset() + "/test", 0);
            default -> load(r.withLimit(0)).test();
        };
    }

    /**
     * The shape {h, w, c} of the images of {@code dataset} without reading them: 28×28×1 for Fashion-MNIST, the
     * image size in RGB for a folder.
     */
    public static int[] imageShape(String dataset, int imageSize) {
        // streamed datasets are RGB at the image size, like folders
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
        if (test.h() != train.h() || test.w() != train.w()) {
            throw new DataException(dir, "the test images are " + test.h() + "×" + test.w() + ", the training images "
                    + train.h() + "×" + train.w() + ": both splits must have one size");
        }
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
        Idx.Labels read = Idx.readLabelFile(labelsFile, limit);
        int[] labels = read.values();
        if (read.total() != images.total()) {
            throw new DataException(labelsFile, read.total() + " labels for " + images.total() + " images in "
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
