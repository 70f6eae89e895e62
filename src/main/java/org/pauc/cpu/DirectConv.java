package org.pauc.cpu;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import org.pauc.hostmath.Gemm;
import org.pauc.hostmath.Parallel;
import org.pauc.hostmath.Scratch;
import org.pauc.oracle.layers.ConvShape;

/**
 * Direct NHWC convolution forward (no im2col of the whole batch), must match {@code Layers.conv2d} of the oracle. Each
 * MR × NR block of outputs (MR output pixels, NR output channels) is accumulated in registers over the window's
 * kh·kw·cin values, broadcast against vectors of packed weights: the same register blocking as {@link Gemm}'s kernel.
 * A window that lies inside the image is read straight from the input, a run of kw·cin values per kernel row; MR such
 * pixels make a block. Windows across the border (and a last few inside) are copied side by side first
 * ({@link Conv#patch}, zeros outside the image); a first layer's runs of a few values all come out of a zero-padded copy
 * of the input, where every window is inside. Tiles are split over a fixed number of tasks; each output element starts
 * from its bias and sums its taps in one fixed order (taps, then channels), whichever way its window is read.
 */
final class DirectConv {
    static final int MR = Gemm.MR;
    static final int NR = Gemm.NR;
    static final int L = Gemm.L;
    /** Output pixels per parallel task, about. */
    private static final int TASK_ROWS = 512;

    private DirectConv() {}

    private static final ThreadLocal<float[]> TILE = ThreadLocal.withInitial(() -> new float[MR * NR]);
    /** A tile's MR windows, copied out of the input. */
    private static final Scratch WINDOWS = new Scratch();

    static void forward(ConvShape s, float[] x, float[] w, float[] bias, float[] y) {
        int rows = s.patches();
        if (rows == 0) {
            return;
        }
        Plan p = plan(s, x, w, bias);
        // whole register tiles per task, and a count of tasks that shares out evenly (no sum depends on it)
        int even = Parallel.evenTasks(rows, TASK_ROWS);
        int taskRows = ((rows + even - 1) / even + MR - 1) / MR * MR;
        int tasks = (rows + taskRows - 1) / taskRows;
        Parallel.forEach(tasks, t -> {
            int start = t * taskRows;
            outputs(p, start, Math.min(rows, start + taskRows), y, 0);
        });
    }

    /**
     * What {@link #outputs} needs of a convolution: its weights packed in panels of NR output channels, its bias, and
     * where windows are read: a zero-padded copy of the input (xp) or the input itself.
     */
    record Plan(ConvShape s, float[] x, float[] xp, float[] wp, float[] bias, int panels) {}

    /**
     * The packed weights and bias of a convolution, and for a few values per kernel row (a first layer's pixel or
     * three) a zero-padded copy of the input, which is cheap and puts every window inside; with more, border windows
     * are copied instead.
     */
    static Plan plan(ConvShape s, float[] x, float[] w, float[] bias) {
        int cout = s.cout();
        int k = s.patchSize();
        float[] xp = s.pad() > 0 && s.kw() * s.cin() <= Conv.SHORT_COPY
                ? padded(s, x, s.h() + 2 * s.pad(), s.w() + 2 * s.pad()) : null;
        int panels = (cout + NR - 1) / NR;
        float[] wp = new float[panels * k * NR];
        for (int pnl = 0; pnl < panels; pnl++) {
            int nr = Math.min(NR, cout - pnl * NR);
            for (int q = 0; q < k; q++) {
                System.arraycopy(w, q * cout + pnl * NR, wp, (pnl * k + q) * NR, nr);
            }
        }
        return new Plan(s, x, xp, wp, bias != null ? bias : new float[cout], panels);
    }

    /** Where each of MR windows copied side by side starts: window r at r·k. */
    private static int[] contiguous(int k) {
        int[] at = new int[MR];
        for (int r = 0; r < MR; r++) {
            at[r] = r * k;
        }
        return at;
    }

