package org.pauc.hostmath;

import java.util.Arrays;
import java.util.function.IntConsumer;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Single-precision GEMM on the Vector API, row-major: C = α·op(A)·op(B) + β·C with op(X) = X or Xᵀ.
 * Must match the oracle's {@link org.pauc.oracle.layers.Layers#gemm} within float rounding.
 *
 * <p>Goto/BLIS structure: B is packed into KC×NR panels, A into MR×KC panels (transposition is handled
 * while packing, so one micro-kernel serves all four cases; a transposed A already holds each k's MR values side
 * by side and is read in place where few column panels would share its packing, and a row-major B its NR values
 * where few row panels would share its panels), and an MR×NR register block of
 * accumulators is updated by broadcasting elements of A against vectors of B (outer products). NR is two vectors of the
 * preferred species, whatever its lane count. Each element of C sums over k in the same order whatever the
 * blocking or thread count: results do not depend on the number of threads.
 */
public final class Gemm {
    public static final VectorSpecies<Float> S = VectorWidth.FLOAT;
    public static final int L = S.length();
    /**
     * Rows of the register block: its MR × 2 vector accumulators, two vectors of B and a broadcast of A must fit the
     * vector registers, 16 of them with 256-bit vectors (AVX2: MR = 5) and 32 with 512-bit ones (AVX-512: MR = 8).
     */
    public static final int MR = L >= 16 ? 8 : 5;
    /** Columns of the register block: two vectors. */
    public static final int NR = 2 * L;
    /** Depth of a k-slice: 512 measured fastest of 128, 256 and 512 (docs/performance.md); no sum changes. */
    public static final int KC = 512;
    /** The property that names MC's rows instead of the cache rule (benchmarks of the block size). */
    public static final String ROWS_PROPERTY = "pauc.gemm.mc";
    /**
     * Rows of A per packed block: the MC×KC block of A (MC·2 KiB) takes at most a quarter of one core's L2, leaving the
     * rest to the B panels streamed past it and C's tile, and at most 128 rows: 128 (256 KiB) was the fastest measured
     * both with a 1 MiB L2 (AMD family 26) and with a 2 MiB one (an Intel Xeon, family 6 model 207, where 256 rows
     * lost 20–25% at 1024³ and 2048³), so only smaller caches (512 KiB: 64 rows; 256 KiB: 32) change it. 128 rows where
     * no size is reported. No sum depends on it.
     */
    public static final int MC = rowsPerBlock(Caches.l2Bytes(), MR, System.getProperty(ROWS_PROPERTY));
    public static final int NC = 1024 / NR * NR;

    private Gemm() {}

    /** A transposed A is read in place, not packed, by row blocks that cover at most this many column panels. */
    static final int IN_PLACE_PANELS = 4;
    /** The most rows per A block (see {@link #MC}). */
    static final int MAX_ROWS = 128;

    /** Rows per A block for an L2 of {@code l2} bytes (0: unknown), or the rows {@code named} by the property. */
    static int rowsPerBlock(long l2, int mr, String named) {
        if (named != null && rowsProblem(named) == null) {
            return Integer.parseInt(named.strip()) / mr * mr;
        }
        long rows = l2 > 0 ? Math.min(MAX_ROWS, l2 / 4 / (KC * Float.BYTES)) : MAX_ROWS;
        return (int) Math.max(rows, 4L * mr) / mr * mr;
    }

    /** A one-line complaint about a {@link #ROWS_PROPERTY} that names no usable row count, or null. */
    public static String rowsProblem() {
        return rowsProblem(System.getProperty(ROWS_PROPERTY));
    }

    static String rowsProblem(String named) {
        if (named == null) {
            return null;
        }
        try {
            int rows = Integer.parseInt(named.strip());
            if (rows >= MR && rows <= 4096) {
                return null;
            }
        } catch (NumberFormatException e) {
            // below
        }
        return "-D" + ROWS_PROPERTY + "=" + named + ": the GEMM's row block must be a whole number of rows from " + MR
                + " to 4096";
    }

