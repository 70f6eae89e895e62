package org.pauc.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import org.pauc.hostmath.Parallel;
import org.pauc.hostmath.Vec;

/**
 * Batch norm over rows × channels (channels last), optionally fused with a following ReLU, vectorised across
 * channels; must match the oracle's {@link org.pauc.oracle.layers.Layers#batchStats}, {@link org.pauc.oracle.layers.Layers#batchNormApply}
 * and {@link org.pauc.oracle.layers.Layers#batchNormBackward} (with {@link org.pauc.oracle.layers.Layers#relu} /
 * {@link org.pauc.oracle.layers.Layers#reluBackward} when fused). Rows are cut into fixed
 * chunks small enough for the cache: each chunk's statistics are computed in two passes over the cached chunk and
 * combined in chunk order in double (Chan et al.'s pairwise update), so results do not depend on threads and
 * memory is read once.
 */
final class Norm {
    static final int CHUNK_ROWS = 128;

    private Norm() {}

    static int chunks(int rows) {
        return Math.max(1, (rows + CHUNK_ROWS - 1) / CHUNK_ROWS);
    }

    /**
     * Writes rows [r0, r1) of the batch norm's input just before their statistics are taken, so that they are still
     * in the cache: the convolution that produces them ({@link ConvNorm}).
     */
    interface Producer {
        void rows(int r0, int r1);
    }

    /**
     * Per channel: mean and Σ(x − mean)² of all rows, from per-chunk means and sums of squares; each chunk written
     * first by {@code producer} when there is one.
     */
    private static double[][] moments(int rows, int c, float[] x, Producer producer) {
        int chunks = chunks(rows);
        float[] mean = new float[chunks * c];
        float[] m2 = new float[chunks * c];
        Parallel.forEach(chunks, t -> {
            int r0 = t * CHUNK_ROWS;
            int count = Math.min(rows, r0 + CHUNK_ROWS) - r0;
            if (producer != null) {
                producer.rows(r0, r0 + count);
            }
            chunkMoments(x, r0 * c, c, count, mean, m2, t * c);
        });
        return combine(rows, c, mean, m2);
    }

    /**
     * One chunk's statistics: the mean and Σ(x − mean)² of each channel over {@code count} rows of c values from
     * x[off], written at mean[out …] and m2[out …].
     */
    private static void chunkMoments(float[] x, int off, int c, int count, float[] mean, float[] m2, int out) {
        float inv = 1f / count;
        int ch = 0;
        for (; ch + 4 * Vec.L <= c; ch += 4 * Vec.L) {
            chunkMoments4(x, off + ch, c, count, inv, mean, m2, out + ch);
        }
        for (; ch < c; ch += Vec.L) {
            VectorMask<Float> m = Vec.lanes(ch, c);
            FloatVector sum = FloatVector.zero(Vec.S);
            for (int r = 0; r < count; r++) {
                sum = sum.add(Vec.load(x, off + r * c + ch, m));
            }
            FloatVector mu = sum.mul(inv);
            FloatVector sq = FloatVector.zero(Vec.S);
            for (int r = 0; r < count; r++) {
                FloatVector d = Vec.load(x, off + r * c + ch, m).sub(mu);
                sq = d.fma(d, sq);
            }
            Vec.store(mu, mean, out + ch, m);
            Vec.store(sq, m2, out + ch, m);
        }
    }

    /** The chunks' statistics combined in chunk order: per channel the mean and Σ(x − mean)² of all rows. */
    private static double[][] combine(int rows, int c, float[] mean, float[] m2) {
        int chunks = chunks(rows);
        double[] mu = new double[c];
        double[] ss = new double[c];
        for (int t = 0; t < chunks; t++) {
            double nb = Math.min(rows, (t + 1) * CHUNK_ROWS) - t * CHUNK_ROWS;
            double na = (double) t * CHUNK_ROWS;
            for (int ch = 0; ch < c; ch++) {
                double delta = mean[t * c + ch] - mu[ch];
                double n = na + nb;
                mu[ch] += delta * nb / n;
                ss[ch] += m2[t * c + ch] + delta * delta * na * nb / n;
            }
        }
        return new double[][] {mu, ss};
    }

