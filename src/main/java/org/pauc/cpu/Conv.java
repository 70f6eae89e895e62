package org.pauc.cpu;

import java.util.Arrays;
import org.pauc.hostmath.Gemm;
import org.pauc.hostmath.Parallel;
import org.pauc.hostmath.Scratch;
import org.pauc.hostmath.Vec;
import org.pauc.oracle.layers.ConvShape;

/**
 * NHWC convolution as im2col + GEMM, must match {@code Layers.conv2d} / {@code conv2dBackward} of the oracle.
 * The batch is cut into chunks of a few images (a number that depends on the shape only); each chunk
 * unfolds its patches into a private buffer and multiplies it with the kh·kw·cin × cout weight matrix.
 * Weight gradients are summed per chunk and the partial sums added in chunk order, so results are
 * bit-identical for any number of threads.
 */
final class Conv {
    /** Target number of patch rows per chunk: large enough for an efficient GEMM, small enough for the cache. */
    private static final int CHUNK_ROWS = 2048;
    /** Patch sizes (kh·kw·cin) up to this get their weight gradient by row-wise updates instead of a GEMM. */
    private static final int SMALL_PATCH = 16;

    private Conv() {}

    /** Images per chunk: about CHUNK_ROWS patch rows, the batch cut into {@link Parallel#evenTasks} chunks. */
    static int imagesPerChunk(ConvShape s) {
        int perImage = s.oh() * s.ow();
        int chunks = Parallel.evenTasks(s.n(), Math.max(1, CHUNK_ROWS / Math.max(1, perImage)));
        return Math.max(1, (s.n() + chunks - 1) / Math.max(1, chunks));
    }

    static int chunks(ConvShape s) {
        int per = imagesPerChunk(s);
        return (s.n() + per - 1) / per;
    }

    /**
     * Runs body(t, parallelGemm) for every chunk t: in parallel over the chunks when they share out evenly over the
     * threads (a multiple of them, or four per thread and more), else one chunk after another with the GEMMs inside
     * parallel (a late layer of a batch is often one chunk). Either way the same sums: the GEMMs' splits do not
     * change them, and chunks' partial sums are added in chunk order.
     */
    private static void forEachChunk(int chunks, ChunkBody body) {
        int threads = Parallel.threads();
        if (chunks % threads == 0 || chunks >= 4 * threads) {
            Parallel.forEach(chunks, t -> body.run(t, false));
        } else {
            for (int t = 0; t < chunks; t++) {
                body.run(t, true);
            }
        }
    }

    private interface ChunkBody {
        void run(int chunk, boolean parallelGemm);
    }

    private static boolean isPointwise(ConvShape s) {
        return s.kh() == 1 && s.kw() == 1 && s.stride() == 1 && s.pad() == 0;
    }

    /** Whether {@link #forward} computes this convolution directly ({@link DirectConv}): not Winograd's, not a GEMM. */
    static boolean isDirect(ConvShape s) {
        return !Winograd.applies(s) && !isPointwise(s);
    }

    private static final Scratch COLS = new Scratch();

    /** Unfolds images [n0, n0+count) into rows of kh·kw·cin values (zeros where the window leaves the image). */
    static void im2col(ConvShape s, float[] x, int n0, int count, float[] col) {
        int k = s.patchSize();
        int row = 0;
        for (int n = n0; n < n0 + count; n++) {
            for (int oy = 0; oy < s.oh(); oy++) {
                for (int ox = 0; ox < s.ow(); ox++, row++) {
                    patch(s, x, n, oy, ox, col, row * k);
                }
            }
        }
    }

    /**
     * The window of output pixel (n, oy, ox) as its kh·kw·cin patch values (taps, then channels) at dst[off …]: zeros
     * where it leaves the image; each kernel row one copy of kw·cin values where it lies inside.
     */
    static void patch(ConvShape s, float[] x, int n, int oy, int ox, float[] dst, int off) {
        int cin = s.cin();
        int run = s.kw() * cin;
        int ix0 = ox * s.stride() - s.pad();
        boolean inside = ix0 >= 0 && ix0 + s.kw() <= s.w();
        for (int ky = 0; ky < s.kh(); ky++, off += run) {
            int iy = oy * s.stride() - s.pad() + ky;
            if (iy < 0 || iy >= s.h()) {
                Arrays.fill(dst, off, off + run, 0f);
            } else if (inside) {
                copy(x, ((n * s.h() + iy) * s.w() + ix0) * cin, dst, off, run);
            } else {
                for (int kx = 0; kx < s.kw(); kx++) {
                    int ix = ix0 + kx;
                    if (ix < 0 || ix >= s.w()) {
                        Arrays.fill(dst, off + kx * cin, off + (kx + 1) * cin, 0f);
                    } else {
                        copy(x, ((n * s.h() + iy) * s.w() + ix) * cin, dst, off + kx * cin, cin);
                    }
                }
            }
        }
    }

    /** Copies of at most this many values are a loop (a first layer's pixel or three), longer ones arraycopy. */
    static final int SHORT_COPY = 8;

    /** dst[d …] = src[s …], n values: a loop for a few, else arraycopy. */
    static void copy(float[] src, int s, float[] dst, int d, int n) {
        if (n <= SHORT_COPY) {
            for (int i = 0; i < n; i++) {
                dst[d + i] = src[s + i];
            }
        } else {
            System.arraycopy(src, s, dst, d, n);
        }
    }

