package org.pauc.data;

import java.util.Arrays;
import org.pauc.config.TrainConfig;

/**
 * Images in memory: n samples of h×w×c floats in [0, 1] (NHWC), with labels when known (−1 marks an unlabeled
 * sample), the class names, and where each image came from ({@code sources}: file paths of a folder dataset; null
 * for datasets whose images have no file of their own).
 */
public record Dataset(String name, int n, int h, int w, int c, float[] pixels, int[] labels, String[] classes,
                      String[] sources) implements ImageSource {

    /** A dataset whose images have no file of their own. */
    public Dataset(String name, int n, int h, int w, int c, float[] pixels, int[] labels, String[] classes) {
        this(name, n, h, w, c, pixels, labels, classes, null);
    }

    public Dataset {
        if (sources != null && sources.length != n) {
            throw new IllegalArgumentException(name + ": " + sources.length + " sources for " + n + " images");
        }
        if (pixels.length != (long) n * h * w * c) {
            throw new IllegalArgumentException(name + ": " + pixels.length + " pixel values for " + n + " images of "
                    + h + "×" + w + "×" + c);
        }
        if (labels != null && labels.length != n) {
            throw new IllegalArgumentException(name + ": " + labels.length + " labels for " + n + " images");
        }
    }

    @Override
    public int label(int i) {
        return labels == null ? -1 : labels[i];
    }

    /** Image i as it is stored (already at the views' size). */
    @Override
    public Encoded open(int i) {
        return Encoded.of(new Picture(h, w, c, pixels, i * imageSize()));
    }

    @Override
    public boolean streamed() {
        return false;
    }

    /** Where image {@code i} came from: its file, or {@code NAME#i}. */
    @Override
    public String source(int i) {
        return sources != null ? sources[i] : name + "#" + i;
    }

    @Override
    public int imageSize() {
        return h * w * c;
    }

    public boolean labeled() {
        if (labels == null) {
            return false;
        }
        for (int l : labels) {
            if (l < 0) {
                return false;
            }
        }
        return true;
    }

    /** The same images normalised as {@code n} says (a copy; this dataset itself when {@code n} is none). */
    public Dataset normalized(TrainConfig.Normalize n) {
        if (n == TrainConfig.Normalize.NONE) {
            return this;
        }
        float[] p = pixels.clone();
        Augment.normalize(p, c, n);
        return new Dataset(name, this.n, h, w, c, p, labels, classes, sources);
    }

    /** The first {@code count} samples (for quick runs and tests). */
    public Dataset head(int count) {
        return slice(0, Math.min(count, n));
    }

    /** Samples [from, to), named name[from:to]. */
    public Dataset slice(int from, int to) {
        if (from < 0 || to > n || from > to) {
            throw new IllegalArgumentException("no samples [" + from + ", " + to + ") in " + name + " of " + n);
        }
        float[] p = Arrays.copyOfRange(pixels, from * imageSize(), to * imageSize());
        int[] l = labels == null ? null : Arrays.copyOfRange(labels, from, to);
        String[] s = sources == null ? null : Arrays.copyOfRange(sources, from, to);
        return new Dataset(name + "[" + (from == 0 ? "" : from) + ":" + to + "]", to - from, h, w, c, p, l, classes, s);
    }
}