    /**
     * The single-vector loop of {@link #moments} for four whole vectors of channels at once: each lane sums its rows in
     * the same order, so the bits are the same; four independent chains of additions instead of one keep the adder
     * busy (one chain waits on the latency of every addition).
     */
    private static void chunkMoments4(float[] x, int off, int c, int count, float inv, float[] mean, float[] m2,
                                      int out) {
        int l = Vec.L;
        FloatVector s0 = FloatVector.zero(Vec.S);
        FloatVector s1 = s0;
        FloatVector s2 = s0;
        FloatVector s3 = s0;
        for (int r = 0; r < count; r++) {
            int i = off + r * c;
            s0 = s0.add(FloatVector.fromArray(Vec.S, x, i));
            s1 = s1.add(FloatVector.fromArray(Vec.S, x, i + l));
            s2 = s2.add(FloatVector.fromArray(Vec.S, x, i + 2 * l));
            s3 = s3.add(FloatVector.fromArray(Vec.S, x, i + 3 * l));
        }
        FloatVector mu0 = s0.mul(inv);
        FloatVector mu1 = s1.mul(inv);
        FloatVector mu2 = s2.mul(inv);
        FloatVector mu3 = s3.mul(inv);
        FloatVector q0 = FloatVector.zero(Vec.S);
        FloatVector q1 = q0;
        FloatVector q2 = q0;
        FloatVector q3 = q0;
        for (int r = 0; r < count; r++) {
            int i = off + r * c;
            FloatVector d0 = FloatVector.fromArray(Vec.S, x, i).sub(mu0);
            FloatVector d1 = FloatVector.fromArray(Vec.S, x, i + l).sub(mu1);
            FloatVector d2 = FloatVector.fromArray(Vec.S, x, i + 2 * l).sub(mu2);
            FloatVector d3 = FloatVector.fromArray(Vec.S, x, i + 3 * l).sub(mu3);
            q0 = d0.fma(d0, q0);
            q1 = d1.fma(d1, q1);
            q2 = d2.fma(d2, q2);
            q3 = d3.fma(d3, q3);
        }
        mu0.intoArray(mean, out);
        mu1.intoArray(mean, out + l);
        mu2.intoArray(mean, out + 2 * l);
        mu3.intoArray(mean, out + 3 * l);
        q0.intoArray(m2, out);
        q1.intoArray(m2, out + l);
        q2.intoArray(m2, out + 2 * l);
        q3.intoArray(m2, out + 3 * l);
    }

    /**
     * The affine pass over a chunk's rows [r0, r1) goes by blocks of four whole vectors whose channels' parameters stay
     * in registers: with c a multiple of 4·L, a block is four vectors of one row (channels ch … ch + 4L) and the blocks
     * of one channel range run down the rows; with c = L or 2L, a block spans 4L / c consecutive rows, so its vectors'
     * channels start at 0, L, 0, L (or all at 0). Each row's values are then read and written in runs instead of one
     * vector per pass over the chunk (with 16 lanes at batch 64, bench's {@code NormLayouts}: 1.3–1.7× faster at 32
     * channels, 1.6–1.8× at 64, no change at 128). What no block covers
     * (other channel counts, a chunk's last rows) goes vector by vector, masked at the channel tail. Every value gets
     * the same operations either way, so the layout moves no bits. (The backward's dx pass, laid out the same way, ran
     * slower with the ReLU's mask: it stays vector by vector.)
     */
    private static final int BLOCK = 4;

    /** Rows of a chunk of {@code count} covered by blocks when c is L or 2L (a block spans 4L / c rows); 0 for other c. */
    private static int spannedRows(int c, int count) {
        if (c != Vec.L && c != 2 * Vec.L) {
            return 0;
        }
        int per = BLOCK * Vec.L / c;
        return count / per * per;
    }

