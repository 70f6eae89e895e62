package org.pauc.cpu;

import java.util.Arrays;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import org.pauc.backend.Backend.Scored;
import org.pauc.hostmath.Gemm;
import org.pauc.hostmath.Parallel;
import org.pauc.hostmath.Scratch;
import org.pauc.hostmath.Vec;
import org.pauc.hostmath.VectorWidth;

/**
 * The loss contract in float on the CPU. Each function names the oracle class it must match
 * ({@code org.pauc.oracle.*}); losses are accumulated in double, gradients are added (scaled) into dq/dv/dz.
 * InfoNCE and ProtoNCE are fused: logits are formed for a block of rows at a time, turned into softmax
 * gradients in place and multiplied back, so the N×(R+1) logit matrix never exists whole.
 */
final class Losses {
    /** Rows per block of the fused softmax cross-entropy (fixed: results do not depend on threads). */
    private static final int BLOCK = 16;

    private Losses() {}

    private static final Scratch LOGITS = new Scratch();

    private static float[] logits(int size) {
        return LOGITS.get(size);
    }

    private static final ThreadLocal<float[]> TAIL = ThreadLocal.withInitial(() -> new float[Vec.L]);

    /** a[from … from + count) in a vector-sized array whose other lanes are −∞. */
    private static float[] tail(float[] a, int from, int count) {
        float[] t = TAIL.get();
        System.arraycopy(a, from, t, 0, count);
        Arrays.fill(t, count, t.length, Float.NEGATIVE_INFINITY);
        return t;
    }

    /**
     * Row-wise cross-entropy on a block of logits (rows × width, row stride width), target column per row.
     * Returns Σ_rows (logsumexp − l_target) and adds the hits (target is a largest logit) into hits[0];
     * replaces the logits by coef·(softmax − onehot(target)).
     */
    private static double crossEntropy(float[] l, int rows, int width, int[] target, int t0, float coef, int[] hits) {
        double total = 0;
        for (int i = 0; i < rows; i++) {
            int o = i * width;
            int tgt = target == null ? 0 : target[t0 + i] ;
            float max = Float.NEGATIVE_INFINITY;
            int j = 0;
            FloatVector mv = FloatVector.broadcast(Vec.S, Float.NEGATIVE_INFINITY);
            for (int bound = Vec.S.loopBound(width); j < bound; j += Vec.L) {
                mv = mv.max(FloatVector.fromArray(Vec.S, l, o + j));
            }
            max = mv.reduceLanes(VectorOperators.MAX);
            for (; j < width; j++) {
                max = Math.max(max, l[o + j]);
            }
            float lt = l[o + tgt];
            boolean hit = true;
            for (int q = 0; q < tgt; q++) {
                if (l[o + q] >= lt) {
                    hit = false;
                    break;
                }
            }
            if (hit && lt < max) {
                hit = false;
            }
            if (hit) {
                hits[0]++;
            }
            // e_j = exp(l_j − max) a vector at a time (Vec.expNonPositive: the same bits compiled or interpreted),
            // summed in double lane by lane, the lanes added in order at the end
            FloatVector mx = FloatVector.broadcast(Vec.S, max);
            DoubleVector lo = DoubleVector.zero(VectorWidth.DOUBLE);
            DoubleVector hi = lo;
            for (j = 0; j < width; j += Vec.L) {
                // the last part vector goes through a copy whose extra lanes hold −∞ (e = 0): a masked load near
                // the array's end would take the Vector API's slow path and pollute its profile for every caller
                boolean whole = j + Vec.L <= width;
                float[] src = whole ? l : tail(l, o + j, width - j);
                int at = whole ? o + j : 0;
                FloatVector e = Vec.expNonPositive(FloatVector.fromArray(Vec.S, src, at).sub(mx));
                e.intoArray(src, at);
                if (!whole) {
                    System.arraycopy(src, 0, l, o + j, width - j);
                }
                lo = lo.add((DoubleVector) e.convert(VectorOperators.F2D, 0));
                hi = hi.add((DoubleVector) e.convert(VectorOperators.F2D, 1));
            }
            double sum = Vec.sumLanes(lo) + Vec.sumLanes(hi);
            total += max + Math.log(sum) - lt;
            float norm = (float) (coef / sum);
            j = 0;
            for (int bound = Vec.S.loopBound(width); j < bound; j += Vec.L) {
                FloatVector.fromArray(Vec.S, l, o + j).mul(norm).intoArray(l, o + j);
            }
            for (; j < width; j++) {
                l[o + j] *= norm;
            }
            l[o + tgt] -= coef;
        }
        return total;
    }

