package org.pauc.cluster;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.IntFunction;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.pauc.config.TrainConfig.KMeansInit;
import org.pauc.dist.Collective;
import org.pauc.dist.Local;
import org.pauc.hostmath.Gemm;
import org.pauc.hostmath.Parallel;
import org.pauc.hostmath.Scratch;
import org.pauc.hostmath.Seeds;
import org.pauc.hostmath.Vec;
import org.pauc.hostmath.VectorWidth;

/**
 * Lloyd's k-means with Euclidean distance on float features, for the E-step (PCL clusters the normalised
 * features with Euclidean distance and keeps the centroids un-normalised for φ). Seeded k-means++ or random
 * initialisation, a fixed number of iterations, several restarts keeping the lowest inertia. Assignment uses
 * GEMM (‖c‖² − 2 x·c per block of points); an empty cluster takes the point farthest from its centroid, so every
 * cluster keeps at least one member. K larger than the number of points is reduced to that number. Results do
 * not depend on the thread count.
 *
 * <p>Over several processes ({@link Collective}) every process holds all the points and the fit is the same, to the
 * bit, as in one process: the update step's fixed partition of the points into at most {@value #UPDATE_BLOCKS}
 * blocks is shared out, each process assigns the points of its blocks (whole GEMM blocks, as one process does) and
 * forms its blocks' member sums; the assignments, distances and per-block sums are gathered in rank order and added
 * in block order, as one process adds them. The seeding (k-means++ or random) runs on every process alike.
 */
public final class KMeans {

    /** k centroids (k×d, un-normalised means), each point's cluster, and Σ squared distances. */
    public record Result(int k, float[] centroids, int[] assign, double inertia) {}