    /** C (m×n, row stride ldc, offset offC) = α·op(A)·op(B) + β·C; A, B with leading dims lda, ldb and offsets. */
    public static void gemm(boolean ta, boolean tb, int m, int n, int k, float alpha,
                            float[] a, int offA, int lda, float[] b, int offB, int ldb,
                            float beta, float[] c, int offC, int ldc, boolean parallel) {
        if (m == 0 || n == 0) {
            return;
        }
        if (k == 0 || alpha == 0) {
            scale(c, offC, ldc, m, n, beta);
            return;
        }
        // β = 0: the first k-slice writes C instead of adding to a zeroed C (the same sums: 0 + x = x)
        boolean overwrite = beta == 0;
        if (!overwrite) {
            scale(c, offC, ldc, m, n, beta);
        }
        run(ta, tb, m, n, k, alpha, a, offA, lda, b, offB, ldb, c, offC, ldc, parallel, overwrite, null);
    }

    /**
     * op(B) (k × n) packed once into the kernel's panels, for products that multiply the same B again and again
     * (k-means multiplies the same points by new centroids every iteration): one array per (column block, k-slice).
     */
    public record PackedB(int n, int k, float[][] slices) {
        float[] slice(int jc, int pc) {
            return slices[jc / NC * ((k + KC - 1) / KC) + pc / KC];
        }
    }

    /** op(B) packed for {@link #gemm(boolean, int, float, float[], int, int, PackedB, float[], int, int, boolean)}. */
    public static PackedB pack(boolean tb, int n, int k, float[] b, int offB, int ldb) {
        int kSlices = (k + KC - 1) / KC;
        float[][] slices = new float[((n + NC - 1) / NC) * kSlices][];
        for (int jc = 0; jc < n; jc += NC) {
            int nc = Math.min(NC, n - jc);
            int panels = (nc + NR - 1) / NR;
            for (int pc = 0; pc < k; pc += KC) {
                int kc = Math.min(KC, k - pc);
                float[] pb = new float[panels * NR * kc];
                packPanels(tb, b, offB, ldb, jc, nc, pc, kc, pb, 0, panels, 1, 0);
                slices[jc / NC * kSlices + pc / KC] = pb;
            }
        }
        return new PackedB(n, k, slices);
    }

    /** C (m × b.n()) = α·op(A)·B with B packed beforehand: the same sums as {@link #gemm} with β = 0, to the bit. */
    public static void gemm(boolean ta, int m, float alpha, float[] a, int offA, int lda, PackedB b, float[] c, int offC,
                            int ldc, boolean parallel) {
        if (m == 0 || b.n() == 0) {
            return;
        }
        if (b.k() == 0 || alpha == 0) {
            scale(c, offC, ldc, m, b.n(), 0f);
            return;
        }
        run(ta, false, m, b.n(), b.k(), alpha, a, offA, lda, null, 0, 0, c, offC, ldc, parallel, true, b);
    }

