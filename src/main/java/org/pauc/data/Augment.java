package org.pauc.data;

import java.util.SplittableRandom;
import org.pauc.config.TrainConfig;

/**
 * MoCo v2's augmentation adapted to small images: random resized crop, horizontal flip, colour jitter
 * (brightness and contrast; saturation for RGB) with probability 0.8, random grayscale for RGB, Gaussian blur.
 * Each view's randomness derives from (seed, epoch, sample index, view) alone, so a view is the same whatever
 * the thread that computes it or the order of computation.
 */
public final class Augment {

    private final TrainConfig.Augmentation cfg;
    private final long seed;

    public Augment(TrainConfig.Augmentation cfg, long seed) {
        this.cfg = cfg;
        this.seed = seed;
    }

    /** A well-mixed seed derived from (seed, a). */
    public static long streamSeed(long seed, long a) {
        return Long.rotateLeft(seed * 0x9E3779B97F4A7C15L ^ a * 0xC2B2AE3D27D4EB4FL, 31) + 0x165667B19E3779F9L;
    }

    /** A well-mixed stream for (seed, epoch, index, view). */
    static SplittableRandom stream(long seed, long epoch, long index, long view) {
        long h = seed;
        for (long v : new long[] {epoch, index, view}) {
            h = Long.rotateLeft(h * 0x9E3779B97F4A7C15L ^ v * 0xC2B2AE3D27D4EB4FL, 31) + 0x165667B19E3779F9L;
        }
        return new SplittableRandom(h);
    }

    /** Writes view {@code view} of image {@code index} of {@code ds} into out[off …] (h×w×c). */
    public void view(Dataset ds, int index, int epoch, int view, float[] out, int off) {
        SplittableRandom r = stream(seed, epoch, index, view);
        int h = ds.h();
        int w = ds.w();
        int c = ds.c();
        float[] img = new float[h * w * c];
        crop(ds.pixels(), index * ds.imageSize(), h, w, c, r, img);
        if (r.nextDouble() < cfg.flip()) {
            flip(img, h, w, c);
        }
        if (r.nextDouble() < cfg.jitter()) {
            jitter(img, c, r);
        }
        if (c == 3 && r.nextDouble() < cfg.grayscale()) {
            grayscale(img);
        }
        if (r.nextDouble() < cfg.blur()) {
            blur(img, h, w, c, cfg.blurSigmaMin() + (cfg.blurSigmaMax() - cfg.blurSigmaMin()) * r.nextDouble());
        }
        System.arraycopy(img, 0, out, off, img.length);
    }

    /** Random resized crop (area fraction in [cropMin, cropMax], aspect ratio in [3/4, 4/3]), bilinear, same size. */
    private void crop(float[] src, int off, int h, int w, int c, SplittableRandom r, float[] dst) {
        double area = h * w;
        double ch = h;
        double cw = w;
        double y0 = 0;
        double x0 = 0;
        for (int attempt = 0; attempt < 10; attempt++) {
            double target = area * (cfg.cropMin() + (cfg.cropMax() - cfg.cropMin()) * r.nextDouble());
            double ratio = Math.exp(Math.log(3.0 / 4) + (Math.log(4.0 / 3) - Math.log(3.0 / 4)) * r.nextDouble());
            double tw = Math.sqrt(target * ratio);
            double th = Math.sqrt(target / ratio);
            if (tw <= w && th <= h) {
                cw = tw;
                ch = th;
                y0 = (h - th) * r.nextDouble();
                x0 = (w - tw) * r.nextDouble();
                break;
            }
        }
        for (int y = 0; y < h; y++) {
            double sy = y0 + (y + 0.5) * ch / h - 0.5;
            int iy = (int) Math.floor(sy);
            double fy = sy - iy;
            for (int x = 0; x < w; x++) {
                double sx = x0 + (x + 0.5) * cw / w - 0.5;
                int ix = (int) Math.floor(sx);
                double fx = sx - ix;
                for (int k = 0; k < c; k++) {
                    double v = (1 - fy) * ((1 - fx) * at(src, off, h, w, c, iy, ix, k) + fx * at(src, off, h, w, c, iy, ix + 1, k))
                            + fy * ((1 - fx) * at(src, off, h, w, c, iy + 1, ix, k) + fx * at(src, off, h, w, c, iy + 1, ix + 1, k));
                    dst[(y * w + x) * c + k] = (float) v;
                }
            }
        }
    }