    /** Adds the patch rows back into images [n0, n0+count) of dx (the adjoint of im2col). */
    static void col2im(ConvShape s, float[] col, int n0, int count, float[] dx) {
        int oh = s.oh();
        int ow = s.ow();
        int cin = s.cin();
        int k = s.patchSize();
        Arrays.fill(dx, n0 * s.h() * s.w() * cin, (n0 + count) * s.h() * s.w() * cin, 0f);
        int row = 0;
        for (int n = n0; n < n0 + count; n++) {
            for (int oy = 0; oy < oh; oy++) {
                for (int ox = 0; ox < ow; ox++, row++) {
                    int src = row * k;
                    for (int ky = 0; ky < s.kh(); ky++) {
                        int iy = oy * s.stride() - s.pad() + ky;
                        for (int kx = 0; kx < s.kw(); kx++, src += cin) {
                            int ix = ox * s.stride() - s.pad() + kx;
                            if (iy >= 0 && iy < s.h() && ix >= 0 && ix < s.w()) {
                                Vec.addInto(col, src, dx, ((n * s.h() + iy) * s.w() + ix) * cin, cin);
                            }
                        }
                    }
                }
            }
        }
    }

    static void forward(ConvShape s, float[] x, float[] w, float[] bias, float[] y) {
        if (isDirect(s)) {
            DirectConv.forward(s, x, w, bias, y);
            return;
        }
        if (Winograd.applies(s)) {
            Winograd.forward(s, x, w, bias, y);
            return;
        }
        int per = imagesPerChunk(s);
        int rowsPerImage = s.oh() * s.ow();
        int k = s.patchSize();
        int cout = s.cout();
        forEachChunk(chunks(s), (t, parallelGemm) -> {
            int n0 = t * per;
            int count = Math.min(per, s.n() - n0);
            int rows = count * rowsPerImage;
            int yOff = n0 * rowsPerImage * cout;
            if (bias != null) {
                for (int r = 0; r < rows; r++) {
                    System.arraycopy(bias, 0, y, yOff + r * cout, cout);
                }
            }
            Gemm.gemm(false, false, rows, cout, k, 1f, x, n0 * s.h() * s.w() * s.cin(), k, w, 0, cout,
                    bias != null ? 1f : 0f, y, yOff, cout, parallelGemm);
        });
    }

    static void backward(ConvShape s, float[] x, float[] w, float[] dy, float[] dx, float[] dw, float[] db) {
        backward(s, x, w, dy, dy, dx, dw, db);
    }

    /** As above, the bias gradient summed from {@code dyBias} (the float dy, where the GEMMs get bf16-rounded dy). */
    static void backward(ConvShape s, float[] x, float[] w, float[] dy, float[] dyBias, float[] dx, float[] dw,
                         float[] db) {
        int per = imagesPerChunk(s);
        int rowsPerImage = s.oh() * s.ow();
        int k = s.patchSize();
        int cout = s.cout();
        int chunks = chunks(s);
        // dx by Winograd over the whole batch where it applies (after the chunks), else per chunk below
        float[] winogradDx = dx != null && Winograd.applies(s) ? dx : null;
        float[] dxChunks = winogradDx != null ? null : dx;
        float[] partialW = new float[chunks * k * cout];
        boolean smallPatch = k <= SMALL_PATCH;
        float[] xp = smallPatch && s.pad() > 0
                ? DirectConv.padded(s, x, s.h() + 2 * s.pad(), s.w() + 2 * s.pad()) : x;
        float[] partialB = db != null ? new float[chunks * cout] : null;
        forEachChunk(chunks, (t, parallelGemm) -> {
            int n0 = t * per;
            int count = Math.min(per, s.n() - n0);
            int rows = count * rowsPerImage;
            int dyOff = n0 * rowsPerImage * cout;
            float[] col = null;
            int colOff = 0;
            if (isPointwise(s)) {
                col = x;
                colOff = n0 * s.h() * s.w() * s.cin();
            } else if (!smallPatch || dxChunks != null) {
                col = COLS.get(rows * k);
                if (!smallPatch) {
                    im2col(s, x, n0, count, col);
                }
            }
            if (smallPatch) {
                // A GEMM would waste most of its register block on so few patch values: direct row-wise sums.
                int r0 = n0 * rowsPerImage;
                DirectConv.weightGradSmall(s, xp, r0, r0 + rows, dy, partialW, t * k * cout);
            } else {
                // dW_tᵀ = dy_tᵀ · col_t (cout × k): packs dy (the smaller matrix) as A and col rows as B
                Gemm.gemm(true, false, cout, k, rows, 1f, dy, dyOff, cout, col, colOff, k, 0f, partialW, t * k * cout,
                        k, parallelGemm);
            }
            if (partialB != null) {
                for (int r = 0; r < rows; r++) {
                    Vec.addInto(dyBias, dyOff + r * cout, partialB, t * cout, cout);
                }
            }
            if (dxChunks != null) {
                if (isPointwise(s)) {
                    Gemm.gemm(false, true, rows, k, cout, 1f, dy, dyOff, cout, w, 0, cout, 0f, dxChunks, colOff, k,
                            parallelGemm);
                } else {
                    // dcol = dy_t · Wᵀ, then folded back into the chunk's images.
                    Gemm.gemm(false, true, rows, k, cout, 1f, dy, dyOff, cout, w, 0, cout, 0f, col, 0, k, parallelGemm);
                    col2im(s, col, n0, count, dxChunks);
                }
            }
        });
        if (winogradDx != null) {
            Winograd.inputGradient(s, w, dy, winogradDx);
        }
        if (smallPatch) {
            Vec.sumPartials(partialW, chunks, k * cout, dw);
        } else {
            float[] dwT = new float[k * cout];
            Vec.sumPartials(partialW, chunks, k * cout, dwT);
            for (int co = 0; co < cout; co++) {
                for (int q = 0; q < k; q++) {
                    dw[q * cout + co] = dwT[co * k + q];
                }
            }
        }
        if (db != null) {
            Vec.sumPartials(partialB, chunks, cout, db);
        }
    }
}