    /**
     * C += α·op(A)·op(B) (C = α·op(A)·op(B) when {@code overwrite}), blocked: B packed per (column block, k slice)
     * unless {@code pre} holds it packed already, A per task.
     */
    private static void run(boolean ta, boolean tb, int m, int n, int k, float alpha, float[] a, int offA, int lda,
                            float[] b, int offB, int ldb, float[] c, int offC, int ldc, boolean parallel,
                            boolean overwrite, PackedB pre) {
        int parts = pre == null ? kParts(m, n, k, parallel) : 1;
        // the split along k follows the caller's choice (it changes the sums); whether the tasks then run on the
        // pool's threads does not
        boolean fork = parallel && (long) m * n * k >= FORK_MACS;
        if (parts > 1) {
            kSplit(ta, tb, m, n, k, parts, alpha, a, offA, lda, b, offB, ldb, c, offC, ldc, fork, overwrite);
            return;
        }
        int mBlocks = (m + MC - 1) / MC;
        int threads = fork ? Parallel.threads() : 0;
        // measured: a clear gain for 256×64×4096 (−34%), a loss where B would be read by three row blocks or more
        // (288×64×50176: +6%)
        boolean smallOutputLongK = k > KC && (long) m * n <= SMALL_OUTPUT && mBlocks <= 2;
        for (int jc = 0; jc < n; jc += NC) {
            final int nc = Math.min(NC, n - jc);
            final int j0 = jc;
            int panels = (nc + NR - 1) / NR;
            // Few row blocks: split the column panels too, into at least four tasks per thread (uneven tasks then
            // cost little); one task when not parallel, which packs A once. Splits never change a sum.
            int nGroups = Math.min(panels, Math.max(1, (4 * threads + mBlocks - 1) / mBlocks));
            int panelsPerGroup = (panels + nGroups - 1) / nGroups;
            int tasks = mBlocks * nGroups;
            boolean bInPlace = pre == null && readsBInPlace(tb, m, nc);
            if (smallOutputLongK) {
                // One fork-join for all of k: each task walks every k-slice of its own tile of C, packing the B
                // panels it needs itself (a 1/MC share of its work), instead of a fork-join per k-slice. A single
                // tile (one row block, one column group) goes to two tasks by its MR row panels, so that both cores
                // work; each output element is computed as before.
                boolean splitRows = tasks == 1 && m > MR;
                int half = ((m + MR - 1) / MR + 1) / 2 * MR;
                forEach(fork, splitRows ? 2 : tasks, t -> {
                    int firstPanel = splitRows ? 0 : t % nGroups * panelsPerGroup;
                    int lastPanel = Math.min(panels, firstPanel + panelsPerGroup);
                    int i0 = splitRows ? t * half : t / nGroups * MC;
                    int rowsEnd = splitRows && t == 0 ? half : m;
                    for (int pc = 0; pc < k && firstPanel < lastPanel; pc += KC) {
                        int kc = Math.min(KC, k - pc);
                        float[] pb;
                        int pbFirst = 0;
                        BPlace bIn = null;
                        if (pre != null) {
                            pb = pre.slice(j0, pc);
                        } else if (bInPlace) {
                            pb = b;
                            bIn = new BPlace(offB + pc * ldb + j0, ldb);
                        } else {
                            pb = PACK_B_TASK.get((lastPanel - firstPanel) * NR * kc);
                            packPanels(tb, b, offB, ldb, j0, nc, pc, kc, pb, firstPanel, lastPanel, 1, firstPanel);
                            pbFirst = firstPanel;
                        }
                        rowBlock(ta, rowsEnd, nc, kc, pc, i0, j0, firstPanel, lastPanel, pbFirst, alpha, a, offA,
                                lda, pb, bIn, c, offC, ldc, !(overwrite && pc == 0));
                    }
                });
                continue;
            }
            for (int pc = 0; pc < k; pc += KC) {
                final int kc = Math.min(KC, k - pc);
                final int p0 = pc;
                final boolean load = !(overwrite && pc == 0);
                float[] pb;
                BPlace bIn = bInPlace ? new BPlace(offB + p0 * ldb + j0, ldb) : null;
                if (pre != null) {
                    pb = pre.slice(j0, p0);
                } else if (bInPlace) {
                    pb = b;
                } else {
                    float[] packed = packedB(kc * panels * NR);
                    int packTasks = Math.min(panels, 8);
                    forEach(fork, packTasks,
                            t -> packPanels(tb, b, offB, ldb, j0, nc, p0, kc, packed, t, panels, packTasks, 0));
                    pb = packed;
                }
                forEach(fork, tasks, t -> {
                    int i0 = t / nGroups * MC;
                    int g = t % nGroups;
                    int firstPanel = g * panelsPerGroup;
                    int lastPanel = Math.min(panels, firstPanel + panelsPerGroup);
                    if (firstPanel < lastPanel) {
                        rowBlock(ta, m, nc, kc, p0, i0, j0, firstPanel, lastPanel, 0, alpha, a, offA, lda, pb, bIn, c,
                                offC, ldc, load);
                    }
                });
            }
        }
    }

    /** Where the kernels read B in place: its first panel's value at row p is b[offset + p·step]. */
    private record BPlace(int offset, int step) {}

    /** Set by benchmarks and tests only: pack every B, to time and check the packed layout against the in-place one. */
    static volatile boolean packEveryB;

    /**
     * Whether a row-major B is read in place instead of packed: row p of a panel already holds its NR values side by
     * side, as the packed panel would, at a step of ldb instead of NR, so the kernels multiply the same values in the
     * same order (the same bits). Only where the column block is whole panels (nothing read past its columns) and
     * op(A) fits one row block: a panel is then multiplied by at most MC/MR row panels, too few to repay a copy of B
     * per k-slice. That is a weight gradient dWᵀ = dyᵀ·col, where B is the chunk's im2col matrix (64×288×1568 TN, one
     * thread: 125–128 → 147–150 GFLOP/s; 128×576×784: 137–139 → 163–167; bench's `GemmLayouts`), or the logits'
     * backward against the queue. With more rows, each panel is read again by every row block, and packing pays (a
     * variant that read every whole-panel B in place: 1024³ NN with 2 threads 243–293 → 221–246 GFLOP/s).
     */
    static boolean readsBInPlace(boolean tb, int m, int nc) {
        return !tb && nc % NR == 0 && m <= MC && !packEveryB;
    }

