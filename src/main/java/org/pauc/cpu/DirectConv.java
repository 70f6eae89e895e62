package org.pauc.cpu;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import org.pauc.hostmath.Gemm;
import org.pauc.hostmath.Parallel;
import org.pauc.hostmath.Scratch;
import org.pauc.oracle.layers.ConvShape;

/**
 * Direct NHWC convolution forward (no im2col), must match {@code Layers.conv2d} of the oracle. The input is
 * zero-padded once; then each tile of MR output pixels × NR output channels is accumulated in registers over
 * all kh·kw·cin taps, broadcasting input values read straight from the MR pixels' windows against vectors of
 * packed weights. Same register blocking as {@link Gemm}'s kernel, without materialising the patch matrix.
 * Tiles are split over a fixed number of tasks; each output element sums its taps in one fixed order.
 */
final class DirectConv {
    static final int MR = Gemm.MR;
    static final int NR = Gemm.NR;
    static final int L = Gemm.L;
    /** Output pixels per parallel task. */
    private static final int TASK_ROWS = 512;

    private DirectConv() {}

    private static final ThreadLocal<float[]> TILE = ThreadLocal.withInitial(() -> new float[MR * NR]);

    static void forward(ConvShape s, float[] x, float[] w, float[] bias, float[] y) {
        int pad = s.pad();
        int hp = s.h() + 2 * pad;
        int wpd = s.w() + 2 * pad;
        int cin = s.cin();
        int cout = s.cout();
        float[] xp = pad == 0 ? x : padded(s, x, hp, wpd);
        int taps = s.kh() * s.kw();
        int k = taps * cin;
        int panels = (cout + NR - 1) / NR;
        float[] wp = new float[panels * k * NR];
        for (int pnl = 0; pnl < panels; pnl++) {
            int nr = Math.min(NR, cout - pnl * NR);
            for (int q = 0; q < k; q++) {
                System.arraycopy(w, q * cout + pnl * NR, wp, (pnl * k + q) * NR, nr);
            }
        }
        int[] kOff = new int[taps];
        for (int ky = 0; ky < s.kh(); ky++) {
            for (int kx = 0; kx < s.kw(); kx++) {
                kOff[ky * s.kw() + kx] = (ky * wpd + kx) * cin;
            }
        }
        // the offset of each of the k patch values in a window, in the order the sums take them
        int[] patch = new int[k];
        for (int q = 0; q < k; q++) {
            patch[q] = kOff[q / cin] + q % cin;
        }
        float[] b = bias != null ? bias : new float[cout];
        int oh = s.oh();
        int ow = s.ow();
        int rows = s.patches();
        int tasks = (rows + TASK_ROWS - 1) / TASK_ROWS;
        Parallel.forEach(tasks, t -> {
            int end = Math.min(rows, (t + 1) * TASK_ROWS);
            int[] base = new int[MR];
            float[] tile = TILE.get();
            for (int p0 = t * TASK_ROWS; p0 < end; p0 += MR) {
                int valid = Math.min(MR, end - p0);
                for (int r = 0; r < MR; r++) {
                    int row = p0 + Math.min(r, valid - 1);
                    int ox = row % ow;
                    int oy = row / ow % oh;
                    int n = row / (ow * oh);
                    base[r] = ((n * hp + oy * s.stride()) * wpd + ox * s.stride()) * cin;
                }
                for (int pnl = 0; pnl < panels; pnl++) {
                    int nr = Math.min(NR, cout - pnl * NR);
                    if (valid == MR && nr == NR) {
                        tile(taps, cin, xp, base, kOff, patch, wp, pnl * k * NR, b, pnl * NR, y, p0 * cout + pnl * NR, cout);
                    } else {
                        Arrays.fill(tile, 0f);
                        float[] bt = new float[NR];
                        System.arraycopy(b, pnl * NR, bt, 0, nr);
                        tile(taps, cin, xp, base, kOff, patch, wp, pnl * k * NR, bt, 0, tile, 0, NR);
                        for (int r = 0; r < valid; r++) {
                            System.arraycopy(tile, r * NR, y, (p0 + r) * cout + pnl * NR, nr);
                        }
                    }
                }
            }
        });
    }

