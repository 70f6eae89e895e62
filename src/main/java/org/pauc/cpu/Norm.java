package org.pauc.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

/**
 * Batch norm over rows × channels (channels last), vectorised across channels; must match the oracle's
 * {@code Layers.batchStats}, {@code batchNormApply} and {@code batchNormBackward}. Rows are cut into fixed
 * chunks; per-chunk partial sums are combined in chunk order, in double, so results do not depend on threads.
 */
final class Norm {
    private static final int CHUNK_ROWS = 256;

    private Norm() {}

    private static int chunks(int rows) {
        return Math.max(1, (rows + CHUNK_ROWS - 1) / CHUNK_ROWS);
    }

    /** partial[t·c + ch] = Σ over rows of chunk t of f(row, ch): f is x, (x − μ)², dy or dy·x̂ via the mode. */
    private static double[] columnSums(int rows, int c, float[] a, float[] b, float[] shift, float[] mul, int mode) {
        int chunks = chunks(rows);
        float[] partial = new float[chunks * c];
        Parallel.forEach(chunks, t -> {
            int r0 = t * CHUNK_ROWS;
            int r1 = Math.min(rows, r0 + CHUNK_ROWS);
            int base = t * c;
            for (int ch = 0; ch < c; ch += Vec.L) {
                VectorMask<Float> m = Vec.S.indexInRange(ch, c);
                FloatVector acc = FloatVector.zero(Vec.S);
                FloatVector sh = mode == 0 ? null : FloatVector.fromArray(Vec.S, shift, ch, m);
                FloatVector mu = mode == 2 ? FloatVector.fromArray(Vec.S, mul, ch, m) : null;
                for (int r = r0; r < r1; r++) {
                    FloatVector x = FloatVector.fromArray(Vec.S, a, r * c + ch, m);
                    switch (mode) {
                        case 0 -> acc = acc.add(x);                                // Σ x
                        case 1 -> {                                                 // Σ (x − μ)²
                            FloatVector d = x.sub(sh);
                            acc = d.fma(d, acc);
                        }
                        default -> {                                                // Σ dy·(x − μ)·invStd (b = dy)
                            FloatVector g = FloatVector.fromArray(Vec.S, b, r * c + ch, m);
                            acc = x.sub(sh).mul(mu).fma(g, acc);
                        }
                    }
                }
                acc.intoArray(partial, base + ch, m);
            }
        });
        double[] sum = new double[c];
        for (int t = 0; t < chunks; t++) {
            for (int ch = 0; ch < c; ch++) {
                sum[ch] += partial[t * c + ch];
            }
        }
        return sum;
    }

    /** y = (x − mean[ch])·scale[ch] + shift[ch] (centred first: no cancellation when scale is large). */
    private static void affine(int rows, int c, float[] x, float[] mean, float[] scale, float[] shift, float[] y) {
        Parallel.forEach(chunks(rows), t -> {
            int r0 = t * CHUNK_ROWS;
            int r1 = Math.min(rows, r0 + CHUNK_ROWS);
            for (int ch = 0; ch < c; ch += Vec.L) {
                VectorMask<Float> m = Vec.S.indexInRange(ch, c);
                FloatVector mu = FloatVector.fromArray(Vec.S, mean, ch, m);
                FloatVector sc = FloatVector.fromArray(Vec.S, scale, ch, m);
                FloatVector sh = FloatVector.fromArray(Vec.S, shift, ch, m);
                for (int r = r0; r < r1; r++) {
                    FloatVector.fromArray(Vec.S, x, r * c + ch, m).sub(mu).fma(sc, sh).intoArray(y, r * c + ch, m);
                }
            }
        });
    }