    /**
     * Output pixels [start, end) (rows of the NHWC output) into out, pixel p's cout values at (p − first)·cout. Each
     * value is bias + Σ taps in one fixed order, so it has the same bits whatever range or tile it is computed in.
     */
    static void outputs(Plan p, int start, int end, float[] out, int first) {
        ConvShape s = p.s();
        int cout = s.cout();
        int k = s.patchSize();
        int cin = s.cin();
        int run = s.kw() * cin;
        int oh = s.oh();
        int ow = s.ow();
        int hp = s.h() + 2 * s.pad();
        int wpd = s.w() + 2 * s.pad();
        int panels = p.panels();
        float[] wp = p.wp();
        float[] b = p.bias();
        float[] x = p.x();
        float[] xp = p.xp();
        // windows inside the image (all of them in a padded copy) are read straight from it, kernel row by kernel row
        float[] src = xp != null ? xp : x;
        int srcH = xp != null ? hp : s.h();
        int srcW = xp != null ? wpd : s.w();
        int shift = xp != null ? 0 : s.pad();
        float[] windows = WINDOWS.get(MR * k);
        float[] tile = TILE.get();
        int[] at = new int[MR];
        int[] outAt = new int[MR];
        // pixels whose window leaves the image, and a last few inside: their windows are copied with zeros
        int[] rest = new int[end - start];
        int inside = 0;
        int restCount = 0;
        int ox = start % ow;
        int oy = start / ow % oh;
        int n = start / (ow * oh);
        for (int px = start; px < end; px++) {
            int iy0 = oy * s.stride() - shift;
            int ix0 = ox * s.stride() - shift;
            if (iy0 >= 0 && iy0 + s.kh() <= srcH && ix0 >= 0 && ix0 + s.kw() <= srcW) {
                at[inside] = ((n * srcH + iy0) * srcW + ix0) * cin;
                outAt[inside] = (px - first) * cout;
                if (++inside == MR) {
                    for (int pnl = 0; pnl < panels; pnl++) {
                        block(s.kh(), run, srcW * cin, src, at, wp, pnl * k * NR, b, pnl, cout, out, outAt, tile);
                    }
                    inside = 0;
                }
            } else {
                rest[restCount++] = px;
            }
            if (++ox == ow) {
                ox = 0;
                if (++oy == oh) {
                    oy = 0;
                    n++;
                }
            }
        }
        for (int r = 0; r < inside; r++) {
            rest[restCount++] = outAt[r] / cout + first;
        }
        int[] contiguous = contiguous(k);
        for (int i = 0; i < restCount; i += MR) {
            int valid = Math.min(MR, restCount - i);
            // the MR windows, each as its k patch values in the sums' order (taps, then channels)
            for (int r = 0; r < MR; r++) {
                int row = rest[i + Math.min(r, valid - 1)];
                outAt[r] = (row - first) * cout;
                int rx = row % ow;
                int ry = row / ow % oh;
                int rn = row / (ow * oh);
                if (xp == null) {
                    Conv.patch(s, x, rn, ry, rx, windows, r * k);
                } else {
                    int base = ((rn * hp + ry * s.stride()) * wpd + rx * s.stride()) * cin;
                    for (int ky = 0; ky < s.kh(); ky++) {
                        Conv.copy(xp, base + ky * wpd * cin, windows, r * k + ky * run, run);
                    }
                }
            }
            for (int pnl = 0; pnl < panels; pnl++) {
                if (valid == MR) {
                    block(1, k, 0, windows, contiguous, wp, pnl * k * NR, b, pnl, cout, out, outAt, tile);
                } else {
                    int nr = Math.min(NR, cout - pnl * NR);
                    float[] bt = new float[NR];
                    System.arraycopy(b, pnl * NR, bt, 0, nr);
                    kernel(1, k, 0, windows, contiguous, wp, pnl * k * NR, bt, 0, tile, TILE_ROWS, 0);
                    for (int r = 0; r < valid; r++) {
                        System.arraycopy(tile, r * NR, out, outAt[r] + pnl * NR, nr);
                    }
                }
            }
        }
    }

