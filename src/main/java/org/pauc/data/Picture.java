package org.pauc.data;

import java.awt.image.BufferedImage;

/** A decoded image: h×w×c floats in [0, 1], channels last, stored from {@code px[off]} on. */
public record Picture(int h, int w, int c, float[] px, int off) {

    /** An 8-bit interleaved image (RGB when c = 3) as floats. */
    public static Picture of(byte[] pixels, int h, int w, int c) {
        float[] f = new float[h * w * c];
        for (int i = 0; i < f.length; i++) {
            f[i] = (pixels[i] & 0xff) / 255f;
        }
        return new Picture(h, w, c, f, 0);
    }

    /** Any ImageIO image as RGB. */
    public static Picture of(BufferedImage img) {
        int h = img.getHeight();
        int w = img.getWidth();
        int[] argb = img.getRGB(0, 0, w, h, null, 0, w);
        float[] f = new float[h * w * 3];
        for (int i = 0; i < argb.length; i++) {
            f[3 * i] = ((argb[i] >> 16) & 0xff) / 255f;
            f[3 * i + 1] = ((argb[i] >> 8) & 0xff) / 255f;
            f[3 * i + 2] = (argb[i] & 0xff) / 255f;
        }
        return new Picture(h, w, 3, f, 0);
    }
}
