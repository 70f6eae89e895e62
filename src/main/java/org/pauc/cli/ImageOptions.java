package org.pauc.cli;

import java.nio.file.Path;
import org.pauc.data.DataException;
import org.pauc.config.TrainConfig;
import org.pauc.data.Datasets;
import org.pauc.io.Limits;
import picocli.CommandLine.Option;

/** The images a command reads (eval, embed): the dataset, its folder, the image side and the pixel limit. */
final class ImageOptions {
    @Option(names = "--dataset", defaultValue = Datasets.SMALL,
            description = "fashion-mnist-small, fashion-mnist or a folder of images (default: ${DEFAULT-VALUE}).")
    String dataset;
    @Option(names = "--data", paramLabel = "DIR", description = "Folder with the IDX files of --dataset.")
    Path data;
    @Option(names = "--image-size", defaultValue = "28",
            description = "Image side of a folder dataset; must be the checkpoint's (default: ${DEFAULT-VALUE}).")
    int imageSize;
    @Option(names = "--max-image-pixels", paramLabel = "N",
            description = "Refuse images whose header claims more pixels (default: 67108864).")
    long maxImagePixels = Limits.DEFAULT_MAX_IMAGE_PIXELS;

    /** Checks the values; call before any work. */
    void check() {
        Flags.range("--image-size", imageSize, 1, 4096);
        Limits.setMaxImagePixels(maxImagePixels);
    }

    Datasets.Splits load() throws DataException {
        return Datasets.load(Datasets.Request.of(dataset, TrainCommand.home(), imageSize).withData(data));
    }

    /** The splits as the checkpoint's encoder saw its inputs: normalised as its run normalised views. */
    Datasets.Splits load(TrainConfig trained) throws DataException {
        Datasets.Splits s = load();
        TrainConfig.Normalize n = trained.augmentation().normalize();
        return new Datasets.Splits(s.train().normalized(n), s.test().normalized(n));
    }
}