    /** Row offsets of {@link #TILE}: MR rows of NR. */
    private static final int[] TILE_ROWS = new int[MR];

    static {
        for (int r = 0; r < MR; r++) {
            TILE_ROWS[r] = r * NR;
        }
    }

    /**
     * Output panel pnl of MR whole output pixels (rows at outAt[r] of y): straight into y for a whole panel of NR
     * channels, through the tile for the last, narrower one.
     */
    private static void block(int kh, int run, int rowStride, float[] x, int[] at, float[] wp, int wOff, float[] b,
                              int pnl, int cout, float[] y, int[] outAt, float[] tile) {
        int nr = Math.min(NR, cout - pnl * NR);
        if (nr == NR) {
            kernel(kh, run, rowStride, x, at, wp, wOff, b, pnl * NR, y, outAt, pnl * NR);
        } else {
            float[] bt = new float[NR];
            System.arraycopy(b, pnl * NR, bt, 0, nr);
            kernel(kh, run, rowStride, x, at, wp, wOff, bt, 0, tile, TILE_ROWS, 0);
            for (int r = 0; r < MR; r++) {
                System.arraycopy(tile, r * NR, y, outAt[r] + pnl * NR, nr);
            }
        }
    }

    /**
     * Weight gradient for small patches (kh·kw·cin of a few values, e.g. the first layer of a grayscale model), read
     * straight from the padded input: dW[tap·cin + ci, co] over rows [r0, r1) of output pixels = Σ_r
     * xp[base_r + tapOffset + ci] · dy[r, co], one vector of output channels at a time in a register. Each sum keeps four
     * independent chains (row r in chain (r − r0) mod 4, the rows after the last whole four in the first), added
     * (c0 + c1) + (c2 + c3) at the end; three patch values share each pass over dy, so that a row's vector is loaded
     * once for three products and twelve chains hide the FMA latency.
     */
    static void weightGradSmall(ConvShape s, float[] xp, int r0, int r1, float[] dy, float[] dw, int dwOff) {
        int hp = s.h() + 2 * s.pad();
        int wpd = s.w() + 2 * s.pad();
        int cin = s.cin();
        int cout = s.cout();
        int oh = s.oh();
        int ow = s.ow();
        int k = s.patchSize();
        int[] base = new int[r1 - r0];
        for (int r = r0; r < r1; r++) {
            int ox = r % ow;
            int oy = r / ow % oh;
            int n = r / (ow * oh);
            base[r - r0] = ((n * hp + oy * s.stride()) * wpd + ox * s.stride()) * cin;
        }
        // patch value q = (ky·kw + kx)·cin + ci sits at this offset from a window's first value
        int[] offset = new int[k];
        for (int ky = 0; ky < s.kh(); ky++) {
            for (int kx = 0; kx < s.kw(); kx++) {
                for (int ci = 0; ci < cin; ci++) {
                    offset[(ky * s.kw() + kx) * cin + ci] = (ky * wpd + kx) * cin + ci;
                }
            }
        }
        for (int co = 0; co < cout; co += L) {
            for (int q = 0; q < k; q += 3) {
                weightGradTaps(xp, base, offset, q, Math.min(3, k - q), r0, r1, dy, cout, co, dw, dwOff);
            }
        }
    }