    /**
     * A product of fewer multiply-adds runs on its caller's thread even when the caller allows the pool's: waking a
     * helper and waiting for it costs tens of microseconds, which such a product does not repay. Measured with two
     * threads on AMD family 26 (a throwaway harness, medians of 200 products): 64×128×128 NT 45–55 µs in parallel
     * against 15–16 µs on one thread, 64×256×256 94–97 against 53, 128×256×256 (2²³) 76–89 against 89, 256³ 120
     * against 159. The tasks are the same either way, so no sum changes.
     */
    static final long FORK_MACS = 1L << 23;

    /** Products whose k is at least this many slices, and whose output is small, are split along k. */
    static final int K_SPLIT_SLICES = 8;
    /** At most this many parts along k, and at most {@link #K_SPLIT_FLOATS} floats of partial products. */
    static final int K_SPLIT_PARTS = 16;
    static final int K_SPLIT_FLOATS = 1 << 22;

    /**
     * How many parts a parallel product is split into along k: a function of its shape alone, never of the thread
     * count, so that results stay the same whatever the threads. A small output with a long k (a weight gradient over
     * many pixels: 288×64×50176) otherwise gives each task a sliver of C per k-slice, a fork-join per slice and A
     * packed once per column group. A product the caller runs on one thread is never split: it would gain nothing,
     * and its sums keep the order they had before the split existed (the logits' backward against a queue of 4096
     * keys, inside a loss that is parallel over rows, is one).
     */
    static int kParts(int m, int n, int k, boolean parallel) {
        int slices = (k + KC - 1) / KC;
        long out = (long) m * n;
        if (!parallel || slices < K_SPLIT_SLICES || out > SMALL_OUTPUT) {
            return 1;
        }
        return (int) Math.max(1, Math.min(Math.min(K_SPLIT_PARTS, slices / 2), K_SPLIT_FLOATS / out));
    }

    /**
     * C (+)= Σ_parts α·op(A)[:, part]·op(B)[part, :]: each part, whole k-slices of k, is an ordinary product into its
     * own buffer (the parts run in parallel, each on one thread), and the parts are added to C in part order.
     */
    private static void kSplit(boolean ta, boolean tb, int m, int n, int k, int parts, float alpha, float[] a, int offA,
                               int lda, float[] b, int offB, int ldb, float[] c, int offC, int ldc, boolean parallel,
                               boolean overwrite) {
        int slices = (k + KC - 1) / KC;
        int perPart = (slices + parts - 1) / parts * KC;
        int size = m * n;
        float[] partial = new float[parts * size];
        forEach(parallel, parts, t -> {
            int p0 = t * perPart;
            int kp = Math.min(perPart, k - p0);
            if (kp > 0) {
                // op(A)'s columns p0… start p0 rows into a transposed A, p0 values into each row of a plain one
                int aOff = offA + (ta ? p0 * lda : p0);
                int bOff = offB + (tb ? p0 : p0 * ldb);
                run(ta, tb, m, n, kp, alpha, a, aOff, lda, b, bOff, ldb, partial, t * size, n, false, true, null);
            }
        });
        for (int i = 0; i < m; i++) {
            int row = offC + i * ldc;
            if (overwrite) {
                System.arraycopy(partial, i * n, c, row, n);
            } else {
                Vec.addInto(partial, i * n, c, row, n);
            }
            for (int t = 1; t < parts && t * perPart < k; t++) {
                Vec.addInto(partial, t * size + i * n, c, row, n);
            }
        }
    }

    private static void forEach(boolean parallel, int tasks, IntConsumer body) {
        if (parallel) {
            Parallel.forEach(tasks, body);
        } else {
            for (int t = 0; t < tasks; t++) {
                body.accept(t);
            }
        }
    }

    /** Convenience form for dense matrices: lda, ldb, ldc are the row lengths of the stored matrices. */
    public static void gemm(boolean ta, boolean tb, int m, int n, int k, float alpha, float[] a, float[] b,
                            float beta, float[] c, boolean parallel) {
        gemm(ta, tb, m, n, k, alpha, a, 0, ta ? m : k, b, 0, tb ? k : n, beta, c, 0, n, parallel);
    }

