package org.pauc.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.pauc.config.TrainConfig;

/**
 * The augmentation's draws against its definition (MoCo v2's): the crop's area fraction uniform in [cropMin,
 * cropMax] and its log aspect ratio uniform in [log 3/4, log 4/3], its position uniform; the whole image after ten
 * misses; the flip rate; the brightness factor uniform in [1 − b, 1 + b] on a constant image, which contrast and
 * saturation leave unchanged. Bounds are several standard errors wide for the number of draws.
 */
class AugmentDistributionTest {
    static final int DRAWS = 20_000;

    static TrainConfig.Augmentation only(double cropMin, double cropMax, double flip, double jitter) {
        TrainConfig.Augmentation d = TrainConfig.Augmentation.DEFAULT;
        return new TrainConfig.Augmentation(cropMin, cropMax, flip, jitter, d.brightness(), d.contrast(), d.saturation(),
                0, 0, 0, d.blurSigmaMin(), d.blurSigmaMax(), TrainConfig.Normalize.NONE);
    }

    /** The q-quantile of sorted values. */
    static double quantile(double[] sorted, double q) {
        return sorted[(int) Math.round(q * (sorted.length - 1))];
    }

    @Test
    void cropAreaAspectAndPositionFollowTheirDefinition() {
        // a square image and areas ≤ 0.5: every first attempt fits, so the draws are the definition's, unconditioned
        Augment a = new Augment(only(0.2, 0.5, 0, 0), 7);
        int h = 120;
        int w = 120;
        double[] area = new double[DRAWS];
        double[] logRatio = new double[DRAWS];
        double[] y = new double[DRAWS];
        for (int i = 0; i < DRAWS; i++) {
            Augment.Plan p = a.plan(h, w, i % 5, i, i % 2);
            area[i] = p.ch() * p.cw() / (h * w);
            logRatio[i] = Math.log(p.cw() / p.ch());
            y[i] = p.y0() / (h - p.ch());
            assertTrue(p.y0() >= 0 && p.x0() >= 0 && p.y0() + p.ch() <= h + 1e-9 && p.x0() + p.cw() <= w + 1e-9,
                    "the crop lies inside the image: " + p);
        }
        Arrays.sort(area);
        Arrays.sort(logRatio);
        Arrays.sort(y);
        double lo = Math.log(3.0 / 4);
        double hi = Math.log(4.0 / 3);
        assertTrue(area[0] >= 0.2 - 1e-12 && area[DRAWS - 1] <= 0.5 + 1e-12, "area in [0.2, 0.5]");
        assertTrue(logRatio[0] >= lo - 1e-12 && logRatio[DRAWS - 1] <= hi + 1e-12, "aspect ratio in [3/4, 4/3]");
        for (double q : new double[] {0.1, 0.25, 0.5, 0.75, 0.9}) {
            // uniform quantiles; the standard error of a quantile here is below 0.004 of the range
            assertEquals(0.2 + 0.3 * q, quantile(area, q), 0.3 * 0.015, "area quantile " + q);
            assertEquals(lo + (hi - lo) * q, quantile(logRatio, q), (hi - lo) * 0.015, "log aspect quantile " + q);
            assertEquals(q, quantile(y, q), 0.015, "vertical position quantile " + q);
        }
    }

    @Test
    void aCropThatNeverFitsGivesTheWholeImage() {
        // the whole area at an aspect ratio in [3/4, 4/3] never fits a 100×20 image: ten misses, then all of it
        Augment a = new Augment(only(1, 1, 0, 0), 3);
        for (int i = 0; i < 200; i++) {
            Augment.Plan p = a.plan(100, 20, 0, i, 0);
            assertEquals(0, p.y0());
            assertEquals(0, p.x0());
            assertEquals(100, p.ch());
            assertEquals(20, p.cw());
        }
    }

    /** n images of h×w×c, each the same ramp from left (0.1) to right (0.9) in every row and channel. */
    static Dataset ramps(int n, int h, int w, int c) {
        float[] px = new float[n * h * w * c];
        for (int i = 0; i < px.length; i++) {
            int x = (i / c) % w;
            px[i] = (float) (0.1 + 0.8 * x / (w - 1));
        }
        return new Dataset("ramps", n, h, w, c, px, new int[n], new String[] {"0"});
    }

    @Test
    void theFlipRateIsTheSetting() {
        int h = 8;
        int w = 8;
        Dataset ds = ramps(DRAWS / 4, h, w, 1);
        for (double rate : new double[] {0.5, 0.2}) {
            Augment a = new Augment(only(1, 1, rate, 0), 11);
            float[] out = new float[h * w];
            int flipped = 0;
            for (int i = 0; i < ds.n(); i++) {
                a.view(ds, i, 0, 0, out, 0);
                assertTrue(Math.abs(out[0] - out[w - 1]) > 0.5, "the whole ramp, flipped or not");
                flipped += out[0] > out[w - 1] ? 1 : 0;
            }
            double se = Math.sqrt(rate * (1 - rate) / ds.n());
            assertEquals(rate, flipped / (double) ds.n(), 5 * se, "flip rate");
        }
    }

    @Test
    void brightnessScalesAConstantImageUniformlyWithinItsRange() {
        int h = 6;
        int w = 6;
        int n = DRAWS / 4;
        float[] px = new float[n * h * w * 3];
        Arrays.fill(px, 0.5f);
        Dataset ds = new Dataset("gray", n, h, w, 3, px, new int[n], new String[] {"0"});
        double b = TrainConfig.Augmentation.DEFAULT.brightness();
        Augment a = new Augment(only(1, 1, 0, 1), 5);
        float[] out = new float[h * w * 3];
        double[] factor = new double[n];
        for (int i = 0; i < n; i++) {
            a.view(ds, i, 0, 1, out, 0);
            for (float v : out) {
                assertEquals(out[0], v, 1e-6, "contrast and saturation leave a constant gray image constant");
            }
            factor[i] = out[0] / 0.5;
        }
        Arrays.sort(factor);
        assertTrue(factor[0] >= 1 - b - 1e-5 && factor[n - 1] <= 1 + b + 1e-5, "factor in [1 − b, 1 + b]");
        for (double q : new double[] {0.05, 0.25, 0.5, 0.75, 0.95}) {
            assertEquals(1 - b + 2 * b * q, quantile(factor, q), 2 * b * 0.02, "brightness quantile " + q);
        }
    }
}