    static void train(int rows, int c, float[] x, float[] gamma, float[] beta, float[] y, float[] saveMean,
                      float[] saveInvStd, float[] runMean, float[] runVar, float momentum, float eps) {
        double[] sum = columnSums(rows, c, x, null, null, null, 0);
        float[] mean = new float[c];
        for (int ch = 0; ch < c; ch++) {
            mean[ch] = (float) (sum[ch] / rows);
        }
        double[] sq = columnSums(rows, c, x, null, mean, null, 1);
        float[] scale = new float[c];
        for (int ch = 0; ch < c; ch++) {
            double var = sq[ch] / rows;
            float invStd = (float) (1 / Math.sqrt(var + eps));
            saveMean[ch] = mean[ch];
            saveInvStd[ch] = invStd;
            scale[ch] = gamma[ch] * invStd;
            double unbiased = rows > 1 ? sq[ch] / (rows - 1) : sq[ch];
            runMean[ch] = (1 - momentum) * runMean[ch] + momentum * mean[ch];
            runVar[ch] = (float) ((1 - momentum) * runVar[ch] + momentum * unbiased);
        }
        affine(rows, c, x, mean, scale, beta, y);
    }

    static void eval(int rows, int c, float[] x, float[] gamma, float[] beta, float[] runMean, float[] runVar,
                     float eps, float[] y) {
        float[] scale = new float[c];
        for (int ch = 0; ch < c; ch++) {
            scale[ch] = (float) (gamma[ch] / Math.sqrt(runVar[ch] + (double) eps));
        }
        affine(rows, c, x, runMean, scale, beta, y);
    }

    /** dβ = Σ dy, dγ = Σ dy·x̂, dx = γ·invStd·(dy − dβ/rows − x̂·dγ/rows). */
    static void backward(int rows, int c, float[] x, float[] gamma, float[] mean, float[] invStd, float[] dy,
                         float[] dx, float[] dgamma, float[] dbeta) {
        double[] sumDy = columnSums(rows, c, dy, null, null, null, 0);
        double[] sumDyXh = columnSums(rows, c, x, dy, mean, invStd, 2);
        float[] a = new float[c];
        float[] b = new float[c];
        float[] cc = new float[c];
        for (int ch = 0; ch < c; ch++) {
            if (dbeta != null) {
                dbeta[ch] = (float) sumDy[ch];
            }
            if (dgamma != null) {
                dgamma[ch] = (float) sumDyXh[ch];
            }
            // dx = k·dy − k·mean(dy) − k·x̂·mean(dy·x̂), x̂ = (x − μ)·invStd, k = γ·invStd:
            // dx = a·(dy − b) − c·(x − μ), b = mean(dy): centred first, so no cancellation when a is large
            double k = gamma[ch] * (double) invStd[ch];
            a[ch] = (float) k;
            cc[ch] = (float) (k * sumDyXh[ch] / rows * invStd[ch]);
            b[ch] = (float) (sumDy[ch] / rows);
        }
        if (dx == null) {
            return;
        }
        Parallel.forEach(chunks(rows), t -> {
            int r0 = t * CHUNK_ROWS;
            int r1 = Math.min(rows, r0 + CHUNK_ROWS);
            for (int ch = 0; ch < c; ch += Vec.L) {
                VectorMask<Float> m = Vec.S.indexInRange(ch, c);
                FloatVector av = FloatVector.fromArray(Vec.S, a, ch, m);
                FloatVector bv = FloatVector.fromArray(Vec.S, b, ch, m);
                FloatVector cv = FloatVector.fromArray(Vec.S, cc, ch, m);
                FloatVector mu = FloatVector.fromArray(Vec.S, mean, ch, m);
                for (int r = r0; r < r1; r++) {
                    int i = r * c + ch;
                    FloatVector g = FloatVector.fromArray(Vec.S, dy, i, m);
                    FloatVector xc = FloatVector.fromArray(Vec.S, x, i, m).sub(mu);
                    g.sub(bv).mul(av).sub(xc.mul(cv)).intoArray(dx, i, m);
                }
            }
        });
    }
}