    /** y = (x − mean[ch])·scale[ch] + shift[ch], then max(·, 0) with relu (centred first: no cancellation). */
    static void affine(int rows, int c, float[] x, float[] mean, float[] scale, float[] shift, boolean relu,
                               float[] y) {
        Parallel.forEach(chunks(rows), t -> {
            int r0 = t * CHUNK_ROWS;
            affineChunk(x, r0 * c, c, Math.min(rows, r0 + CHUNK_ROWS) - r0, mean, scale, shift, relu, y, r0 * c);
        });
    }

    /** {@link #affine} of one chunk: {@code count} rows of c values from x[xOff] into y[yOff]. */
    static void affineChunk(float[] x, int xOff, int c, int count, float[] mean, float[] scale, float[] shift,
                            boolean relu, float[] y, int yOff) {
        int l = Vec.L;
        int wide = c / (BLOCK * l) * (BLOCK * l);
        int yShift = yOff - xOff;
        for (int ch = 0; ch < wide; ch += BLOCK * l) {
            affineBlocks(x, xOff + ch, c, count, ch, ch + l, ch + 2 * l, ch + 3 * l, mean, scale, shift, relu, y,
                    yShift);
        }
        int spanned = spannedRows(c, count);
        if (spanned > 0) {
            affineBlocks(x, xOff, BLOCK * l, spanned * c / (BLOCK * l), 0, l % c, 2 * l % c, 3 * l % c, mean, scale,
                    shift, relu, y, yShift);
        }
        affineSingles(x, xOff + spanned * c, c, wide, count - spanned, mean, scale, shift, relu, y,
                yOff + spanned * c);
    }

    private static FloatVector affine(FloatVector x, FloatVector mu, FloatVector sc, FloatVector sh, boolean relu) {
        FloatVector v = x.sub(mu).fma(sc, sh);
        return relu ? v.max(0f) : v;
    }

    /**
     * {@link #affine} over {@code count} blocks of four vectors at x[i0], x[i0 + step], … (into y at the same index
     * plus yShift); vector j's channels from chj.
     */
    private static void affineBlocks(float[] x, int i0, int step, int count, int ch0, int ch1, int ch2, int ch3,
                                     float[] mean, float[] scale, float[] shift, boolean relu, float[] y, int yShift) {
        int l = Vec.L;
        FloatVector mu0 = FloatVector.fromArray(Vec.S, mean, ch0);
        FloatVector mu1 = FloatVector.fromArray(Vec.S, mean, ch1);
        FloatVector mu2 = FloatVector.fromArray(Vec.S, mean, ch2);
        FloatVector mu3 = FloatVector.fromArray(Vec.S, mean, ch3);
        FloatVector sc0 = FloatVector.fromArray(Vec.S, scale, ch0);
        FloatVector sc1 = FloatVector.fromArray(Vec.S, scale, ch1);
        FloatVector sc2 = FloatVector.fromArray(Vec.S, scale, ch2);
        FloatVector sc3 = FloatVector.fromArray(Vec.S, scale, ch3);
        FloatVector sh0 = FloatVector.fromArray(Vec.S, shift, ch0);
        FloatVector sh1 = FloatVector.fromArray(Vec.S, shift, ch1);
        FloatVector sh2 = FloatVector.fromArray(Vec.S, shift, ch2);
        FloatVector sh3 = FloatVector.fromArray(Vec.S, shift, ch3);
        for (int b = 0; b < count; b++) {
            int i = i0 + b * step;
            int o = i + yShift;
            affine(FloatVector.fromArray(Vec.S, x, i), mu0, sc0, sh0, relu).intoArray(y, o);
            affine(FloatVector.fromArray(Vec.S, x, i + l), mu1, sc1, sh1, relu).intoArray(y, o + l);
            affine(FloatVector.fromArray(Vec.S, x, i + 2 * l), mu2, sc2, sh2, relu).intoArray(y, o + 2 * l);
            affine(FloatVector.fromArray(Vec.S, x, i + 3 * l), mu3, sc3, sh3, relu).intoArray(y, o + 3 * l);
        }
    }