    private static void scale(float[] c, int off, int ldc, int m, int n, float beta) {
        if (beta == 1) {
            return;
        }
        for (int i = 0; i < m; i++) {
            int row = off + i * ldc;
            if (beta == 0) {
                Arrays.fill(c, row, row + n, 0f);
            } else {
                for (int j = 0; j < n; j++) {
                    c[row + j] *= beta;
                }
            }
        }
    }

    private static final ThreadLocal<float[]> PACK_A = ThreadLocal.withInitial(() -> new float[MC * KC]);
    /** A task's own packed B panels, on the small-output, long-k path. */
    private static final Scratch PACK_B_TASK = new Scratch();
    /**
     * Outputs up to this many elements, in at most two row blocks, with k over one slice, take the one-fork-join path
     * of {@link #run}.
     */
    static final long SMALL_OUTPUT = 1 << 19;
    /** The calling thread's buffer for packed B (B is packed by the caller, read by all tasks). */
    private static final Scratch PACK_B = new Scratch();

    private static float[] packedB(int size) {
        return PACK_B.get(size);
    }

    /**
     * Rows i0 … min(i0 + MC, m) of C, column panels [firstPanel, lastPanel) of the packed B, for one KC slice of k; pb
     * holds the panels from {@code pbFirst} on.
     */
    private static void rowBlock(boolean ta, int m, int nc, int kc, int p0, int i0, int j0, int firstPanel,
                                 int lastPanel, int pbFirst, float alpha, float[] a, int offA, int lda, float[] pb,
                                 BPlace bIn, float[] c, int offC, int ldc, boolean load) {
        int mc = Math.min(MC, m - i0);
        // op(A) = Aᵀ with α = 1: row p of the stored A holds each panel's MR values for that p side by side, as the
        // packed panel would, so whole panels can be read in place (step lda instead of MR), only a partial last panel
        // packed. Worth it where few column panels share the packing (a weight gradient of 64 output channels:
        // 288×64×50176 −30%); with many, the strided reads cost more than packing once (1024³: +19%). The kernel
        // multiplies the same values in the same order: the bits do not change.
        boolean inPlace = ta && alpha == 1f && lastPanel - firstPanel <= IN_PLACE_PANELS;
        int full = inPlace ? mc / MR * MR : 0;
        float[] pa = PACK_A.get();
        if (full < mc) {
            packA(ta, a, offA, lda, i0 + full, mc - full, p0, kc, alpha, pa);
        }
        for (int pnl = firstPanel; pnl < lastPanel; pnl++) {
            int jr = pnl * NR;
            int nr = Math.min(NR, nc - jr);
            for (int ir = 0; ir < mc; ir += MR) {
                int mr = Math.min(MR, mc - ir);
                int cOff = offC + (i0 + ir) * ldc + j0 + jr;
                boolean direct = ir < full;
                float[] as = direct ? a : pa;
                int aOff = direct ? offA + p0 * lda + i0 + ir : (ir - full) * kc;
                int aStep = direct ? lda : MR;
                int bOff = bIn != null ? bIn.offset + pnl * NR : (pnl - pbFirst) * NR * kc;
                int bStep = bIn != null ? bIn.step : NR;
                if (mr == MR && nr == NR) {
                    fullTile(kc, as, aOff, aStep, pb, bOff, bStep, c, cOff, ldc, load);
                } else {
                    kernelTail(kc, mr, as, aOff, aStep, pb, bOff, bStep, c, cOff, ldc, nr, load);
                }
            }
        }
    }

    /** Packs α·op(A)[i0:i0+mc, p0:p0+kc] as panels of MR rows (zero-padded): panel r holds, for each p, MR values. */
    private static void packA(boolean ta, float[] a, int off, int lda, int i0, int mc, int p0, int kc, float alpha,
                              float[] pa) {
        int panels = (mc + MR - 1) / MR;
        if (ta) {
            // A is stored k×m: each row p is read once and its mc values dealt to the panels, MR at a time.
            int full = mc / MR * MR;
            for (int p = 0; p < kc; p++) {
                int src = off + (p0 + p) * lda + i0;
                for (int ir = 0; ir < full; ir += MR) {
                    int dst = ir * kc + p * MR;
                    for (int r = 0; r < MR; r++) {
                        pa[dst + r] = a[src + ir + r];
                    }
                }
                if (full < mc) {
                    int dst = full * kc + p * MR;
                    for (int r = 0; r < MR; r++) {
                        pa[dst + r] = full + r < mc ? a[src + full + r] : 0f;
                    }
                }
            }
        } else {
            // A is stored m×k: read each row contiguously, write it MR apart.
            for (int ir = 0; ir < mc; ir += MR) {
                int mr = Math.min(MR, mc - ir);
                int base = ir * kc;
                for (int r = 0; r < MR; r++) {
                    if (r < mr) {
                        int src = off + (i0 + ir + r) * lda + p0;
                        for (int p = 0; p < kc; p++) {
                            pa[base + p * MR + r] = a[src + p];
                        }
                    } else {
                        for (int p = 0; p < kc; p++) {
                            pa[base + p * MR + r] = 0f;
                        }
                    }
                }
            }
        }
        if (alpha != 1f) {
            for (int q = 0; q < panels * MR * kc; q++) {
                pa[q] *= alpha;
            }
        }
    }