    /**
     * {@link #weightGradSmall}'s sums of patch values q … q + count − 1 (count ≤ 3) for output channels co … co + L in
     * one pass over the rows; a missing third (or second) value repeats the first, and only real ones are stored.
     * (Summing the bias gradient in the same pass made the method too large for C1, which then left it to the
     * interpreter until C2 compiled it, and again after each deoptimisation.)
     */
    private static void weightGradTaps(float[] xp, int[] base, int[] offset, int q, int count, int r0, int r1,
                                       float[] dy, int cout, int co, float[] dw, int dwOff) {
        VectorMask<Float> m = Gemm.S.indexInRange(co, cout);
        int o0 = offset[q];
        int o1 = offset[q + Math.min(1, count - 1)];
        int o2 = offset[q + Math.min(2, count - 1)];
        FloatVector a0 = FloatVector.zero(Gemm.S);
        FloatVector a1 = a0, a2 = a0, a3 = a0;
        FloatVector b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        FloatVector c0 = a0, c1 = a0, c2 = a0, c3 = a0;
        int r = r0;
        for (; r + 4 <= r1; r += 4) {
            int j = r - r0;
            FloatVector d = FloatVector.fromArray(Gemm.S, dy, r * cout + co, m);
            a0 = d.fma(FloatVector.broadcast(Gemm.S, xp[base[j] + o0]), a0);
            b0 = d.fma(FloatVector.broadcast(Gemm.S, xp[base[j] + o1]), b0);
            c0 = d.fma(FloatVector.broadcast(Gemm.S, xp[base[j] + o2]), c0);
            d = FloatVector.fromArray(Gemm.S, dy, (r + 1) * cout + co, m);
            a1 = d.fma(FloatVector.broadcast(Gemm.S, xp[base[j + 1] + o0]), a1);
            b1 = d.fma(FloatVector.broadcast(Gemm.S, xp[base[j + 1] + o1]), b1);
            c1 = d.fma(FloatVector.broadcast(Gemm.S, xp[base[j + 1] + o2]), c1);
            d = FloatVector.fromArray(Gemm.S, dy, (r + 2) * cout + co, m);
            a2 = d.fma(FloatVector.broadcast(Gemm.S, xp[base[j + 2] + o0]), a2);
            b2 = d.fma(FloatVector.broadcast(Gemm.S, xp[base[j + 2] + o1]), b2);
            c2 = d.fma(FloatVector.broadcast(Gemm.S, xp[base[j + 2] + o2]), c2);
            d = FloatVector.fromArray(Gemm.S, dy, (r + 3) * cout + co, m);
            a3 = d.fma(FloatVector.broadcast(Gemm.S, xp[base[j + 3] + o0]), a3);
            b3 = d.fma(FloatVector.broadcast(Gemm.S, xp[base[j + 3] + o1]), b3);
            c3 = d.fma(FloatVector.broadcast(Gemm.S, xp[base[j + 3] + o2]), c3);
        }
        for (; r < r1; r++) {
            int j = r - r0;
            FloatVector d = FloatVector.fromArray(Gemm.S, dy, r * cout + co, m);
            a0 = d.fma(FloatVector.broadcast(Gemm.S, xp[base[j] + o0]), a0);
            b0 = d.fma(FloatVector.broadcast(Gemm.S, xp[base[j] + o1]), b0);
            c0 = d.fma(FloatVector.broadcast(Gemm.S, xp[base[j] + o2]), c0);
        }
        a0.add(a1).add(a2.add(a3)).intoArray(dw, dwOff + q * cout + co, m);
        if (count > 1) {
            b0.add(b1).add(b2.add(b3)).intoArray(dw, dwOff + (q + 1) * cout + co, m);
        }
        if (count > 2) {
            c0.add(c1).add(c2.add(c3)).intoArray(dw, dwOff + (q + 2) * cout + co, m);
        }
    }

    private static final Scratch PADDED = new Scratch();

    /** x with pad zeros around every image: n × (h + 2·pad) × (w + 2·pad) × cin. */
    static float[] padded(ConvShape s, float[] x, int hp, int wpd) {
        int cin = s.cin();
        int size = s.n() * hp * wpd * cin;
        float[] xp = PADDED.get(size);
        int pad = s.pad();
        int row = wpd * cin;
        Parallel.forEach(s.n(), n -> {
            int img = n * hp * row;
            // only the border is zeroed: the copies cover the rest
            Arrays.fill(xp, img, img + pad * row, 0f);
            Arrays.fill(xp, img + (pad + s.h()) * row, img + hp * row, 0f);
            for (int iy = 0; iy < s.h(); iy++) {
                int o = img + (iy + pad) * row;
                Arrays.fill(xp, o, o + pad * cin, 0f);
                System.arraycopy(x, ((n * s.h() + iy) * s.w()) * cin, xp, o + pad * cin, s.w() * cin);
                Arrays.fill(xp, o + (pad + s.w()) * cin, o + row, 0f);
            }
        });
        return xp;
    }