    /** Matches {@link org.pauc.oracle.InfoNce}: l_i = [q_i·k_i, q_i·queue_j] / τ, target column 0. */
    static Scored infoNce(int n, int d, int r, float[] q, float[] k, float[] queue, float tau, float[] dq,
                          float scale) {
        int blocks = (n + BLOCK - 1) / BLOCK;
        double[] loss = new double[blocks];
        int[] hits = new int[blocks];
        int width = r + 1;
        float invTau = 1f / tau;
        float coef = scale / (n * tau);
        Parallel.forEach(blocks, b -> {
            int i0 = b * BLOCK;
            int rows = Math.min(BLOCK, n - i0);
            float[] l = logits(rows * width);
            for (int i = 0; i < rows; i++) {
                l[i * width] = Vec.dot(q, (i0 + i) * d, k, (i0 + i) * d, d) * invTau;
            }
            if (r > 0) {
                Gemm.gemm(false, true, rows, r, d, invTau, q, i0 * d, d, queue, 0, d, 0f, l, 1, width, false);
            }
            int[] h = new int[1];
            loss[b] = crossEntropy(l, rows, width, null, 0, coef, h);
            hits[b] = h[0];
            if (dq != null) {
                for (int i = 0; i < rows; i++) {
                    Vec.axpy(l[i * width], k, (i0 + i) * d, dq, (i0 + i) * d, d);
                }
                if (r > 0) {
                    Gemm.gemm(false, false, rows, d, r, 1f, l, 1, width, queue, 0, d, 1f, dq, i0 * d, d, false);
                }
            }
        });
        return scored(loss, hits, n);
    }

    private static Scored scored(double[] loss, int[] hits, int n) {
        double total = 0;
        int h = 0;
        for (int b = 0; b < loss.length; b++) {
            total += loss[b];
            h += hits[b];
        }
        return new Scored(total / n, (double) h / n);
    }

    /**
     * Matches {@link org.pauc.oracle.ProtoNce}: columns P_j = C[id_j] / φ[id_j] for ids = pos ++ neg,
     * l = q·Pᵀ, target column i.
     */
    static Scored protoNce(int n, int d, int kc, int s, float[] q, float[] c, float[] phi, int[] pos, int[] neg,
                           float[] dq, float scale) {
        int width = n + s;
        float[] cols = new float[width * d];
        for (int j = 0; j < width; j++) {
            int id = j < n ? pos[j] : neg[j - n];
            if (id < 0 || id >= kc) {
                throw new IllegalArgumentException("proto_nce: prototype id " + id + " out of range [0, " + kc + ")");
            }
            Vec.axpy(1f / phi[id], c, id * d, cols, j * d, d);
        }
        int[] target = new int[n];
        for (int i = 0; i < n; i++) {
            target[i] = i;
        }
        int blocks = (n + BLOCK - 1) / BLOCK;
        double[] loss = new double[blocks];
        int[] hits = new int[blocks];
        float coef = scale / n;
        Parallel.forEach(blocks, b -> {
            int i0 = b * BLOCK;
            int rows = Math.min(BLOCK, n - i0);
            float[] l = logits(rows * width);
            Gemm.gemm(false, true, rows, width, d, 1f, q, i0 * d, d, cols, 0, d, 0f, l, 0, width, false);
            int[] h = new int[1];
            loss[b] = crossEntropy(l, rows, width, target, i0, coef, h);
            hits[b] = h[0];
            if (dq != null) {
                Gemm.gemm(false, false, rows, d, width, 1f, l, 0, width, cols, 0, d, 1f, dq, i0 * d, d, false);
            }
        });
        return scored(loss, hits, n);
    }