    /**
     * {@link #affine} vector by vector for channels [ch0, c) of rows [r0, r1); from ch0 = 0, the layout the blocks
     * replaced (bench's {@code NormLayouts} times both).
     */
    static void affineSingles(float[] x, int c, int ch0, int r0, int r1, float[] mean, float[] scale,
                                      float[] shift, boolean relu, float[] y) {
        affineSingles(x, r0 * c, c, ch0, r1 - r0, mean, scale, shift, relu, y, r0 * c);
    }

    /** As above for {@code count} rows from x[xOff] into y[yOff]. */
    private static void affineSingles(float[] x, int xOff, int c, int ch0, int count, float[] mean, float[] scale,
                                      float[] shift, boolean relu, float[] y, int yOff) {
        for (int ch = ch0; ch < c && count > 0; ch += Vec.L) {
            VectorMask<Float> m = Vec.lanes(ch, c);
            FloatVector mu = Vec.load(mean, ch, m);
            FloatVector sc = Vec.load(scale, ch, m);
            FloatVector sh = Vec.load(shift, ch, m);
            for (int r = 0; r < count; r++) {
                Vec.store(affine(Vec.load(x, xOff + r * c + ch, m), mu, sc, sh, relu), y, yOff + r * c + ch, m);
            }
        }
    }

    static void train(int rows, int c, float[] x, float[] gamma, float[] beta, float[] y, float[] saveMean,
                      float[] saveInvStd, float[] runMean, float[] runVar, float momentum, float eps, boolean relu) {
        train(rows, c, x, null, gamma, beta, y, saveMean, saveInvStd, runMean, runVar, momentum, eps, relu);
    }

    /** {@link #train} of an x that {@code producer} (when not null) writes chunk by chunk for the statistics. */
    static void train(int rows, int c, float[] x, Producer producer, float[] gamma, float[] beta, float[] y,
                      float[] saveMean, float[] saveInvStd, float[] runMean, float[] runVar, float momentum, float eps,
                      boolean relu) {
        float[] scale = statistics(rows, c, moments(rows, c, x, producer), gamma, saveMean, saveInvStd, runMean,
                runVar, momentum, eps);
        affine(rows, c, x, saveMean, scale, beta, relu, y);
    }

    /**
     * From the batch's moments: saves μ and 1/sqrt(σ² + eps), moves the running statistics, and returns the affine
     * pass's scale γ·invStd.
     */
    private static float[] statistics(int rows, int c, double[][] mom, float[] gamma, float[] saveMean, float[] saveInvStd,
                              float[] runMean, float[] runVar, float momentum, float eps) {
        float[] scale = new float[c];
        for (int ch = 0; ch < c; ch++) {
            double var = mom[1][ch] / rows;
            float invStd = (float) (1 / Math.sqrt(var + eps));
            saveMean[ch] = (float) mom[0][ch];
            saveInvStd[ch] = invStd;
            scale[ch] = gamma[ch] * invStd;
            double unbiased = rows > 1 ? mom[1][ch] / (rows - 1) : mom[1][ch];
            runMean[ch] = (float) ((1 - momentum) * runMean[ch] + momentum * mom[0][ch]);
            runVar[ch] = (float) ((1 - momentum) * runVar[ch] + momentum * unbiased);
        }
        return scale;
    }

    static void eval(int rows, int c, float[] x, float[] gamma, float[] beta, float[] runMean, float[] runVar,
                     float eps, boolean relu, float[] y) {
        affine(rows, c, x, runMean, evalScale(c, gamma, runVar, eps), beta, relu, y);
    }

    /** Eval mode's scale γ/sqrt(running var + eps). */
    static float[] evalScale(int c, float[] gamma, float[] runVar, float eps) {
        float[] scale = new float[c];
        for (int ch = 0; ch < c; ch++) {
            scale[ch] = (float) (gamma[ch] / Math.sqrt(runVar[ch] + (double) eps));
        }
        return scale;
    }

    /** dy, or 0 where the fused ReLU's output was not positive. */
    private static FloatVector grad(float[] dy, float[] y, int i, VectorMask<Float> m) {
        FloatVector g = Vec.load(dy, i, m);
        return y == null ? g : g.blend(0f, Vec.load(y, i, m).compare(VectorOperators.LE, 0f));
    }

