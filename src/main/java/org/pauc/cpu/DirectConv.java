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
 * packed weights. Same register blocking as {@link Gemm}'s kernel, without materialising the patch matrix; the
 * weight gradient uses the same register tile with the roles of pixels and patch values swapped.
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
        int cout = s.cout();
        float[] xp = pad == 0 ? x : padded(s, x, hp, wpd);
        int k = s.patchSize();
        int panels = (cout + NR - 1) / NR;
        float[] wp = new float[panels * k * NR];
        for (int pnl = 0; pnl < panels; pnl++) {
            int nr = Math.min(NR, cout - pnl * NR);
            for (int q = 0; q < k; q++) {
                System.arraycopy(w, q * cout + pnl * NR, wp, (pnl * k + q) * NR, nr);
            }
        }
        int[] qOff = offsets(s, wpd);
        float[] b = bias != null ? bias : new float[cout];
        int rows = s.patches();
        int tasks = (rows + TASK_ROWS - 1) / TASK_ROWS;
        Parallel.forEach(tasks, t -> {
            int end = Math.min(rows, (t + 1) * TASK_ROWS);
            int[] base = new int[MR];
            float[] tile = TILE.get();
            for (int p0 = t * TASK_ROWS; p0 < end; p0 += MR) {
                int valid = Math.min(MR, end - p0);
                for (int r = 0; r < MR; r++) {
                    base[r] = base(s, hp, wpd, p0 + Math.min(r, valid - 1));
                }
                for (int pnl = 0; pnl < panels; pnl++) {
                    int nr = Math.min(NR, cout - pnl * NR);
                    if (valid == MR && nr == NR) {
                        tile(xp, base, 0, qOff, 0, k, wp, pnl * k * NR, NR, b, pnl * NR, 0, y, p0 * cout + pnl * NR, cout);
                    } else {
                        Arrays.fill(tile, 0f);
                        float[] bt = new float[NR];
                        System.arraycopy(b, pnl * NR, bt, 0, nr);
                        tile(xp, base, 0, qOff, 0, k, wp, pnl * k * NR, NR, bt, 0, 0, tile, 0, NR);
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
        int[] base = new int[r1 - r0];
        for (int r = r0; r < r1; r++) {
            base[r - r0] = base(s, hp, wpd, r);
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

    /** Output rows per pass of {@link #weightGrad} over its tiles: their dy rows and input windows stay in cache. */
    private static final int GRAD_ROWS = 256;

    /**
     * Weight gradient read straight from the padded input, without a patch matrix: dW[q, co] over output rows
     * [r0, r1) = Σ_r xp[base_r + offset_q] · dy[r, co] (q = tap·cin + ci), written to dw[dwOff + q·cout + co]. Each
     * element gets one fused multiply-add per row, rows in order, starting from 0: the sum that the GEMM of the im2col
     * rows with dy computes, to the bit. Tiles of MR patch values × NR output channels are held in registers over
     * {@link #GRAD_ROWS} rows at a time.
     */
    static void weightGrad(ConvShape s, float[] xp, int r0, int r1, float[] dy, float[] dw, int dwOff) {
        int hp = s.h() + 2 * s.pad();
        int wpd = s.w() + 2 * s.pad();
        int cout = s.cout();
        int k = s.patchSize();
        int[] base = new int[r1 - r0];
        for (int r = r0; r < r1; r++) {
            base[r - r0] = base(s, hp, wpd, r);
        }
        int[] qOff = offsets(s, wpd);
        for (int rb = r0; rb < r1; rb += GRAD_ROWS) {
            int re = Math.min(r1, rb + GRAD_ROWS);
            boolean first = rb == r0;
            for (int co = 0; co < cout; co += NR) {
                int nr = Math.min(NR, cout - co);
                for (int q = 0; q < k; q += MR) {
                    int mr = Math.min(MR, k - q);
                    int out = dwOff + q * cout + co;
                    if (mr == MR && nr == NR) {
                        tile(xp, qOff, q, base, rb - r0, re - r0, dy, rb * cout + co, cout, first ? ZERO : dw,
                                first ? 0 : out, first ? 0 : cout, dw, out, cout);
                    } else {
                        for (int j = 0; j < mr; j++) {
                            for (int c = 0; c < nr; c++) {
                                float acc = first ? 0f : dw[out + j * cout + c];
                                for (int r = rb; r < re; r++) {
                                    acc = Math.fma(xp[base[r - r0] + qOff[q + j]], dy[r * cout + co + c], acc);
                                }
                                dw[out + j * cout + c] = acc;
                            }
                        }
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

    /** Zeros to start a tile from. */
    private static final float[] ZERO = new float[NR];

    /**
     * The register tile of both directions: out[outOff + j·ldo + (0 … NR)] = init[initOff + j·initLd + (0 … NR)]
     * + Σ_{i in [s0, s1)} xp[p[pOff + j] + s[i]] · v[vOff + (i − s0)·vStride + (0 … NR)] for j &lt; MR, one fused
     * multiply-add per i, in order. Forward: j runs over output pixels (p their windows' bases), i over patch values
     * (s their offsets in a window), v the packed weights, init the bias. Weight gradient: j over patch values, i over
     * output pixels, v the rows of dy, init 0 or the sums so far. Written out in full: C2 keeps the accumulators in
     * registers only then.
     */
    private static void tile(float[] xp, int[] p, int pOff, int[] s, int s0, int s1, float[] v, int vOff, int vStride,
                             float[] init, int initOff, int initLd, float[] out, int outOff, int ldo) {
        int p0 = p[pOff];
        int p1 = p[pOff + 1];
        int p2 = p[pOff + 2];
        int p3 = p[pOff + 3];
        int p4 = p[pOff + 4];
        int p5 = p[pOff + 5];
        int p6 = p[pOff + 6];
        int p7 = p[pOff + 7];
        FloatVector c00 = FloatVector.fromArray(Gemm.S, init, initOff);
        FloatVector c01 = FloatVector.fromArray(Gemm.S, init, initOff + L);
        FloatVector c10 = FloatVector.fromArray(Gemm.S, init, initOff + initLd);
        FloatVector c11 = FloatVector.fromArray(Gemm.S, init, initOff + initLd + L);
        FloatVector c20 = FloatVector.fromArray(Gemm.S, init, initOff + 2 * initLd);
        FloatVector c21 = FloatVector.fromArray(Gemm.S, init, initOff + 2 * initLd + L);
        FloatVector c30 = FloatVector.fromArray(Gemm.S, init, initOff + 3 * initLd);
        FloatVector c31 = FloatVector.fromArray(Gemm.S, init, initOff + 3 * initLd + L);
        FloatVector c40 = FloatVector.fromArray(Gemm.S, init, initOff + 4 * initLd);
        FloatVector c41 = FloatVector.fromArray(Gemm.S, init, initOff + 4 * initLd + L);
        FloatVector c50 = FloatVector.fromArray(Gemm.S, init, initOff + 5 * initLd);
        FloatVector c51 = FloatVector.fromArray(Gemm.S, init, initOff + 5 * initLd + L);
        FloatVector c60 = FloatVector.fromArray(Gemm.S, init, initOff + 6 * initLd);
        FloatVector c61 = FloatVector.fromArray(Gemm.S, init, initOff + 6 * initLd + L);
        FloatVector c70 = FloatVector.fromArray(Gemm.S, init, initOff + 7 * initLd);
        FloatVector c71 = FloatVector.fromArray(Gemm.S, init, initOff + 7 * initLd + L);
        int vi = vOff;
        for (int i = s0; i < s1; i++, vi += vStride) {
            int x = s[i];
            FloatVector v0 = FloatVector.fromArray(Gemm.S, v, vi);
            FloatVector v1 = FloatVector.fromArray(Gemm.S, v, vi + L);
            FloatVector a0 = FloatVector.broadcast(Gemm.S, xp[p0 + x]);
            c00 = a0.fma(v0, c00);
            c01 = a0.fma(v1, c01);
            FloatVector a1 = FloatVector.broadcast(Gemm.S, xp[p1 + x]);
            c10 = a1.fma(v0, c10);
            c11 = a1.fma(v1, c11);
            FloatVector a2 = FloatVector.broadcast(Gemm.S, xp[p2 + x]);
            c20 = a2.fma(v0, c20);
            c21 = a2.fma(v1, c21);
            FloatVector a3 = FloatVector.broadcast(Gemm.S, xp[p3 + x]);
            c30 = a3.fma(v0, c30);
            c31 = a3.fma(v1, c31);
            FloatVector a4 = FloatVector.broadcast(Gemm.S, xp[p4 + x]);
            c40 = a4.fma(v0, c40);
            c41 = a4.fma(v1, c41);
            FloatVector a5 = FloatVector.broadcast(Gemm.S, xp[p5 + x]);
            c50 = a5.fma(v0, c50);
            c51 = a5.fma(v1, c51);
            FloatVector a6 = FloatVector.broadcast(Gemm.S, xp[p6 + x]);
            c60 = a6.fma(v0, c60);
            c61 = a6.fma(v1, c61);
            FloatVector a7 = FloatVector.broadcast(Gemm.S, xp[p7 + x]);
            c70 = a7.fma(v0, c70);
            c71 = a7.fma(v1, c71);
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
        c50.intoArray(out, outOff + 5 * ldo);
        c51.intoArray(out, outOff + 5 * ldo + L);
        c60.intoArray(out, outOff + 6 * ldo);
        c61.intoArray(out, outOff + 6 * ldo + L);
        c70.intoArray(out, outOff + 7 * ldo);
        c71.intoArray(out, outOff + 7 * ldo + L);
    }

    /** Offset of output pixel {@code row}'s window in the padded input (hp × wpd per image, channels last). */
    private static int base(ConvShape s, int hp, int wpd, int row) {
        int ox = row % s.ow();
        int oy = row / s.ow() % s.oh();
        int n = row / (s.ow() * s.oh());
        return ((n * hp + oy * s.stride()) * wpd + ox * s.stride()) * s.cin();
    }

    /** Offset of each patch value q = (ky·kw + kx)·cin + ci within a window of the padded input. */
    private static int[] offsets(ConvShape s, int wpd) {
        int cin = s.cin();
        int[] off = new int[s.patchSize()];
        for (int q = 0; q < off.length; q++) {
            int tap = q / cin;
            off[q] = (tap / s.kw() * wpd + tap % s.kw()) * cin + q % cin;
        }
        return off;
    }
}
