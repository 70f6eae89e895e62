package org.pauc.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;
import org.pauc.hostmath.Gemm;
import org.pauc.hostmath.Parallel;
import org.pauc.hostmath.Scratch;
import org.pauc.hostmath.Vec;
import org.pauc.oracle.layers.ConvShape;

/**
 * Winograd F(2×2, 3×3) convolution for 3×3 kernels of stride 1, NHWC, forward and input gradient; must match
 * {@code Layers.conv2d} (and {@code conv2dBackward}'s dx) of the oracle within float rounding (the transforms add a
 * few roundings; {@code pauc verify} holds it to the same tolerance as the direct convolution).
 *
 * <p>Lavin &amp; Gray's minimal filtering: each 2×2 tile of output Y comes from the 4×4 tile d of input around it as
 * Y = Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A, summed over input channels. The 16 elements ξ of the transformed domain are 16
 * independent products over channels, M_ξ = V_ξ · U_ξ with V_ξ (tiles × cin) the transformed inputs and U_ξ (cin ×
 * cout) the transformed weights, done by {@link Gemm}: 16 multiplications per 4 outputs instead of 36, 2.25× fewer.
 * Tiles go in blocks of a fixed size, whatever the thread count, so every output has one order of sums.
 */
final class Winograd {
    private static final VectorSpecies<Float> S = Gemm.S;
    private static final int L = S.length();
    /**
     * Tiles per block: about 64, so that the block's transformed inputs and products (16 × tiles × channels) stay in
     * L2, and a whole number of the GEMM's register rows, so that no product ends in a partial row tile.
     */
    static final int TILES = (64 + Gemm.MR - 1) / Gemm.MR * Gemm.MR;
    /**
     * Fewer input or output channels than this take the direct convolution: the transforms would cost more than they
     * save, and the products would be too thin for the GEMM.
     */
    static final int MIN_CHANNELS = 32;

    private Winograd() {}

    /** Whether F(2×2, 3×3) serves this convolution. */
    static boolean applies(ConvShape s) {
        return s.kh() == 3 && s.kw() == 3 && s.stride() == 1 && s.pad() <= 2 && s.cin() >= MIN_CHANNELS
                && s.cout() >= MIN_CHANNELS;
    }

    /**
     * dx = dy ⋆ rot180(w)ᵀ (the adjoint of {@link #forward} without bias) for a convolution that {@link #applies}
     * to: for stride 1, dx is dy convolved with the kernel turned by 180° and its channels swapped, padded by
     * 2 − pad, which is again such a convolution.
     */
    static void inputGradient(ConvShape s, float[] w, float[] dy, float[] dx) {
        int cin = s.cin();
        int cout = s.cout();
        float[] turned = new float[w.length];
        for (int tap = 0; tap < 9; tap++) {
            int from = 8 - tap;                  // (ky, kx) → (2 − ky, 2 − kx)
            for (int ci = 0; ci < cin; ci++) {
                for (int co = 0; co < cout; co++) {
                    turned[(tap * cout + co) * cin + ci] = w[(from * cin + ci) * cout + co];
                }
            }
        }
        forward(new ConvShape(s.n(), s.oh(), s.ow(), cout, cin, 3, 3, 1, 2 - s.pad()), dy, turned, null, dx);
    }

    private static final Scratch V = new Scratch();
    private static final Scratch M = new Scratch();