    /** Matches {@link org.pauc.oracle.Align}: mean_i ||v_i − C[pos_i]||^α. */
    static double align(int n, int d, int kc, float[] v, float[] c, int[] pos, float alpha, float[] dv, float scale) {
        double total = 0;
        float[] r = new float[d];
        for (int i = 0; i < n; i++) {
            int p = pos[i];
            if (p < 0 || p >= kc) {
                throw new IllegalArgumentException("align: pos[" + i + "] = " + p + " out of range [0, " + kc + ")");
            }
            double sq = 0;
            for (int a = 0; a < d; a++) {
                r[a] = v[i * d + a] - c[p * d + a];
                sq += (double) r[a] * r[a];
            }
            double norm = Math.sqrt(sq);
            total += Math.pow(norm, alpha);
            if (dv != null && norm > 0) {
                Vec.axpy((float) (scale * alpha * Math.pow(norm, alpha - 2) / n), r, 0, dv, i * d, d);
            }
        }
        return total / n;
    }

    /** Matches {@link org.pauc.oracle.Uniformity}: log of the mean over pairs of exp(−t||v_i − v_j||²). */
    static double uniformity(int n, int d, float[] v, float t, float[] dv, float scale) {
        int pairs = n * (n - 1) / 2;
        float[] s = new float[pairs];
        double max = Double.NEGATIVE_INFINITY;
        int p = 0;
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++, p++) {
                double sq = 0;
                for (int a = 0; a < d; a++) {
                    float diff = v[i * d + a] - v[j * d + a];
                    sq += diff * diff;
                }
                s[p] = (float) (-t * sq);
                max = Math.max(max, s[p]);
            }
        }
        double sum = 0;
        for (p = 0; p < pairs; p++) {
            sum += Math.exp(s[p] - max);
        }
        double lse = max + Math.log(sum);
        if (dv != null) {
            p = 0;
            for (int i = 0; i < n; i++) {
                for (int j = i + 1; j < n; j++, p++) {
                    float g = (float) (-2 * t * Math.exp(s[p] - lse) * scale);
                    for (int a = 0; a < d; a++) {
                        float diff = g * (v[i * d + a] - v[j * d + a]);
                        dv[i * d + a] += diff;
                        dv[j * d + a] -= diff;
                    }
                }
            }
        }
        return lse + Math.log(2.0 / ((double) n * (n - 1)));
    }

    /** Column standardisation (oracle: {@code Standardize}): returns ẑ and fills sigma. */
    private static float[] standardize(int n, int d, float[] z, float eps, float[] sigma) {
        float[] zh = new float[n * d];
        for (int a = 0; a < d; a++) {
            double mu = 0;
            for (int i = 0; i < n; i++) {
                mu += z[i * d + a];
            }
            mu /= n;
            double var = 0;
            for (int i = 0; i < n; i++) {
                double cdev = z[i * d + a] - mu;
                var += cdev * cdev;
            }
            sigma[a] = (float) Math.sqrt(var / n + eps);
            for (int i = 0; i < n; i++) {
                zh[i * d + a] = (float) ((z[i * d + a] - mu) / sigma[a]);
            }
        }
        return zh;
    }

    /** dz += scale · ( dẑ − mean(dẑ) − ẑ·mean(dẑ ⊙ ẑ) ) / σ, per column. */
    private static void standardizeBackward(int n, int d, float[] zh, float[] sigma, float[] dzh, float[] dz) {
        for (int a = 0; a < d; a++) {
            double mg = 0;
            double mgz = 0;
            for (int i = 0; i < n; i++) {
                mg += dzh[i * d + a];
                mgz += (double) dzh[i * d + a] * zh[i * d + a];
            }
            mg /= n;
            mgz /= n;
            for (int i = 0; i < n; i++) {
                dz[i * d + a] += (float) ((dzh[i * d + a] - mg - zh[i * d + a] * mgz) / sigma[a]);
            }
        }
    }

    /**
     * The loss terms of a d×d correlation matrix m and their gradient coefficients g = (scale/n)·∂L/∂m: with the
     * diagonal, Σ_a (1 − m_aa)² + λ_off Σ_{a≠b} m_ab² (cross_correlation); without it, λ_off Σ_{a≠b} m_ab².
     */
    private static double correlationTerms(int d, float[] m, boolean diagonal, float lambdaOff, float scale, int n,
                                           float[] g) {
        double total = 0;
        for (int a = 0; a < d; a++) {
            for (int b = 0; b < d; b++) {
                float x = m[a * d + b];
                if (a != b) {
                    total += lambdaOff * (double) x * x;
                    g[a * d + b] = 2 * lambdaOff * x * scale / n;
                } else if (diagonal) {
                    total += (1.0 - x) * (1.0 - x);
                    g[a * d + b] = -2 * (1 - x) * scale / n;
                }
            }
        }
        return total;
    }

    /** Matches {@link org.pauc.oracle.Correlation}: Σ_{a≠b} R_ab², R = ẑᵀẑ/N. */
    static double correlation(int n, int d, float[] z, float eps, float[] dz, float scale) {
        float[] sigma = new float[d];
        float[] zh = standardize(n, d, z, eps, sigma);
        float[] r = new float[d * d];
        Gemm.gemm(true, false, d, d, n, 1f / n, zh, 0, d, zh, 0, d, 0f, r, 0, d, false);
        float[] g = new float[d * d];
        double total = correlationTerms(d, r, false, 1f, scale, n, g);
        if (dz != null) {
            // dẑ = ẑ·(G + Gᵀ) = 2·ẑ·G, R being symmetric
            float[] dzh = new float[n * d];
            Gemm.gemm(false, false, n, d, d, 2f, zh, 0, d, g, 0, d, 0f, dzh, 0, d, false);
            standardizeBackward(n, d, zh, sigma, dzh, dz);
        }
        return total;
    }

    /** Matches {@link org.pauc.oracle.CrossCorrelation}: Σ_a (1 − C_aa)² + λ_off Σ_{a≠b} C_ab², C = ẑaᵀẑb/N. */
    static double crossCorrelation(int n, int d, float[] za, float[] zb, float lambdaOff, float eps, float[] dza,
                                   float[] dzb, float scale) {
        float[] sa = new float[d];
        float[] sb = new float[d];
        float[] zha = standardize(n, d, za, eps, sa);
        float[] zhb = standardize(n, d, zb, eps, sb);
        float[] cm = new float[d * d];
        Gemm.gemm(true, false, d, d, n, 1f / n, zha, 0, d, zhb, 0, d, 0f, cm, 0, d, false);
        float[] g = new float[d * d];
        double total = correlationTerms(d, cm, true, lambdaOff, scale, n, g);
        if (dza != null) {
            float[] dzh = new float[n * d];
            Gemm.gemm(false, true, n, d, d, 1f, zhb, 0, d, g, 0, d, 0f, dzh, 0, d, false);
            standardizeBackward(n, d, zha, sa, dzh, dza);
        }
        if (dzb != null) {
            float[] dzh = new float[n * d];
            Gemm.gemm(false, false, n, d, d, 1f, zha, 0, d, g, 0, d, 0f, dzh, 0, d, false);
            standardizeBackward(n, d, zhb, sb, dzh, dzb);
        }
        return total;
    }

    /** Matches {@code org.pauc.oracle.L2Normalize}. */
    static void l2Normalize(int rows, int cols, float[] x, float[] y, float eps) {
        Parallel.forEach((rows + 63) / 64, t -> {
            for (int i = t * 64; i < Math.min(rows, t * 64 + 64); i++) {
                float denom = (float) Math.max(Math.sqrt(Vec.dot(x, i * cols, x, i * cols, cols)), eps);
                float inv = 1f / denom;
                for (int c = 0; c < cols; c++) {
                    y[i * cols + c] = x[i * cols + c] * inv;
                }
            }
        });
    }

    static void l2NormalizeBackward(int rows, int cols, float[] x, float[] dy, float[] dx, float eps) {
        Parallel.forEach((rows + 63) / 64, t -> {
            for (int i = t * 64; i < Math.min(rows, t * 64 + 64); i++) {
                double norm = Math.sqrt(Vec.dot(x, i * cols, x, i * cols, cols));
                if (norm >= eps) {
                    float inv = (float) (1 / norm);
                    float ydy = Vec.dot(x, i * cols, dy, i * cols, cols) * inv;
                    for (int c = 0; c < cols; c++) {
                        float y = x[i * cols + c] * inv;
                        dx[i * cols + c] = (dy[i * cols + c] - y * ydy) * inv;
                    }
                } else {
                    for (int c = 0; c < cols; c++) {
                        dx[i * cols + c] = dy[i * cols + c] / eps;
                    }
                }
            }
        });
    }
}