    private static final int BLOCK = 1024;
    private static final VectorSpecies<Float> S = VectorWidth.FLOAT;
    /** Ints with as many lanes as S, for the arg-min's indices. */
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, S.vectorShape());
    /** Blocks of points whose member sums are formed separately in the update step (a fixed number). */
    private static final int UPDATE_BLOCKS = 16;

    private KMeans() {}

    public static Result fit(float[] x, int n, int d, int k, int iterations, int restarts, KMeansInit init,
                             long seed) {
        return fit(Points.of(x, n, d), k, iterations, restarts, init, seed);
    }

    /**
     * As above on points read a block of {@value #BLOCK} rows at a time: the heap holds k centroids, three numbers
     * per point (assignment, distance, norm) and one block per thread; copies of the points themselves only up to
     * {@link #PACK_VALUES} values.
     */
    public static Result fit(Points x, int k, int iterations, int restarts, KMeansInit init, long seed) {
        return fit(x, k, iterations, restarts, init, seed, Local.INSTANCE);
    }

    /** As above, shared out over the processes of {@code dist}; every process gets the same result. */
    public static Result fit(Points x, int k, int iterations, int restarts, KMeansInit init, long seed,
                             Collective dist) {
        int n = x.n();
        int d = x.d();
        checkArguments(n, k, iterations, restarts);
        int kk = Math.min(k, n);
        return lowestInertia(restarts, r -> once(x, n, d, kk, iterations, init, Seeds.kmeans(seed, r),
                Partition.of(n, dist)));
    }

    /** The arguments of a fit, with one-line errors. */
    static void checkArguments(int n, int k, int iterations, int restarts) {
        if (n < 1) {
            throw new IllegalArgumentException("k-means: no points to cluster");
        }
        if (k < 1 || iterations < 0 || restarts < 1) {
            throw new IllegalArgumentException("k-means: need k ≥ 1, iterations ≥ 0, restarts ≥ 1; got k=" + k
                    + " iterations=" + iterations + " restarts=" + restarts);
        }
    }

    /** The restart with the lowest inertia (the first of equals). */
    static Result lowestInertia(int restarts, IntFunction<Result> restart) {
        Result best = null;
        for (int r = 0; r < restarts; r++) {
            Result res = restart.apply(r);
            if (best == null || res.inertia() < best.inertia()) {
                best = res;
            }
        }
        return best;
    }

    /**
     * k-means++ seeding alone (what {@link KMeansInit#KMEANS_PP} starts from): k centres, each next one drawn with
     * probability proportional to the squared distance to the nearest centre so far.
     */
    public static float[] seedPlusPlus(Points x, int k, long seed) {
        return plusPlus(x, x.n(), x.d(), Math.min(k, x.n()), Seeds.kmeans(seed, 0));
    }

    /**
     * The update step's fixed partition: {@code blocks} blocks of {@code per} points (the last one shorter); this
     * process owns blocks [firstBlock, lastBlock), the points [lo, hi).
     */
    record Partition(int blocks, int per, int firstBlock, int lastBlock, int lo, int hi, Collective dist) {
        static Partition of(int n, Collective dist) {
            int blocks = Math.min(UPDATE_BLOCKS, (n + BLOCK - 1) / BLOCK);
            int per = (n + blocks - 1) / blocks;
            int first = first(blocks, dist.rank(), dist.size());
            int last = first(blocks, dist.rank() + 1, dist.size());
            return new Partition(blocks, per, first, last, Math.min(n, first * per), Math.min(n, last * per), dist);
        }

        /** The first block of process r (of p). */
        static int first(int blocks, int r, int p) {
            return (int) ((long) r * blocks / p);
        }

        /** How many of {@code unit}-sized items each process gives when process r gives its points' items. */
        int[] pointCounts(int n, int unit) {
            int p = dist.size();
            int[] counts = new int[p];
            for (int r = 0; r < p; r++) {
                counts[r] = (Math.min(n, first(blocks, r + 1, p) * per) - Math.min(n, first(blocks, r, p) * per)) * unit;
            }
            return counts;
        }

        /** Every process's points' values of {@code a}, from its own, into {@code a}. */
        void gatherPoints(int[] a) {
            if (dist.size() > 1) {
                dist.allGather(Arrays.copyOfRange(a, lo, hi), a, pointCounts(a.length, 1));
            }
        }

        /** As above for floats. */
        void gatherPoints(float[] a) {
            if (dist.size() > 1) {
                dist.allGather(Arrays.copyOfRange(a, lo, hi), a, pointCounts(a.length, 1));
            }
        }
    }

    private static Result once(Points x, int n, int d, int k, int iterations, KMeansInit init, SplittableRandom rng,
                               Partition part) {
        float[] c = initial(x, k, init, rng);
        int[] assign = new int[n];
        float[] dist = new float[n];
        float[] xn = new float[n];
        forBlocks(x, part.lo(), part.hi(), (i0, rows, block, off) -> {
            for (int r = 0; r < rows; r++) {
                xn[i0 + r] = norm2(block, off + r * d, d);
            }
        });
        Gemm.PackedB[] packed = packedBlocks(x, part);
        assign(x, xn, n, d, c, k, assign, dist, packed, part);
        for (int it = 0; it < iterations; it++) {
            update(x, n, d, c, k, assign, dist, part);
            assign(x, xn, n, d, c, k, assign, dist, packed, part);
        }
        fillEmpty(x, n, d, c, k, assign, dist, sizes(assign, k));
        double inertia = 0;
        for (int i = 0; i < n; i++) {
            inertia += dist[i];
        }
        return new Result(k, c, assign, inertia);
    }

    /** The starting centroids of one restart: k-means++ or k distinct random points. */
    static float[] initial(Points x, int k, KMeansInit init, SplittableRandom rng) {
        return init == KMeansInit.RANDOM ? randomInit(x, x.n(), x.d(), k, rng) : plusPlus(x, x.n(), x.d(), k, rng);
    }

    private static float sq(float[] a, int ao, float[] b, int bo, int d) {
        float s = 0;
        for (int j = 0; j < d; j++) {
            float t = a[ao + j] - b[bo + j];
            s += t * t;
        }
        return s;
    }

    private static float[] randomInit(Points x, int n, int d, int k, SplittableRandom rng) {
        int[] perm = new int[n];
        for (int i = 0; i < n; i++) {
            perm[i] = i;
        }
        float[] c = new float[k * d];
        for (int j = 0; j < k; j++) {
            int t = j + rng.nextInt(n - j);
            int s = perm[j];
            perm[j] = perm[t];
            perm[t] = s;
            row(x, perm[j], c, j * d);
        }
        return c;
    }

    /** Copies point i into dst[off …]. */
    static void row(Points x, int i, float[] dst, int off) {
        float[] one = ROW.get(x.d());
        x.read(i, 1, one);
        System.arraycopy(one, 0, dst, off, x.d());
    }

    /** A block of points: rows [i0, i0 + rows) at block[off …]. */
    private interface BlockTask {
        void run(int i0, int rows, float[] block, int off);
    }

    /** Rows of points at data[off …]. */
    private record Block(float[] data, int off) {}

    /**
     * Rows [i0, i0 + rows) of {@code x}: in the points' own array when they are in memory, else copied into the
     * calling thread's scratch array.
     */
    private static Block rowsAt(Points x, int i0, int rows) {
        if (x instanceof Points.InArray a) {
            return new Block(a.x(), i0 * a.d());
        }
        float[] copy = POINTS.get(rows * x.d());
        x.read(i0, rows, copy);
        return new Block(copy, 0);
    }

    /** Runs {@code task} on every block of {@value #BLOCK} points, in parallel, each block read into a scratch array. */
    private static void forBlocks(Points x, BlockTask task) {
        forBlocks(x, 0, x.n(), task);
    }

    /** As above on the whole blocks that hold points of [lo, hi). */
    private static void forBlocks(Points x, int lo, int hi, BlockTask task) {
        if (lo >= hi) {
            return;
        }
        int n = x.n();
        int firstBlock = lo / BLOCK;
        int blocks = (hi + BLOCK - 1) / BLOCK - firstBlock;
        Parallel.forEach(blocks, t -> {
            int i0 = (firstBlock + t) * BLOCK;
            int rows = Math.min(BLOCK, n - i0);
            Block block = rowsAt(x, i0, rows);
            task.run(i0, rows, block.data(), block.off());
        });
    }

    /** k-means++: each next centre drawn with probability proportional to the squared distance to the nearest. */
    private static float[] plusPlus(Points x, int n, int d, int k, SplittableRandom rng) {
        float[] c = new float[k * d];
        int first = rng.nextInt(n);
        row(x, first, c, 0);
        float[] near = new float[n];
        float[][] groups = groupedBlocks(x);
        forGroupedBlocks(x, groups, (i0, rows, bt) -> nearest(bt, rows, d, c, 0, near, i0, true));
        for (int j = 1; j < k; j++) {
            double total = 0;
            for (int i = 0; i < n; i++) {
                total += near[i];
            }
            int pick;
            if (total <= 0) {
                pick = rng.nextInt(n);
            } else {
                double u = rng.nextDouble() * total;
                pick = n - 1;
                double acc = 0;
                for (int i = 0; i < n; i++) {
                    acc += near[i];
                    if (acc > u) {
                        pick = i;
                        break;
                    }
                }
            }
            row(x, pick, c, j * d);
            int cj = j;
            forGroupedBlocks(x, groups, (i0, rows, bt) -> nearest(bt, rows, d, c, cj * d, near, i0, false));
        }
        return c;
    }

    /**
     * Each point's squared distance to the nearest of the k centres c (k×d), by the seeding's code ({@link #nearest}),
     * with the points grouped once ({@code keep}, as for up to {@link #PACK_VALUES} values) or block by block as read.
     */
    static float[] nearestSquaredDistances(Points x, float[] c, int k, boolean keep) {
        float[] near = new float[x.n()];
        float[][] groups = keep ? groupedBlocks(x) : null;
        for (int j = 0; j < k; j++) {
            int cj = j;
            forGroupedBlocks(x, groups, (i0, rows, bt) -> nearest(bt, rows, x.d(), c, cj * x.d(), near, i0, cj == 0));
        }
        return near;
    }

    /** Vectors of points that {@link #nearest} sums side by side (independent chains for the out-of-order core). */
    private static final int GROUP_VECTORS = 4;
    /** Points per group of a grouped block. */
    private static final int GROUP = GROUP_VECTORS * S.length();

    /** A block of points grouped for {@link #nearest}: rows [i0, i0 + rows) in {@code bt}. */
    private interface GroupedTask {
        void run(int i0, int rows, float[] bt);
    }

    private static final Scratch GROUPED = new Scratch();

    /**
     * Each block of points (up to {@link #PACK_VALUES} values), grouped once for every centre of a seeding; null for
     * more points, which {@link #forGroupedBlocks} groups block by block as it reads them.
     */
    private static float[][] groupedBlocks(Points x) {
        if (!keptInMemory(x)) {
            return null;
        }
        float[][] groups = new float[(x.n() + BLOCK - 1) / BLOCK][];
        forBlocks(x, (i0, rows, block, off) -> {
            float[] bt = new float[groupedSize(rows, x.d())];
            group(block, off, rows, x.d(), bt);
            groups[i0 / BLOCK] = bt;
        });
        return groups;
    }

    private static void forGroupedBlocks(Points x, float[][] groups, GroupedTask task) {
        if (groups != null) {
            Parallel.forEach(groups.length, t -> task.run(t * BLOCK, Math.min(BLOCK, x.n() - t * BLOCK), groups[t]));
        } else {
            forBlocks(x, (i0, rows, block, off) -> {
                float[] bt = GROUPED.get(groupedSize(rows, x.d()));
                group(block, off, rows, x.d(), bt);
                task.run(i0, rows, bt);
            });
        }
    }

    private static int groupedSize(int rows, int d) {
        return (rows + GROUP - 1) / GROUP * GROUP * d;
    }

    /**
     * Rows of d coordinates, regrouped so that each GROUP of points lies coordinate by coordinate: point r's coordinate
     * j at bt[(⌊r / GROUP⌋·d + j)·GROUP + r mod GROUP]; a partial last group padded with zeros.
     */
    private static void group(float[] block, int off, int rows, int d, float[] bt) {
        Arrays.fill(bt, rows / GROUP * GROUP * d, groupedSize(rows, d), 0f);
        for (int r = 0; r < rows; r++) {
            int g = (r / GROUP * d) * GROUP + r % GROUP;
            int src = off + r * d;
            for (int j = 0; j < d; j++) {
                bt[g + j * GROUP] = block[src + j];
            }
        }
    }

    /**
     * near[i0 + r] ← ‖x_r − c‖² (or the smaller of that and near[i0 + r] when not {@code first}) for the rows of a
     * grouped block ({@link #group}), GROUP_VECTORS vectors of points at a time, read in order: each lane sums over the
     * coordinates in order, with the multiply and the add of {@link #sq}, so every value is sq's to the bit, whatever
     * the vector width.
     */
    private static void nearest(float[] bt, int rows, int d, float[] c, int co, float[] near, int i0, boolean first) {
        int lanes = S.length();
        // GROUP_VECTORS = 4 accumulators
        for (int r0 = 0, base = 0; r0 < rows; r0 += GROUP, base += GROUP * d) {
            FloatVector a0 = FloatVector.zero(S);
            FloatVector a1 = a0;
            FloatVector a2 = a0;
            FloatVector a3 = a0;
            for (int j = 0, o = base; j < d; j++, o += GROUP) {
                float cj = c[co + j];
                FloatVector t0 = FloatVector.fromArray(S, bt, o).sub(cj);
                FloatVector t1 = FloatVector.fromArray(S, bt, o + lanes).sub(cj);
                FloatVector t2 = FloatVector.fromArray(S, bt, o + 2 * lanes).sub(cj);
                FloatVector t3 = FloatVector.fromArray(S, bt, o + 3 * lanes).sub(cj);
                a0 = a0.add(t0.mul(t0));
                a1 = a1.add(t1.mul(t1));
                a2 = a2.add(t2.mul(t2));
                a3 = a3.add(t3.mul(t3));
            }
            settle(a0, r0, rows, near, i0, first);
            settle(a1, r0 + lanes, rows, near, i0, first);
            settle(a2, r0 + 2 * lanes, rows, near, i0, first);
            settle(a3, r0 + 3 * lanes, rows, near, i0, first);
        }
    }

    /** near[i0 + r …] ← the distances a (or the smaller of both when not {@code first}), lanes past rows left alone. */
    private static void settle(FloatVector a, int r, int rows, float[] near, int i0, boolean first) {
        if (r >= rows) {
            return;
        }
        VectorMask<Float> m = S.indexInRange(r, rows);
        (first ? a : a.min(FloatVector.fromArray(S, near, i0 + r, m))).intoArray(near, i0 + r, m);
    }

    private static float norm2(float[] a, int off, int d) {
        float s = 0;
        for (int j = 0; j < d; j++) {
            s += a[off + j] * a[off + j];
        }
        return s;
    }

    private static final Scratch DOTS = new Scratch();
    private static final Scratch POINTS = new Scratch();
    private static final Scratch ROW = new Scratch();

    /**
     * Points up to this many values (128 MiB of floats), in an array or mapped, are also kept packed for the
     * assignment's GEMM and grouped for the seeding (copies of them, made once instead of once per pass).
     */
    private static final long PACK_VALUES = 1L << 25;

    /** Whether copies of the points' blocks (packed, grouped) are kept for a whole fit: not too many points. */
    private static boolean keptInMemory(Points x) {
        return (long) x.n() * x.d() <= PACK_VALUES;
    }

    /**
     * Each block of points, transposed and packed once for the GEMM of every assignment (the same products as packing
     * them in each GEMM): for up to {@link #PACK_VALUES} values of points; otherwise null.
     */
    private static Gemm.PackedB[] packedBlocks(Points x, Partition part) {
        if (!keptInMemory(x)) {
            return null;
        }
        int blocks = (x.n() + BLOCK - 1) / BLOCK;
        Gemm.PackedB[] packed = new Gemm.PackedB[blocks];
        forBlocks(x, part.lo(), part.hi(),
                (i0, rows, block, off) -> packed[i0 / BLOCK] = Gemm.pack(true, rows, x.d(), block, off, x.d()));
        return packed;
    }

    /**
     * Nearest centroid of every point (lowest index on ties) and its squared distance; {@code packed}, when not null,
     * holds the blocks of points packed for the GEMM.
     */
    static void assign(Points x, float[] xNorm, int n, int d, float[] c, int k, int[] assign, float[] dist,
                       Gemm.PackedB[] packed, Partition part) {
        float[] cn = new float[k];
        for (int j = 0; j < k; j++) {
            cn[j] = norm2(c, j * d, d);
        }
        forBlocks(x, part.lo(), part.hi(), (i0, rows, block, off) -> {
            float[] dots = DOTS.get(rows * k);
            // dotsᵀ (k × rows) = −2·C · X_blockᵀ: the k centroids as the GEMM's rows, the points as its columns; the
            // factor −2 (a power of two) is exact, so this is −2 times the plain product to the bit
            if (packed != null) {
                Gemm.gemm(false, k, -2f, c, 0, d, packed[i0 / BLOCK], dots, 0, rows, false);
            } else {
                Gemm.gemm(false, true, k, rows, d, -2f, c, 0, d, block, off, d, 0f, dots, 0, rows, false);
            }
            // arg-min down each column, a vector of points at a time; a strict < keeps the lowest index on ties
            int r = 0;
            int lanes = S.length();
            // two vectors of points at a time (independent chains for the out-of-order core); the rest one by one
            for (int bound = rows - 2 * lanes; r <= bound; r += 2 * lanes) {
                FloatVector best0 = FloatVector.broadcast(S, Float.POSITIVE_INFINITY);
                FloatVector best1 = best0;
                IntVector idx0 = IntVector.zero(I);
                IntVector idx1 = idx0;
                for (int j = 0; j < k; j++) {
                    float cj = cn[j];
                    FloatVector d0 = FloatVector.fromArray(S, dots, j * rows + r).add(cj);
                    FloatVector d1 = FloatVector.fromArray(S, dots, j * rows + r + lanes).add(cj);
                    VectorMask<Float> less0 = d0.compare(VectorOperators.LT, best0);
                    VectorMask<Float> less1 = d1.compare(VectorOperators.LT, best1);
                    best0 = best0.blend(d0, less0);
                    best1 = best1.blend(d1, less1);
                    idx0 = idx0.blend(j, less0.cast(I));
                    idx1 = idx1.blend(j, less1.cast(I));
                }
                idx0.intoArray(assign, i0 + r);
                idx1.intoArray(assign, i0 + r + lanes);
                best0.add(FloatVector.fromArray(S, xNorm, i0 + r)).max(0f).intoArray(dist, i0 + r);
                best1.add(FloatVector.fromArray(S, xNorm, i0 + r + lanes)).max(0f).intoArray(dist, i0 + r + lanes);
            }
            for (; r < rows; r++) {
                float bestDist = Float.POSITIVE_INFINITY;
                int best = 0;
                for (int j = 0; j < k; j++) {
                    float dj = dots[j * rows + r] + cn[j];
                    if (dj < bestDist) {
                        bestDist = dj;
                        best = j;
                    }
                }
                assign[i0 + r] = best;
                dist[i0 + r] = Math.max(0f, bestDist + xNorm[i0 + r]);
            }
        });
        part.gatherPoints(assign);
        part.gatherPoints(dist);
    }

    /** Centroids ← member means; an empty cluster takes the point farthest from its own centroid. */
    static void update(Points x, int n, int d, float[] c, int k, int[] assign, float[] dist, Partition part) {
        // member sums per block of points in float, in parallel (each process its own blocks); the blocks' sums
        // gathered and added in block order in double
        int blocks = part.blocks();
        int per = part.per();
        float[] partial = new float[blocks * k * d];
        Parallel.forEach(part.lastBlock() - part.firstBlock(), t -> {
            int b = part.firstBlock() + t;
            int base = b * k * d;
            int end = Math.min(n, (b + 1) * per);
            for (int i0 = b * per; i0 < end; i0 += BLOCK) {
                int rows = Math.min(BLOCK, end - i0);
                Block block = rowsAt(x, i0, rows);
                float[] data = block.data();
                for (int r = 0; r < rows; r++) {
                    Vec.addInto(data, block.off() + r * d, partial, base + assign[i0 + r] * d, d);
                }
            }
        });
        Collective coll = part.dist();
        if (coll.size() > 1) {
            int[] counts = new int[coll.size()];
            for (int r = 0; r < counts.length; r++) {
                counts[r] = (Partition.first(blocks, r + 1, counts.length) - Partition.first(blocks, r, counts.length))
                        * k * d;
            }
            coll.allGather(Arrays.copyOfRange(partial, part.firstBlock() * k * d, part.lastBlock() * k * d), partial,
                    counts);
        }
        double[] sum = new double[k * d];
        for (int b = 0; b < blocks; b++) {
            int base = b * k * d;
            for (int q = 0; q < k * d; q++) {
                sum[q] += partial[base + q];
            }
        }
        int[] size = sizes(assign, k);
        for (int j = 0; j < k; j++) {
            if (size[j] == 0) {
                int far = farthest(n, assign, dist, size);
                if (far < 0) {
                    continue;
                }
                int old = assign[far];
                size[old]--;
                float[] p = new float[d];
                row(x, far, p, 0);
                for (int t = 0; t < d; t++) {
                    sum[old * d + t] -= p[t];
                    sum[j * d + t] = p[t];
                }
                size[j] = 1;
                assign[far] = j;
                dist[far] = 0;
            }
        }
        for (int j = 0; j < k; j++) {
            if (size[j] > 0) {
                for (int t = 0; t < d; t++) {
                    c[j * d + t] = (float) (sum[j * d + t] / size[j]);
                }
            }
        }
    }

    /** The point farthest from its centroid among clusters of two or more (lowest index on ties), or −1. */
    static int farthest(int n, int[] assign, float[] dist, int[] size) {
        int far = -1;
        for (int i = 0; i < n; i++) {
            if (size[assign[i]] > 1 && (far < 0 || dist[i] > dist[far])) {
                far = i;
            }
        }
        return far;
    }

    /** After the last assignment: every empty cluster takes the farthest point and moves its centroid onto it. */
    static void fillEmpty(Points x, int n, int d, float[] c, int k, int[] assign, float[] dist, int[] size) {
        for (int j = 0; j < k; j++) {
            if (size[j] == 0) {
                int far = farthest(n, assign, dist, size);
                if (far < 0) {
                    return;
                }
                size[assign[far]]--;
                assign[far] = j;
                size[j] = 1;
                dist[far] = 0;
                row(x, far, c, j * d);
            }
        }
    }

    /** Cluster sizes of an assignment. */
    public static int[] sizes(int[] assign, int k) {
        int[] s = new int[k];
        for (int a : assign) {
            s[a]++;
        }
        return s;
    }

}
