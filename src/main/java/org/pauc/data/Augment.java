package org.pauc.data;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.pauc.config.TrainConfig;
import org.pauc.hostmath.Seeds;

/**
 * MoCo v2's augmentation at any resolution: random resized crop from an image of any size to the views' size,
 * horizontal flip, colour jitter (brightness and contrast; saturation and hue for RGB) with probability 0.8, random
 * grayscale for RGB, Gaussian blur, and optionally ImageNet's normalisation. Each view's randomness derives from
 * (seed, epoch, sample index, view) alone, so a view is the same whatever the thread that computes it or the order
 * of computation. The crop is drawn before the image is decoded, so a JPEG can be decoded at the smallest scale
 * that still covers it.
 */
public final class Augment {

    private final TrainConfig.Augmentation cfg;
    private final long seed;

    public Augment(TrainConfig.Augmentation cfg, long seed) {
        this.cfg = cfg;
        this.seed = seed;
    }


    /**
     * A view's random resized crop, drawn from the image's size alone (before decoding, so the crop can choose the
     * decoding scale): top-left (y0, x0) and size ch×cw in source pixels, with the view's stream for the rest.
     */
    record Plan(double y0, double x0, double ch, double cw, SplittableRandom rest) {
        /** The smallest decoding scale that still gives the crop at least {@code h}×{@code w} source pixels. */
        double scaleFor(int h, int w) {
            return Math.min(1, Math.max(h / ch, w / cw));
        }
    }

    /** Writes view {@code view} of image {@code index} of {@code src} into out[off …] (src.h × src.w × src.c). */
    public void view(ImageSource src, int index, int epoch, int view, float[] out, int off) throws DataException {
        Encoded e = src.open(index);
        Plan p = plan(e.h(), e.w(), epoch, index, view);
        render(e.decode(p.scaleFor(src.h(), src.w())), e.h(), e.w(), p, src.h(), src.w(), src.c(), out, off);
    }

    /**
     * Both views of image {@code index}, from one decoding at the scale the larger need of the two crops asks
     * (DCT-domain scaling for JPEG); the same pixels as {@link #view} at full scale for an image in memory. A null
     * output skips that view's rendering (its pixels are then those the pair would give it, whatever the other view).
     */
    public void pair(ImageSource src, int index, int epoch, float[] out0, float[] out1, int off) throws DataException {
        Encoded e = src.open(index);
        Plan p0 = plan(e.h(), e.w(), epoch, index, 0);
        Plan p1 = plan(e.h(), e.w(), epoch, index, 1);
        Picture pic = e.decode(Math.max(p0.scaleFor(src.h(), src.w()), p1.scaleFor(src.h(), src.w())));
        if (out0 != null) {
            render(pic, e.h(), e.w(), p0, src.h(), src.w(), src.c(), out0, off);
        }
        if (out1 != null) {
            render(pic, e.h(), e.w(), p1, src.h(), src.w(), src.c(), out1, off);
        }
    }

    /** {@link #view} of an image in memory, where nothing is decoded and nothing can fail. */
    public void view(Dataset ds, int index, int epoch, int view, float[] out, int off) {
        try {
            view((ImageSource) ds, index, epoch, view, out, off);
        } catch (DataException e) {
            throw new IllegalStateException("an image in memory failed to decode", e);
        }
    }

    /**
     * The evaluation transform into out[off …]: an image already at the views' size is taken as it is; any other is
     * resized so that its shorter side is size·256/224 and centre-cropped to the views' size (torchvision's
     * Resize(256) + CenterCrop(224) at 224 px). Then the normalisation, as for training views.
     */
    public void evaluation(ImageSource src, int index, float[] out, int off) throws DataException {
        Encoded e = src.open(index);
        int oh = src.h();
        int ow = src.w();
        int c = src.c();
        float[] img = new float[oh * ow * c];
        if (e.h() == oh && e.w() == ow) {
            Picture p = e.decode(1);
            System.arraycopy(p.px(), p.off(), img, 0, img.length);
        } else {
            double shorter = Math.round(Math.min(oh, ow) * 256.0 / 224);
            double side = Math.min(e.h(), e.w()) / shorter;
            double ch = oh * side;
            double cw = ow * side;
            Plan p = new Plan((e.h() - ch) / 2, (e.w() - cw) / 2, ch, cw, null);
            Picture pic = e.decode(p.scaleFor(oh, ow));
            crop(pic, e.h(), e.w(), p, oh, ow, c, img);
        }
        normalize(img, c);
        System.arraycopy(img, 0, out, off, img.length);
    }