    /**
     * Weight gradient for small patches (kh·kw·cin of a few values, e.g. the first layer of a grayscale model), read
     * straight from the padded input: dW[tap·cin + ci, co] over rows [r0, r1) of output pixels = Σ_r
     * xp[base_r + tapOffset + ci] · dy[r, co], one vector of output channels at a time in a register.
     */
    static void weightGradSmall(ConvShape s, float[] xp, int r0, int r1, float[] dy, float[] dw, int dwOff) {
        int hp = s.h() + 2 * s.pad();
        int wpd = s.w() + 2 * s.pad();
        int cin = s.cin();
        int cout = s.cout();
        int oh = s.oh();
        int ow = s.ow();
        int[] base = new int[r1 - r0];
        for (int r = r0; r < r1; r++) {
            int ox = r % ow;
            int oy = r / ow % oh;
            int n = r / (ow * oh);
            base[r - r0] = ((n * hp + oy * s.stride()) * wpd + ox * s.stride()) * cin;
        }
        for (int ky = 0; ky < s.kh(); ky++) {
            for (int kx = 0; kx < s.kw(); kx++) {
                for (int ci = 0; ci < cin; ci++) {
                    int off = (ky * wpd + kx) * cin + ci;
                    int q = (ky * s.kw() + kx) * cin + ci;
                    for (int co = 0; co < cout; co += L) {
                        VectorMask<Float> m = Gemm.S.indexInRange(co, cout);
                        // four independent accumulators hide the FMA latency; summed in a fixed order
                        FloatVector a0 = FloatVector.zero(Gemm.S);
                        FloatVector a1 = FloatVector.zero(Gemm.S);
                        FloatVector a2 = FloatVector.zero(Gemm.S);
                        FloatVector a3 = FloatVector.zero(Gemm.S);
                        int r = r0;
                        for (; r + 4 <= r1; r += 4) {
                            int b = r - r0;
                            a0 = FloatVector.fromArray(Gemm.S, dy, r * cout + co, m)
                                    .fma(FloatVector.broadcast(Gemm.S, xp[base[b] + off]), a0);
                            a1 = FloatVector.fromArray(Gemm.S, dy, (r + 1) * cout + co, m)
                                    .fma(FloatVector.broadcast(Gemm.S, xp[base[b + 1] + off]), a1);
                            a2 = FloatVector.fromArray(Gemm.S, dy, (r + 2) * cout + co, m)
                                    .fma(FloatVector.broadcast(Gemm.S, xp[base[b + 2] + off]), a2);
                            a3 = FloatVector.fromArray(Gemm.S, dy, (r + 3) * cout + co, m)
                                    .fma(FloatVector.broadcast(Gemm.S, xp[base[b + 3] + off]), a3);
                        }
                        for (; r < r1; r++) {
                            a0 = FloatVector.fromArray(Gemm.S, dy, r * cout + co, m)
                                    .fma(FloatVector.broadcast(Gemm.S, xp[base[r - r0] + off]), a0);
                        }
                        a0.add(a1).add(a2.add(a3)).intoArray(dw, dwOff + q * cout + co, m);
                    }
                }
            }
        }
    }

    private static final Scratch PADDED = new Scratch();

    /** x with pad zeros around every image: n × (h + 2·pad) × (w + 2·pad) × cin. */
    static float[] padded(ConvShape s, float[] x, int hp, int wpd) {
        int cin = s.cin();
        int size = s.n() * hp * wpd * cin;
        float[] xp = PADDED.get(size);
        Arrays.fill(xp, 0, size, 0f);
        float[] out = xp;
        Parallel.forEach(s.n(), n -> {
            for (int iy = 0; iy < s.h(); iy++) {
                System.arraycopy(x, ((n * s.h() + iy) * s.w()) * cin, out,
                        ((n * hp + iy + s.pad()) * wpd + s.pad()) * cin, s.w() * cin);
            }
        });
        return out;
    }

    /** One MR × NR output tile, by the kernel written for MR (see {@link Gemm#MR}). */
    private static void tile(int taps, int cin, float[] xp, int[] base, int[] kOff, int[] patch, float[] wp,
                             int wOff, float[] bias, int biasOff, float[] out, int outOff, int ldo) {
        if (MR == 8) {
            kernel(taps, cin, xp, base, kOff, wp, wOff, bias, biasOff, out, outOff, ldo);
        } else {
            kernel5(xp, base, patch, wp, wOff, bias, biasOff, out, outOff, ldo);
        }
    }