    /**
     * Packs the panels first, first + step, … below last of column block [j0, j0 + nc) for k-slice [p0, p0 + kc), each
     * at pb[(panel − pbFirst)·NR·kc]. A row-major B is read row by row, each row once for all the panels.
     */
    private static void packPanels(boolean tb, float[] b, int off, int ldb, int j0, int nc, int p0, int kc, float[] pb,
                                   int first, int last, int step, int pbFirst) {
        if (tb) {
            for (int pnl = first; pnl < last; pnl += step) {
                packB(b, off, ldb, j0 + pnl * NR, Math.min(NR, nc - pnl * NR), p0, kc, pb, (pnl - pbFirst) * NR * kc);
            }
            return;
        }
        for (int p = 0; p < kc; p++) {
            int row = off + (p0 + p) * ldb + j0;
            for (int pnl = first; pnl < last; pnl += step) {
                int dst = (pnl - pbFirst) * NR * kc + p * NR;
                int nr = Math.min(NR, nc - pnl * NR);
                if (nr == NR) {
                    FloatVector.fromArray(S, b, row + pnl * NR).intoArray(pb, dst);
                    FloatVector.fromArray(S, b, row + pnl * NR + L).intoArray(pb, dst + L);
                } else {
                    System.arraycopy(b, row + pnl * NR, pb, dst, nr);
                    Arrays.fill(pb, dst + nr, dst + NR, 0f);
                }
            }
        }
    }

    /** Packs one panel of Bᵀ's columns (B stored n×k) [p0:p0+kc, j:j+nr], zero-padded to NR columns, at pb[base]. */
    private static void packB(float[] b, int off, int ldb, int j, int nr, int p0, int kc, float[] pb, int base) {
        // read each column's k values contiguously, write them NR apart
        for (int q = 0; q < NR; q++) {
            if (q < nr) {
                int src = off + (j + q) * ldb + p0;
                for (int p = 0; p < kc; p++) {
                    pb[base + p * NR + q] = b[src + p];
                }
            } else {
                for (int p = 0; p < kc; p++) {
                    pb[base + p * NR + q] = 0f;
                }
            }
        }
    }