    /** The crop of one view: area fraction in [cropMin, cropMax], aspect ratio in [3/4, 4/3]; the whole image after 10 misses. */
    Plan plan(int h, int w, int epoch, int index, int view) {
        SplittableRandom r = Seeds.augment(seed, epoch, index, view);
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
        return new Plan(y0, x0, ch, cw, r);
    }

    /**
     * The rest of a view after its crop: flip, colour jitter, grayscale, blur, normalisation, in MoCo v2's order.
     * {@code pic} is the image decoded at some scale of its h0×w0 source size.
     */
    private void render(Picture pic, int h0, int w0, Plan p, int h, int w, int c, float[] out, int off) {
        SplittableRandom r = p.rest();
        float[] img = new float[h * w * c];
        crop(pic, h0, w0, p, h, w, c, img);
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
            double sigma = cfg.blurSigmaMin() + (cfg.blurSigmaMax() - cfg.blurSigmaMin()) * r.nextDouble();
            blur(img, h, w, c, sigma);
        }
        normalize(img, c);
        System.arraycopy(img, 0, out, off, img.length);
    }

    private void normalize(float[] img, int c) {
        normalize(img, c, cfg.normalize());
    }

    /** (v − mean)/std per channel (interleaved, c of them) under {@code imagenet}; nothing under {@code none}. */
    static void normalize(float[] img, int c, TrainConfig.Normalize how) {
        if (how != TrainConfig.Normalize.IMAGENET) {
            return;
        }
        if (c != 3) {
            throw new IllegalArgumentException("--normalize imagenet needs RGB images, these have " + c + " channel(s)");
        }
        for (int k = 0; k < c; k++) {
            float mean = (float) IMAGENET_MEAN[k];
            float inv = (float) (1 / IMAGENET_STD[k]);
            for (int i = k; i < img.length; i += c) {
                img[i] = (img[i] - mean) * inv;
            }
        }
    }

    /** torchvision's ImageNet statistics, per RGB channel. */
    static final double[] IMAGENET_MEAN = {0.485, 0.456, 0.406};
    static final double[] IMAGENET_STD = {0.229, 0.224, 0.225};

    /**
     * Bilinear sampling of the crop box (source coordinates, scaled to the decoded picture) onto h×w; borders clamp.
     * Channels beyond the picture's (a gray picture for an RGB view) repeat its last.
     */
    private static void crop(Picture pic, int h0, int w0, Plan p, int h, int w, int c, float[] dst) {
        double fy = (double) pic.h() / h0;
        double fx = (double) pic.w() / w0;
        double y0 = p.y0() * fy;
        double x0 = p.x0() * fx;
        double ch = p.ch() * fy;
        double cw = p.cw() * fx;
        float[] src = pic.px();
        int off = pic.off();
        int ph = pic.h();
        int pw = pic.w();
        int pc = pic.c();
        // per column and per row: the two source taps (clamped to the border) and the weight of the second
        int[] xa = new int[w];
        int[] xb = new int[w];
        double[] wxs = new double[w];
        for (int x = 0; x < w; x++) {
            double sx = x0 + (x + 0.5) * cw / w - 0.5;
            int ix = (int) Math.floor(sx);
            wxs[x] = sx - ix;
            xa[x] = Math.min(Math.max(ix, 0), pw - 1) * pc;
            xb[x] = Math.min(Math.max(ix + 1, 0), pw - 1) * pc;
        }
        for (int y = 0; y < h; y++) {
            double sy = y0 + (y + 0.5) * ch / h - 0.5;
            int iy = (int) Math.floor(sy);
            double wy = sy - iy;
            int ra = off + Math.min(Math.max(iy, 0), ph - 1) * pw * pc;
            int rb = off + Math.min(Math.max(iy + 1, 0), ph - 1) * pw * pc;
            for (int x = 0; x < w; x++) {
                double wx = wxs[x];
                for (int k = 0; k < c; k++) {
                    int kk = Math.min(k, pc - 1);
                    double v = (1 - wy) * ((1 - wx) * src[ra + xa[x] + kk] + wx * src[ra + xb[x] + kk])
                            + wy * ((1 - wx) * src[rb + xa[x] + kk] + wx * src[rb + xb[x] + kk]);
                    dst[(y * w + x) * c + k] = (float) v;
                }
            }
        }
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

    /**
     * Brightness (scale), contrast (blend with the mean) in random order, then saturation (blend with gray) and hue
     * (a rotation, only when --hue is above 0) for RGB.
     */
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
            if (cfg.hue() > 0) {
                hue(img, cfg.hue() * (2 * r.nextDouble() - 1));
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

    /**
     * Separable Gaussian blur with radius ⌈3σ⌉ and edge clamping. Each output is Σ_i kernel[i]·v[i] over the taps in
     * order, in double; the loops run over a whole row per tap so that they vectorise.
     */
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
        int row = w * c;
        float[] tmp = new float[img.length];
        double[] acc = new double[row];
        for (int y = 0; y < h; y++) {
            Arrays.fill(acc, 0);
            int base = y * row;
            for (int i = -radius; i <= radius; i++) {
                double kv = kernel[i + radius];
                // x + i inside the row for x in [lo, hi); clamped to the edge pixel outside
                int lo = Math.min(w, Math.max(0, -i));
                int hi = Math.max(lo, Math.min(w, w - i));
                for (int x = 0; x < lo; x++) {
                    for (int k = 0; k < c; k++) {
                        acc[x * c + k] += kv * img[base + k];
                    }
                }
                int shift = base + i * c;
                for (int j = lo * c; j < hi * c; j++) {
                    acc[j] += kv * img[shift + j];
                }
                for (int x = hi; x < w; x++) {
                    for (int k = 0; k < c; k++) {
                        acc[x * c + k] += kv * img[base + (w - 1) * c + k];
                    }
                }
            }
            for (int j = 0; j < row; j++) {
                tmp[base + j] = (float) acc[j];
            }
        }
        for (int y = 0; y < h; y++) {
            Arrays.fill(acc, 0);
            for (int i = -radius; i <= radius; i++) {
                double kv = kernel[i + radius];
                int src = Math.min(Math.max(y + i, 0), h - 1) * row;
                for (int j = 0; j < row; j++) {
                    acc[j] += kv * tmp[src + j];
                }
            }
            int base = y * row;
            for (int j = 0; j < row; j++) {
                img[base + j] = (float) acc[j];
            }
        }
    }

    /**
     * Hue rotation by {@code shift} turns (torchvision's adjust_hue): RGB to HSV, h ← (h + shift) mod 1, back to
     * RGB.
     */
    private static void hue(float[] img, double shift) {
        for (int p = 0; p < img.length; p += 3) {
            double r = img[p];
            double g = img[p + 1];
            double b = img[p + 2];
            double max = Math.max(r, Math.max(g, b));
            double min = Math.min(r, Math.min(g, b));
            double delta = max - min;
            if (delta <= 0) {
                continue;
            }
            double hh;
            if (max == r) {
                hh = (g - b) / delta;
            } else if (max == g) {
                hh = 2 + (b - r) / delta;
            } else {
                hh = 4 + (r - g) / delta;
            }
            hh = hh / 6 + shift;
            hh -= Math.floor(hh);
            double sat = delta / max;
            double h6 = hh * 6;
            int sector = Math.min(5, (int) h6);
            double f = h6 - sector;
            float v = (float) max;
            float pp = (float) (max * (1 - sat));
            float q = (float) (max * (1 - sat * f));
            float t = (float) (max * (1 - sat * (1 - f)));
            switch (sector) {
                case 0 -> set(img, p, v, t, pp);
                case 1 -> set(img, p, q, v, pp);
                case 2 -> set(img, p, pp, v, t);
                case 3 -> set(img, p, pp, q, v);
                case 4 -> set(img, p, t, pp, v);
                default -> set(img, p, v, pp, q);
            }
        }
    }

    private static void set(float[] img, int p, float r, float g, float b) {
        img[p] = r;
        img[p + 1] = g;
        img[p + 2] = b;
    }
}