    static void forward(ConvShape s, float[] x, float[] w, float[] bias, float[] y) {
        int cin = s.cin();
        int cout = s.cout();
        Gemm.PackedB[] u = weights(w, cin, cout);
        int tilesY = (s.oh() + 1) / 2;
        int tilesX = (s.ow() + 1) / 2;
        long tiles = (long) s.n() * tilesY * tilesX;
        int blocks = (int) ((tiles + TILES - 1) / TILES);
        Parallel.forEach(blocks, blk -> {
            int t0 = blk * TILES;
            int count = (int) Math.min(TILES, tiles - t0);
            float[] v = V.get(16 * TILES * cin);
            float[] m = M.get(16 * TILES * cout);
            float[] half = HALF.get();
            for (int t = 0; t < count; t++) {
                inputTile(s, x, t0 + t, tilesY, tilesX, v, t, half);
            }
            for (int xi = 0; xi < 16; xi++) {
                // M_ξ = V_ξ · U_ξ: count tiles × cout
                Gemm.gemm(false, count, 1f, v, xi * TILES * cin, cin, u[xi], m, xi * TILES * cout, cout, false);
            }
            for (int t = 0; t < count; t++) {
                outputTile(s, m, t, t0 + t, tilesY, tilesX, bias, y, half);
            }
        });
    }

    /** U_ξ = (G g Gᵀ)_ξ for every (ci, co), packed for the products; G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1]. */
    private static Gemm.PackedB[] weights(float[] w, int cin, int cout) {
        float[][] u = new float[16][cin * cout];
        float[] g = new float[9];
        float[] t = new float[12];
        for (int ci = 0; ci < cin; ci++) {
            for (int co = 0; co < cout; co++) {
                for (int tap = 0; tap < 9; tap++) {
                    g[tap] = w[(tap * cin + ci) * cout + co];
                }
                for (int j = 0; j < 3; j++) {       // t = G g (4×3)
                    t[j] = g[j];
                    t[3 + j] = 0.5f * (g[j] + g[3 + j] + g[6 + j]);
                    t[6 + j] = 0.5f * (g[j] - g[3 + j] + g[6 + j]);
                    t[9 + j] = g[6 + j];
                }
                int at = ci * cout + co;
                for (int i = 0; i < 4; i++) {       // U = t Gᵀ (4×4)
                    u[4 * i][at] = t[3 * i];
                    u[4 * i + 1][at] = 0.5f * (t[3 * i] + t[3 * i + 1] + t[3 * i + 2]);
                    u[4 * i + 2][at] = 0.5f * (t[3 * i] - t[3 * i + 1] + t[3 * i + 2]);
                    u[4 * i + 3][at] = t[3 * i + 2];
                }
            }
        }
        Gemm.PackedB[] packed = new Gemm.PackedB[16];
        for (int xi = 0; xi < 16; xi++) {
            packed[xi] = Gemm.pack(false, cout, cin, u[xi], 0, cout);
        }
        return packed;
    }

    /** A thread's staging area for one tile's half-transformed vectors (16 of them), fetched once per block. */
    private static final ThreadLocal<float[]> HALF = ThreadLocal.withInitial(() -> new float[16 * L]);

    /**
     * V = Bᵀ d B of tile {@code tile} (its 4×4 input window, zero outside the image) into row {@code row} of the 16
     * matrices V_ξ, d B row by row and then Bᵀ(d B) column by column; Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1].
     */
    private static void inputTile(ConvShape s, float[] x, long tile, int tilesY, int tilesX, float[] v, int row,
                                  float[] half) {
        int cin = s.cin();
        int perImage = tilesY * tilesX;
        int n = (int) (tile / perImage);
        int rest = (int) (tile % perImage);
        int y0 = rest / tilesX * 2 - s.pad();
        int x0 = rest % tilesX * 2 - s.pad();
        int stride = TILES * cin;
        for (int ci = 0; ci < cin; ci += L) {
            VectorMask<Float> m = Vec.lanes(ci, cin);
            for (int r = 0; r < 4; r++) {
                int iy = y0 + r;
                boolean inside = iy >= 0 && iy < s.h();
                int rowAt = ((n * s.h() + iy) * s.w() + x0) * cin + ci;
                FloatVector d0 = pixel(s, x, inside, x0, rowAt, m);
                FloatVector d1 = pixel(s, x, inside, x0 + 1, rowAt + cin, m);
                FloatVector d2 = pixel(s, x, inside, x0 + 2, rowAt + 2 * cin, m);
                FloatVector d3 = pixel(s, x, inside, x0 + 3, rowAt + 3 * cin, m);
                d0.sub(d2).intoArray(half, (4 * r) * L);
                d1.add(d2).intoArray(half, (4 * r + 1) * L);
                d2.sub(d1).intoArray(half, (4 * r + 2) * L);
                d1.sub(d3).intoArray(half, (4 * r + 3) * L);
            }
            int base = row * cin + ci;
            for (int c = 0; c < 4; c++) {
                FloatVector t0 = FloatVector.fromArray(S, half, c * L);
                FloatVector t1 = FloatVector.fromArray(S, half, (4 + c) * L);
                FloatVector t2 = FloatVector.fromArray(S, half, (8 + c) * L);
                FloatVector t3 = FloatVector.fromArray(S, half, (12 + c) * L);
                Vec.store(t0.sub(t2), v, c * stride + base, m);
                Vec.store(t1.add(t2), v, (4 + c) * stride + base, m);
                Vec.store(t2.sub(t1), v, (8 + c) * stride + base, m);
                Vec.store(t1.sub(t3), v, (12 + c) * stride + base, m);
            }
        }
    }