    /**
     * g, or 0 where the fused ReLU's output was not positive, that output computed again from x − μ (xc) as
     * {@link #affine} computed it: the same value, so the same mask as reading it, without the read.
     */
    private static FloatVector masked(FloatVector g, FloatVector xc, FloatVector sc, FloatVector sh) {
        return g.blend(0f, xc.fma(sc, sh).max(0f).compare(VectorOperators.LE, 0f));
    }

    /**
     * The ReLU's mask of the backward: with β (and so the forward's scale γ·invStd) the output is computed again from x
     * instead of read; {@code recomputes} false: no ReLU, or its output read from reluOut.
     */
    private record Mask(float[] scale, float[] shift, boolean recomputes) {
        static Mask of(int c, float[] gamma, float[] beta, float[] invStd, boolean relu) {
            float[] scale = new float[c];
            if (!relu || beta == null) {
                // unused, but never null: a vector that may be null is not kept in a register
                return new Mask(scale, scale, false);
            }
            for (int ch = 0; ch < c; ch++) {
                scale[ch] = gamma[ch] * invStd[ch];
            }
            return new Mask(scale, beta, true);
        }
    }

    /**
     * The single-vector loop of {@link #backward}'s sums for two whole vectors of channels at once: the same order in
     * every lane (the same bits), four independent chains instead of two.
     */
    private static void chunkGradSums2(float[] x, int c, int ch, int r0, int r1, float[] mean, float[] invStd,
                                       float[] dy, float[] reluOut, Mask mask, float[] partG, float[] partGx,
                                       int out) {
        int l = Vec.L;
        FloatVector mu0 = FloatVector.fromArray(Vec.S, mean, ch);
        FloatVector mu1 = FloatVector.fromArray(Vec.S, mean, ch + l);
        FloatVector is0 = FloatVector.fromArray(Vec.S, invStd, ch);
        FloatVector is1 = FloatVector.fromArray(Vec.S, invStd, ch + l);
        boolean again = mask.recomputes();
        FloatVector sc0 = FloatVector.fromArray(Vec.S, mask.scale(), ch);
        FloatVector sc1 = FloatVector.fromArray(Vec.S, mask.scale(), ch + l);
        FloatVector sh0 = FloatVector.fromArray(Vec.S, mask.shift(), ch);
        FloatVector sh1 = FloatVector.fromArray(Vec.S, mask.shift(), ch + l);
        FloatVector sg0 = FloatVector.zero(Vec.S);
        FloatVector sg1 = sg0;
        FloatVector sgx0 = sg0;
        FloatVector sgx1 = sg0;
        for (int r = r0; r < r1; r++) {
            int i = r * c + ch;
            FloatVector xc0 = FloatVector.fromArray(Vec.S, x, i).sub(mu0);
            FloatVector xc1 = FloatVector.fromArray(Vec.S, x, i + l).sub(mu1);
            FloatVector g0 = again ? masked(FloatVector.fromArray(Vec.S, dy, i), xc0, sc0, sh0)
                    : grad(dy, reluOut, i, null);
            FloatVector g1 = again ? masked(FloatVector.fromArray(Vec.S, dy, i + l), xc1, sc1, sh1)
                    : grad(dy, reluOut, i + l, null);
            sg0 = sg0.add(g0);
            sg1 = sg1.add(g1);
            sgx0 = xc0.mul(is0).fma(g0, sgx0);
            sgx1 = xc1.mul(is1).fma(g1, sgx1);
        }
        sg0.intoArray(partG, out);
        sg1.intoArray(partG, out + l);
        sgx0.intoArray(partGx, out);
        sgx1.intoArray(partGx, out + l);
    }