    /**
     * C[MR × NR] += Apanel · Bpanel (C at c[cOff], row stride ldc; C = Apanel · Bpanel when not {@code load}), with
     * MR × 2 vector accumulators in registers. A's MR values for each p lie side by side at pa[aOff + p·aStep]: a
     * packed panel (aStep = MR) or a row of a stored Aᵀ (aStep = its row stride); B's NR values for each p likewise at
     * pb[bOff + p·bStep] (NR for a packed panel, ldb for a row-major B read in place). Written out in full: C2 keeps
     * vectors in registers only when nothing escapes into a call.
     */
    private static void kernel(int kc, float[] pa, int aOff, int aStep, float[] pb, int bOff, int bStep, float[] c,
                               int cOff, int ldc, boolean load) {
        int r0 = cOff;
        int r1 = cOff + ldc;
        int r2 = cOff + 2 * ldc;
        int r3 = cOff + 3 * ldc;
        int r4 = cOff + 4 * ldc;
        int r5 = cOff + 5 * ldc;
        int r6 = cOff + 6 * ldc;
        int r7 = cOff + 7 * ldc;
        FloatVector z = FloatVector.zero(S);
        FloatVector c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z, c30 = z, c31 = z;
        FloatVector c40 = z, c41 = z, c50 = z, c51 = z, c60 = z, c61 = z, c70 = z, c71 = z;
        if (load) {
            c00 = FloatVector.fromArray(S, c, r0);
            c01 = FloatVector.fromArray(S, c, r0 + L);
            c10 = FloatVector.fromArray(S, c, r1);
            c11 = FloatVector.fromArray(S, c, r1 + L);
            c20 = FloatVector.fromArray(S, c, r2);
            c21 = FloatVector.fromArray(S, c, r2 + L);
            c30 = FloatVector.fromArray(S, c, r3);
            c31 = FloatVector.fromArray(S, c, r3 + L);
            c40 = FloatVector.fromArray(S, c, r4);
            c41 = FloatVector.fromArray(S, c, r4 + L);
            c50 = FloatVector.fromArray(S, c, r5);
            c51 = FloatVector.fromArray(S, c, r5 + L);
            c60 = FloatVector.fromArray(S, c, r6);
            c61 = FloatVector.fromArray(S, c, r6 + L);
            c70 = FloatVector.fromArray(S, c, r7);
            c71 = FloatVector.fromArray(S, c, r7 + L);
        }
        for (int p = 0; p < kc; p++) {
            int ai = aOff + p * aStep;
            int bi = bOff + p * bStep;
            FloatVector b0 = FloatVector.fromArray(S, pb, bi);
            FloatVector b1 = FloatVector.fromArray(S, pb, bi + L);
            FloatVector a0 = FloatVector.broadcast(S, pa[ai]);
            c00 = a0.fma(b0, c00); c01 = a0.fma(b1, c01);
            FloatVector a1 = FloatVector.broadcast(S, pa[ai + 1]);
            c10 = a1.fma(b0, c10); c11 = a1.fma(b1, c11);
            FloatVector a2 = FloatVector.broadcast(S, pa[ai + 2]);
            c20 = a2.fma(b0, c20); c21 = a2.fma(b1, c21);
            FloatVector a3 = FloatVector.broadcast(S, pa[ai + 3]);
            c30 = a3.fma(b0, c30); c31 = a3.fma(b1, c31);
            FloatVector a4 = FloatVector.broadcast(S, pa[ai + 4]);
            c40 = a4.fma(b0, c40); c41 = a4.fma(b1, c41);
            FloatVector a5 = FloatVector.broadcast(S, pa[ai + 5]);
            c50 = a5.fma(b0, c50); c51 = a5.fma(b1, c51);
            FloatVector a6 = FloatVector.broadcast(S, pa[ai + 6]);
            c60 = a6.fma(b0, c60); c61 = a6.fma(b1, c61);
            FloatVector a7 = FloatVector.broadcast(S, pa[ai + 7]);
            c70 = a7.fma(b0, c70); c71 = a7.fma(b1, c71);
        }
        c00.intoArray(c, r0);
        c01.intoArray(c, r0 + L);
        c10.intoArray(c, r1);
        c11.intoArray(c, r1 + L);
        c20.intoArray(c, r2);
        c21.intoArray(c, r2 + L);
        c30.intoArray(c, r3);
        c31.intoArray(c, r3 + L);
        c40.intoArray(c, r4);
        c41.intoArray(c, r4 + L);
        c50.intoArray(c, r5);
        c51.intoArray(c, r5 + L);
        c60.intoArray(c, r6);
        c61.intoArray(c, r6 + L);
        c70.intoArray(c, r7);
        c71.intoArray(c, r7 + L);
    }

    private static void fullTile(int kc, float[] pa, int aOff, int aStep, float[] pb, int bOff, int bStep, float[] c,
                                 int cOff, int ldc, boolean load) {
        if (MR == 8) {
            kernel(kc, pa, aOff, aStep, pb, bOff, bStep, c, cOff, ldc, load);
        } else {
            kernel5(kc, pa, aOff, aStep, pb, bOff, bStep, c, cOff, ldc, load);
        }
    }