    /** The input channels [ci, ci + L) at column ix of a window row, zero outside the image. */
    private static FloatVector pixel(ConvShape s, float[] x, boolean rowInside, int ix, int at, VectorMask<Float> m) {
        return rowInside && ix >= 0 && ix < s.w() ? Vec.load(x, at, m) : FloatVector.zero(S);
    }

    /**
     * Y = Aᵀ M A (+ bias) of tile {@code tile} from row {@code row} of the 16 products, M A row by row and then Aᵀ(M A)
     * column by column; Aᵀ = [1 1 1 0; 0 1 −1 −1].
     */
    private static void outputTile(ConvShape s, float[] mm, int row, long tile, int tilesY, int tilesX, float[] bias,
                                   float[] y, float[] half) {
        int cout = s.cout();
        int perImage = tilesY * tilesX;
        int n = (int) (tile / perImage);
        int rest = (int) (tile % perImage);
        int oy = rest / tilesX * 2;
        int ox = rest % tilesX * 2;
        boolean down = oy + 1 < s.oh();
        boolean right = ox + 1 < s.ow();
        int stride = TILES * cout;
        for (int co = 0; co < cout; co += L) {
            VectorMask<Float> m = Vec.lanes(co, cout);
            int base = row * cout + co;
            for (int r = 0; r < 4; r++) {
                FloatVector m0 = Vec.load(mm, (4 * r) * stride + base, m);
                FloatVector m1 = Vec.load(mm, (4 * r + 1) * stride + base, m);
                FloatVector m2 = Vec.load(mm, (4 * r + 2) * stride + base, m);
                FloatVector m3 = Vec.load(mm, (4 * r + 3) * stride + base, m);
                m0.add(m1).add(m2).intoArray(half, (2 * r) * L);
                m1.sub(m2).sub(m3).intoArray(half, (2 * r + 1) * L);
            }
            FloatVector b = bias == null ? FloatVector.zero(S) : Vec.load(bias, co, m);
            int out = ((n * s.oh() + oy) * s.ow() + ox) * cout + co;
            for (int j = 0; j < (right ? 2 : 1); j++) {
                FloatVector a0 = FloatVector.fromArray(S, half, j * L);
                FloatVector a1 = FloatVector.fromArray(S, half, (2 + j) * L);
                FloatVector a2 = FloatVector.fromArray(S, half, (4 + j) * L);
                FloatVector a3 = FloatVector.fromArray(S, half, (6 + j) * L);
                Vec.store(a0.add(a1).add(a2).add(b), y, out + j * cout, m);
                if (down) {
                    Vec.store(a1.sub(a2).sub(a3).add(b), y, out + s.ow() * cout + j * cout, m);
                }
            }
        }
    }
}