    /**
     * One MR × NR block of outputs, by the kernel written for MR (see {@link Gemm#MR}): out[outAt[r] + outPlus + ·] =
     * bias + Σ_q a_r[q] · wp[q, ·], q ascending, where output pixel r's k = kh·run patch values a_r lie in kh runs of
     * run values, x[at[r] + ky·rowStride …]: a window read straight from the input (a run per kernel row), or one
     * copied out of it (kh = 1). Every read is linear in the loop, so its bounds are checked once per run.
     */
    private static void kernel(int kh, int run, int rowStride, float[] x, int[] at, float[] wp, int wOff,
                               float[] bias, int biasOff, float[] out, int[] outAt, int outPlus) {
        if (MR == 8) {
            kernel8(kh, run, rowStride, x, at, wp, wOff, bias, biasOff, out, outAt, outPlus);
        } else {
            kernel5(kh, run, rowStride, x, at, wp, wOff, bias, biasOff, out, outAt, outPlus);
        }
    }

    /** The block for five output pixels: ten accumulators, which fit 16 vector registers with the operands. */
    private static void kernel5(int kh, int run, int rowStride, float[] x, int[] at, float[] wp, int wOff,
                                float[] bias, int biasOff, float[] out, int[] outAt, int outPlus) {
        FloatVector bias0 = FloatVector.fromArray(Gemm.S, bias, biasOff);
        FloatVector bias1 = FloatVector.fromArray(Gemm.S, bias, biasOff + L);
        FloatVector c00 = bias0, c01 = bias1;
        FloatVector c10 = bias0, c11 = bias1;
        FloatVector c20 = bias0, c21 = bias1;
        FloatVector c30 = bias0, c31 = bias1;
        FloatVector c40 = bias0, c41 = bias1;
        int wi = wOff;
        for (int ky = 0; ky < kh; ky++) {
            int a0 = at[0] + ky * rowStride;
            int a1 = at[1] + ky * rowStride;
            int a2 = at[2] + ky * rowStride;
            int a3 = at[3] + ky * rowStride;
            int a4 = at[4] + ky * rowStride;
            for (int j = 0; j < run; j++, wi += NR) {
                FloatVector w0 = FloatVector.fromArray(Gemm.S, wp, wi);
                FloatVector w1 = FloatVector.fromArray(Gemm.S, wp, wi + L);
                FloatVector v = FloatVector.broadcast(Gemm.S, x[a0 + j]);
                c00 = v.fma(w0, c00);
                c01 = v.fma(w1, c01);
                v = FloatVector.broadcast(Gemm.S, x[a1 + j]);
                c10 = v.fma(w0, c10);
                c11 = v.fma(w1, c11);
                v = FloatVector.broadcast(Gemm.S, x[a2 + j]);
                c20 = v.fma(w0, c20);
                c21 = v.fma(w1, c21);
                v = FloatVector.broadcast(Gemm.S, x[a3 + j]);
                c30 = v.fma(w0, c30);
                c31 = v.fma(w1, c31);
                v = FloatVector.broadcast(Gemm.S, x[a4 + j]);
                c40 = v.fma(w0, c40);
                c41 = v.fma(w1, c41);
            }
        }
        c00.intoArray(out, outAt[0] + outPlus);
        c01.intoArray(out, outAt[0] + outPlus + L);
        c10.intoArray(out, outAt[1] + outPlus);
        c11.intoArray(out, outAt[1] + outPlus + L);
        c20.intoArray(out, outAt[2] + outPlus);
        c21.intoArray(out, outAt[2] + outPlus + L);
        c30.intoArray(out, outAt[3] + outPlus);
        c31.intoArray(out, outAt[3] + outPlus + L);
        c40.intoArray(out, outAt[4] + outPlus);
        c41.intoArray(out, outAt[4] + outPlus + L);
    }