    /**
     * {@link #kernel} for five output pixels, which keeps its accumulators in 16 vector registers: one loop over the
     * window's values (offsets {@code patch}, taps then channels, the same order) instead of two nested ones, whose
     * loop-carried values C2 would otherwise spill.
     */
    private static void kernel5(float[] xp, int[] base, int[] patch, float[] wp, int wOff, float[] bias, int biasOff,
                                float[] out, int outOff, int ldo) {
        int b0 = base[0];
        int b1 = base[1];
        int b2 = base[2];
        int b3 = base[3];
        int b4 = base[4];
        FloatVector bias0 = FloatVector.fromArray(Gemm.S, bias, biasOff);
        FloatVector bias1 = FloatVector.fromArray(Gemm.S, bias, biasOff + L);
        FloatVector c00 = bias0, c01 = bias1;
        FloatVector c10 = bias0, c11 = bias1;
        FloatVector c20 = bias0, c21 = bias1;
        FloatVector c30 = bias0, c31 = bias1;
        FloatVector c40 = bias0, c41 = bias1;
        int wi = wOff;
        for (int q = 0; q < patch.length; q++, wi += NR) {
            int idx = patch[q];
            FloatVector w0 = FloatVector.fromArray(Gemm.S, wp, wi);
            FloatVector w1 = FloatVector.fromArray(Gemm.S, wp, wi + L);
            FloatVector a = FloatVector.broadcast(Gemm.S, xp[b0 + idx]);
            c00 = a.fma(w0, c00);
            c01 = a.fma(w1, c01);
            a = FloatVector.broadcast(Gemm.S, xp[b1 + idx]);
            c10 = a.fma(w0, c10);
            c11 = a.fma(w1, c11);
            a = FloatVector.broadcast(Gemm.S, xp[b2 + idx]);
            c20 = a.fma(w0, c20);
            c21 = a.fma(w1, c21);
            a = FloatVector.broadcast(Gemm.S, xp[b3 + idx]);
            c30 = a.fma(w0, c30);
            c31 = a.fma(w1, c31);
            a = FloatVector.broadcast(Gemm.S, xp[b4 + idx]);
            c40 = a.fma(w0, c40);
            c41 = a.fma(w1, c41);
        }
        c00.intoArray(out, outOff);
        c01.intoArray(out, outOff + L);
        c10.intoArray(out, outOff + ldo);
        c11.intoArray(out, outOff + ldo + L);
        c20.intoArray(out, outOff + 2 * ldo);
        c21.intoArray(out, outOff + 2 * ldo + L);
        c30.intoArray(out, outOff + 3 * ldo);
        c31.intoArray(out, outOff + 3 * ldo + L);
        c40.intoArray(out, outOff + 4 * ldo);
        c41.intoArray(out, outOff + 4 * ldo + L);
    }

    /** out[MR rows × NR] (row stride ldo) = bias + Σ_taps Σ_ci xp[base_r + kOff[t] + ci] · wp[...]. Written out in full. */
    private static void kernel(int taps, int cin, float[] xp, int[] base, int[] kOff, float[] wp, int wOff,
                               float[] bias, int biasOff, float[] out, int outOff, int ldo) {
        int b0 = base[0];
        int b1 = base[1];
        int b2 = base[2];
        int b3 = base[3];
        int b4 = base[4];
        int b5 = base[5];
        int b6 = base[6];
        int b7 = base[7];
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
        for (int t = 0; t < taps; t++) {
            int o = kOff[t];
            for (int ci = 0; ci < cin; ci++, wi += NR) {
                int idx = o + ci;
                FloatVector w0 = FloatVector.fromArray(Gemm.S, wp, wi);
                FloatVector w1 = FloatVector.fromArray(Gemm.S, wp, wi + L);
                FloatVector a0 = FloatVector.broadcast(Gemm.S, xp[b0 + idx]);
                c00 = a0.fma(w0, c00);
                c01 = a0.fma(w1, c01);
                FloatVector a1 = FloatVector.broadcast(Gemm.S, xp[b1 + idx]);
                c10 = a1.fma(w0, c10);
                c11 = a1.fma(w1, c11);
                FloatVector a2 = FloatVector.broadcast(Gemm.S, xp[b2 + idx]);
                c20 = a2.fma(w0, c20);
                c21 = a2.fma(w1, c21);
                FloatVector a3 = FloatVector.broadcast(Gemm.S, xp[b3 + idx]);
                c30 = a3.fma(w0, c30);
                c31 = a3.fma(w1, c31);
                FloatVector a4 = FloatVector.broadcast(Gemm.S, xp[b4 + idx]);
                c40 = a4.fma(w0, c40);
                c41 = a4.fma(w1, c41);
                FloatVector a5 = FloatVector.broadcast(Gemm.S, xp[b5 + idx]);
                c50 = a5.fma(w0, c50);
                c51 = a5.fma(w1, c51);
                FloatVector a6 = FloatVector.broadcast(Gemm.S, xp[b6 + idx]);
                c60 = a6.fma(w0, c60);
                c61 = a6.fma(w1, c61);
                FloatVector a7 = FloatVector.broadcast(Gemm.S, xp[b7 + idx]);
                c70 = a7.fma(w0, c70);
                c71 = a7.fma(w1, c71);
            }
        }
        c00.intoArray(out, outOff);
        c01.intoArray(out, outOff + L);
        c10.intoArray(out, outOff + 1 * ldo);
        c11.intoArray(out, outOff + 1 * ldo + L);
        c20.intoArray(out, outOff + 2 * ldo);
        c21.intoArray(out, outOff + 2 * ldo + L);
        c30.intoArray(out, outOff + 3 * ldo);
        c31.intoArray(out, outOff + 3 * ldo + L);
        c40.intoArray(out, outOff + 4 * ldo);
        c41.intoArray(out, outOff + 4 * ldo + L);
        c50.intoArray(out, outOff + 5 * ldo);
        c51.intoArray(out, outOff + 5 * ldo + L);
        c60.intoArray(out, outOff + 6 * ldo);
        c61.intoArray(out, outOff + 6 * ldo + L);
        c70.intoArray(out, outOff + 7 * ldo);
        c71.intoArray(out, outOff + 7 * ldo + L);
    }
}