    private static float at(float[] src, int off, int h, int w, int c, int y, int x, int k) {
        y = Math.min(Math.max(y, 0), h - 1);
        x = Math.min(Math.max(x, 0), w - 1);
        return src[off + (y * w + x) * c + k];
    }

    private static void flip(float[] img, int h, int w, int c) {
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w / 2; x++) {
                for (int k = 0; k < c; k++) {
                    int a = (y * w + x) * c + k;
                    int b = (y * w + w - 1 - x) * c + k;
                    float t = img[a];
                    img[a] = img[b];
                    img[b] = t;
                }
            }
        }
    }

    /** Brightness (scale), contrast (blend with the mean), saturation (blend with gray, RGB) in random order. */
    private void jitter(float[] img, int c, SplittableRandom r) {
        double b = 1 + cfg.brightness() * (2 * r.nextDouble() - 1);
        double ct = 1 + cfg.contrast() * (2 * r.nextDouble() - 1);
        double s = 1 + cfg.saturation() * (2 * r.nextDouble() - 1);
        boolean contrastFirst = r.nextBoolean();
        if (contrastFirst) {
            contrast(img, c, ct);
        }
        for (int i = 0; i < img.length; i++) {
            img[i] = clamp(img[i] * b);
        }
        if (!contrastFirst) {
            contrast(img, c, ct);
        }
        if (c == 3) {
            for (int p = 0; p < img.length; p += 3) {
                double g = gray(img, p);
                for (int k = 0; k < 3; k++) {
                    img[p + k] = clamp(g + s * (img[p + k] - g));
                }
            }
        }
    }

    private static void contrast(float[] img, int c, double factor) {
        double mean = 0;
        for (int p = 0; p < img.length; p += c) {
            mean += c == 3 ? gray(img, p) : img[p];
        }
        mean /= img.length / c;
        for (int i = 0; i < img.length; i++) {
            img[i] = clamp(mean + factor * (img[i] - mean));
        }
    }

    private static double gray(float[] img, int p) {
        return 0.299 * img[p] + 0.587 * img[p + 1] + 0.114 * img[p + 2];
    }

    private static void grayscale(float[] img) {
        for (int p = 0; p < img.length; p += 3) {
            float g = (float) gray(img, p);
            img[p] = g;
            img[p + 1] = g;
            img[p + 2] = g;
        }
    }

    private static float clamp(double v) {
        return (float) Math.min(1, Math.max(0, v));
    }

    /** Separable Gaussian blur with radius ⌈3σ⌉ and edge clamping. */
    private static void blur(float[] img, int h, int w, int c, double sigma) {
        int radius = Math.max(1, (int) Math.ceil(3 * sigma));
        double[] kernel = new double[2 * radius + 1];
        double sum = 0;
        for (int i = -radius; i <= radius; i++) {
            kernel[i + radius] = Math.exp(-i * i / (2 * sigma * sigma));
            sum += kernel[i + radius];
        }
        for (int i = 0; i < kernel.length; i++) {
            kernel[i] /= sum;
        }
        float[] tmp = new float[img.length];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                for (int k = 0; k < c; k++) {
                    double acc = 0;
                    for (int i = -radius; i <= radius; i++) {
                        int xx = Math.min(Math.max(x + i, 0), w - 1);
                        acc += kernel[i + radius] * img[(y * w + xx) * c + k];
                    }
                    tmp[(y * w + x) * c + k] = (float) acc;
                }
            }
        }
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                for (int k = 0; k < c; k++) {
                    double acc = 0;
                    for (int i = -radius; i <= radius; i++) {
                        int yy = Math.min(Math.max(y + i, 0), h - 1);
                        acc += kernel[i + radius] * tmp[(yy * w + x) * c + k];
                    }
                    img[(y * w + x) * c + k] = (float) acc;
                }
            }
        }
    }
}