    /**
     * {@link #kernel} with five rows, for 16 vector registers: ten accumulators, two vectors of B and the broadcasts
     * of A stay in registers (eight or six rows spill an accumulator to the stack with C2's allocation). Two values of
     * p per iteration; each accumulator still adds its products in increasing p.
     */
    private static void kernel5(int kc, float[] pa, int aOff, int aStep, float[] pb, int bOff, int bStep, float[] c,
                                int cOff, int ldc, boolean load) {
        int r0 = cOff;
        int r1 = cOff + ldc;
        int r2 = cOff + 2 * ldc;
        int r3 = cOff + 3 * ldc;
        int r4 = cOff + 4 * ldc;
        FloatVector z = FloatVector.zero(S);
        FloatVector c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z, c30 = z, c31 = z, c40 = z, c41 = z;
        if (load) {
            c00 = FloatVector.fromArray(S, c, r0);
            c01 = FloatVector.fromArray(S, c, r0 + L);
            c10 = FloatVector.fromArray(S, c, r1);
            c11 = FloatVector.fromArray(S, c, r1 + L);
            c20 = FloatVector.fromArray(S, c, r2);
            c21 = FloatVector.fromArray(S, c, r2 + L);
            c30 = FloatVector.fromArray(S, c, r3);
            c31 = FloatVector.fromArray(S, c, r3 + L);
            c40 = FloatVector.fromArray(S, c, r4);
            c41 = FloatVector.fromArray(S, c, r4 + L);
        }
        int ai = aOff;
        int bi = bOff;
        int p = 0;
        for (; p < kc; p += 2, ai += 2 * aStep, bi += 2 * bStep) {
            FloatVector b0 = FloatVector.fromArray(S, pb, bi);
            FloatVector b1 = FloatVector.fromArray(S, pb, bi + L);
            FloatVector a = FloatVector.broadcast(S, pa[ai]);
            c00 = a.fma(b0, c00); c01 = a.fma(b1, c01);
            a = FloatVector.broadcast(S, pa[ai + 1]);
            c10 = a.fma(b0, c10); c11 = a.fma(b1, c11);
            a = FloatVector.broadcast(S, pa[ai + 2]);
            c20 = a.fma(b0, c20); c21 = a.fma(b1, c21);
            a = FloatVector.broadcast(S, pa[ai + 3]);
            c30 = a.fma(b0, c30); c31 = a.fma(b1, c31);
            a = FloatVector.broadcast(S, pa[ai + 4]);
            c40 = a.fma(b0, c40); c41 = a.fma(b1, c41);
            if (p + 1 == kc) {
                break;
            }
            b0 = FloatVector.fromArray(S, pb, bi + bStep);
            b1 = FloatVector.fromArray(S, pb, bi + bStep + L);
            a = FloatVector.broadcast(S, pa[ai + aStep]);
            c00 = a.fma(b0, c00); c01 = a.fma(b1, c01);
            a = FloatVector.broadcast(S, pa[ai + aStep + 1]);
            c10 = a.fma(b0, c10); c11 = a.fma(b1, c11);
            a = FloatVector.broadcast(S, pa[ai + aStep + 2]);
            c20 = a.fma(b0, c20); c21 = a.fma(b1, c21);
            a = FloatVector.broadcast(S, pa[ai + aStep + 3]);
            c30 = a.fma(b0, c30); c31 = a.fma(b1, c31);
            a = FloatVector.broadcast(S, pa[ai + aStep + 4]);
            c40 = a.fma(b0, c40); c41 = a.fma(b1, c41);
        }
        c00.intoArray(c, r0);
        c01.intoArray(c, r0 + L);
        c10.intoArray(c, r1);
        c11.intoArray(c, r1 + L);
        c20.intoArray(c, r2);
        c21.intoArray(c, r2 + L);
        c30.intoArray(c, r3);
        c31.intoArray(c, r3 + L);
        c40.intoArray(c, r4);
        c41.intoArray(c, r4 + L);
    }

    private static final ThreadLocal<float[]> TILE = ThreadLocal.withInitial(() -> new float[MR * NR]);

    /**
     * A partial tile (mr < MR rows or nr < NR columns): the full kernel runs on a zeroed scratch tile, whose valid
     * part is then added to C. Within one k-slice the sums are formed exactly as in a full tile; across slices a tile's
     * slice sum is added to C at once, so a row's bits depend on whether it falls in a partial tile (callers that need
     * batch-independent rows use batches of a multiple of MR).
     */
    private static void kernelTail(int kc, int mr, float[] pa, int aOff, int aStep, float[] pb, int bOff, int bStep,
                                   float[] c, int cOff, int ldc, int nr, boolean load) {
        float[] tile = TILE.get();
        fullTile(kc, pa, aOff, aStep, pb, bOff, bStep, tile, 0, NR, false);
        for (int r = 0; r < mr; r++) {
            for (int q = 0; q < nr; q++) {
                int at = cOff + r * ldc + q;
                c[at] = load ? c[at] + tile[r * NR + q] : tile[r * NR + q];
            }
        }
    }
}