    /** The block for eight output pixels (32 vector registers): sixteen accumulators. */
    private static void kernel8(int kh, int run, int rowStride, float[] x, int[] at, float[] wp, int wOff,
                                float[] bias, int biasOff, float[] out, int[] outAt, int outPlus) {
        FloatVector bias0 = FloatVector.fromArray(Gemm.S, bias, biasOff);
        FloatVector bias1 = FloatVector.fromArray(Gemm.S, bias, biasOff + L);
        FloatVector c00 = bias0, c01 = bias1;
        FloatVector c10 = bias0, c11 = bias1;
        FloatVector c20 = bias0, c21 = bias1;
        FloatVector c30 = bias0, c31 = bias1;
        FloatVector c40 = bias0, c41 = bias1;
        FloatVector c50 = bias0, c51 = bias1;
        FloatVector c60 = bias0, c61 = bias1;
        FloatVector c70 = bias0, c71 = bias1;
        int wi = wOff;
        for (int ky = 0; ky < kh; ky++) {
            int o0 = at[0] + ky * rowStride;
            int o1 = at[1] + ky * rowStride;
            int o2 = at[2] + ky * rowStride;
            int o3 = at[3] + ky * rowStride;
            int o4 = at[4] + ky * rowStride;
            int o5 = at[5] + ky * rowStride;
            int o6 = at[6] + ky * rowStride;
            int o7 = at[7] + ky * rowStride;
            for (int j = 0; j < run; j++, wi += NR) {
                FloatVector w0 = FloatVector.fromArray(Gemm.S, wp, wi);
                FloatVector w1 = FloatVector.fromArray(Gemm.S, wp, wi + L);
                FloatVector a0 = FloatVector.broadcast(Gemm.S, x[o0 + j]);
                c00 = a0.fma(w0, c00);
                c01 = a0.fma(w1, c01);
                FloatVector a1 = FloatVector.broadcast(Gemm.S, x[o1 + j]);
                c10 = a1.fma(w0, c10);
                c11 = a1.fma(w1, c11);
                FloatVector a2 = FloatVector.broadcast(Gemm.S, x[o2 + j]);
                c20 = a2.fma(w0, c20);
                c21 = a2.fma(w1, c21);
                FloatVector a3 = FloatVector.broadcast(Gemm.S, x[o3 + j]);
                c30 = a3.fma(w0, c30);
                c31 = a3.fma(w1, c31);
                FloatVector a4 = FloatVector.broadcast(Gemm.S, x[o4 + j]);
                c40 = a4.fma(w0, c40);
                c41 = a4.fma(w1, c41);
                FloatVector a5 = FloatVector.broadcast(Gemm.S, x[o5 + j]);
                c50 = a5.fma(w0, c50);
                c51 = a5.fma(w1, c51);
                FloatVector a6 = FloatVector.broadcast(Gemm.S, x[o6 + j]);
                c60 = a6.fma(w0, c60);
                c61 = a6.fma(w1, c61);
                FloatVector a7 = FloatVector.broadcast(Gemm.S, x[o7 + j]);
                c70 = a7.fma(w0, c70);
                c71 = a7.fma(w1, c71);
            }
        }
        c00.intoArray(out, outAt[0] + outPlus);
        c01.intoArray(out, outAt[0] + outPlus + L);
        c10.intoArray(out, outAt[1] + outPlus);
        c11.intoArray(out, outAt[1] + outPlus + L);
        c20.intoArray(out, outAt[2] + outPlus);
        c21.intoArray(out, outAt[2] + outPlus + L);
        c30.intoArray(out, outAt[3] + outPlus);
        c31.intoArray(out, outAt[3] + outPlus + L);
        c40.intoArray(out, outAt[4] + outPlus);
        c41.intoArray(out, outAt[4] + outPlus + L);
        c50.intoArray(out, outAt[5] + outPlus);
        c51.intoArray(out, outAt[5] + outPlus + L);
        c60.intoArray(out, outAt[6] + outPlus);
        c61.intoArray(out, outAt[6] + outPlus + L);
        c70.intoArray(out, outAt[7] + outPlus);
        c71.intoArray(out, outAt[7] + outPlus + L);
    }
}