    /**
     * With g = dy (masked by the ReLU when fused): dβ = Σ g, dγ = Σ g·x̂, dx = γ·invStd·(g − mean(g) − x̂·mean(g·x̂)).
     * With the ReLU, its mask comes from beta when given (the output computed again from x), else from reluOut.
     */
    static void backward(int rows, int c, float[] x, float[] gamma, float[] beta, float[] mean, float[] invStd,
                         float[] dy, float[] reluOut, float[] dx, float[] dgamma, float[] dbeta) {
        int chunks = chunks(rows);
        float[] partG = new float[chunks * c];
        float[] partGx = new float[chunks * c];
        Mask mask = Mask.of(c, gamma, beta, invStd, reluOut != null);
        boolean again = mask.recomputes();
        Parallel.forEach(chunks, t -> {
            int r0 = t * CHUNK_ROWS;
            int r1 = Math.min(rows, r0 + CHUNK_ROWS);
            int ch = 0;
            for (; ch + 2 * Vec.L <= c; ch += 2 * Vec.L) {
                chunkGradSums2(x, c, ch, r0, r1, mean, invStd, dy, reluOut, mask, partG, partGx, t * c + ch);
            }
            for (; ch < c; ch += Vec.L) {
                VectorMask<Float> m = Vec.lanes(ch, c);
                FloatVector mu = Vec.load(mean, ch, m);
                FloatVector is = Vec.load(invStd, ch, m);
                FloatVector sc = Vec.load(mask.scale(), ch, m);
                FloatVector sh = Vec.load(mask.shift(), ch, m);
                FloatVector sg = FloatVector.zero(Vec.S);
                FloatVector sgx = FloatVector.zero(Vec.S);
                for (int r = r0; r < r1; r++) {
                    int i = r * c + ch;
                    FloatVector xc = Vec.load(x, i, m).sub(mu);
                    FloatVector g = again ? masked(Vec.load(dy, i, m), xc, sc, sh) : grad(dy, reluOut, i, m);
                    sg = sg.add(g);
                    sgx = xc.mul(is).fma(g, sgx);
                }
                Vec.store(sg, partG, t * c + ch, m);
                Vec.store(sgx, partGx, t * c + ch, m);
            }
        });
        double[] sumG = new double[c];
        double[] sumGx = new double[c];
        for (int t = 0; t < chunks; t++) {
            for (int ch = 0; ch < c; ch++) {
                sumG[ch] += partG[t * c + ch];
                sumGx[ch] += partGx[t * c + ch];
            }
        }
        float[] a = new float[c];
        float[] b = new float[c];
        float[] cc = new float[c];
        for (int ch = 0; ch < c; ch++) {
            if (dbeta != null) {
                dbeta[ch] = (float) sumG[ch];
            }
            if (dgamma != null) {
                dgamma[ch] = (float) sumGx[ch];
            }
            // dx = a·(g − b) − c·(x − μ) with k = γ·invStd: a = k, b = mean(g), c = k·invStd·mean(g·x̂)
            double k = gamma[ch] * (double) invStd[ch];
            a[ch] = (float) k;
            b[ch] = (float) (sumG[ch] / rows);
            cc[ch] = (float) (k * sumGx[ch] / rows * invStd[ch]);
        }
        if (dx == null) {
            return;
        }
        Parallel.forEach(chunks, t -> {
            int r0 = t * CHUNK_ROWS;
            int r1 = Math.min(rows, r0 + CHUNK_ROWS);
            for (int ch = 0; ch < c; ch += Vec.L) {
                VectorMask<Float> m = Vec.lanes(ch, c);
                FloatVector av = Vec.load(a, ch, m);
                FloatVector bv = Vec.load(b, ch, m);
                FloatVector cv = Vec.load(cc, ch, m);
                FloatVector mu = Vec.load(mean, ch, m);
                FloatVector sc = Vec.load(mask.scale(), ch, m);
                FloatVector sh = Vec.load(mask.shift(), ch, m);
                for (int r = r0; r < r1; r++) {
                    int i = r * c + ch;
                    FloatVector xc = Vec.load(x, i, m).sub(mu);
                    FloatVector g = again ? masked(Vec.load(dy, i, m), xc, sc, sh) : grad(dy, reluOut, i, m);
                    Vec.store(g.sub(bv).mul(av).sub(xc.mul(cv)), dx, i, m);
                }
            }
        });
    }
}
