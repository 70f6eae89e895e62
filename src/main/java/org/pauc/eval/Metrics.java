package org.pauc.eval;

import java.util.Arrays;
import org.pauc.hostmath.Gemm;
import org.pauc.hostmath.Parallel;
import org.pauc.oracle.Align;
import org.pauc.oracle.Mat;
import org.pauc.oracle.Uniformity;

/**
 * Evaluation metrics of representations: weighted kNN (InstDisc), NMI and AMI of a clustering, Wang–Isola
 * alignment and uniformity. Features are row-major n×d float arrays.
 */
public final class Metrics {
    private Metrics() {}

    /** Rows scaled to unit length (rows of zeros stay zero). */
    public static float[] normalizeRows(float[] x, int n, int d) {
        float[] y = new float[n * d];
        for (int i = 0; i < n; i++) {
            double s = 0;
            for (int a = 0; a < d; a++) {
                s += (double) x[i * d + a] * x[i * d + a];
            }
            double inv = s > 0 ? 1 / Math.sqrt(s) : 0;
            for (int a = 0; a < d; a++) {
                y[i * d + a] = (float) (x[i * d + a] * inv);
            }
        }
        return y;
    }

    /**
     * Weighted kNN top-1 accuracy (InstDisc): cosine similarity of unit-length features, the k most similar
     * training samples vote for their class with weight exp(s / temperature); ties in similarity keep the lower
     * training index, ties in votes the lower class.
     */
    public static double knn(float[] train, int[] trainLabels, int nTrain, float[] test, int[] testLabels, int nTest,
                             int d, int k, double temperature, int classes) {
        int kk = Math.min(k, nTrain);
        int block = 256;
        boolean[] hit = new boolean[nTest];
        float[] sims = new float[block * nTrain];
        for (int t0 = 0; t0 < nTest; t0 += block) {
            int rows = Math.min(block, nTest - t0);
            int first = t0;
            Gemm.gemm(false, true, rows, nTrain, d, 1f, test, t0 * d, d, train, 0, d, 0f, sims, 0, nTrain, true);
            // each test row's vote on its own, in parallel over the rows
            Parallel.forEach(rows, r -> {
                int[] top = topK(sims, r * nTrain, nTrain, kk);
                double[] votes = new double[classes];
                for (int j : top) {
                    votes[trainLabels[j]] += Math.exp(sims[r * nTrain + j] / temperature);
                }
                int best = 0;
                for (int c = 1; c < classes; c++) {
                    if (votes[c] > votes[best]) {
                        best = c;
                    }
                }
                hit[first + r] = best == testLabels[first + r];
            });
        }
        int hits = 0;
        for (boolean h : hit) {
            hits += h ? 1 : 0;
        }
        return (double) hits / nTest;
    }

    /** Indices of the k largest values of a[off … off+n) (lower index first among equal values), in any order. */
    static int[] topK(float[] a, int off, int n, int k) {
        // a heap of the k best so far, its root the worst of them ("worse" = smaller value, or larger index)
        int[] heap = new int[k];
        int size = 0;
        for (int i = 0; i < n; i++) {
            if (size < k) {
                heap[size] = i;
                int c = size++;
                while (c > 0 && worse(a, off, heap[c], heap[(c - 1) / 2])) {
                    int p = (c - 1) / 2;
                    int t = heap[c];
                    heap[c] = heap[p];
                    heap[p] = t;
                    c = p;
                }
            } else if (worse(a, off, heap[0], i)) {
                heap[0] = i;
                int c = 0;
                while (true) {
                    int l = 2 * c + 1;
                    int r = l + 1;
                    int w = c;
                    if (l < size && worse(a, off, heap[l], heap[w])) {
                        w = l;
                    }
                    if (r < size && worse(a, off, heap[r], heap[w])) {
                        w = r;
                    }
                    if (w == c) {
                        break;
                    }
                    int t = heap[c];
                    heap[c] = heap[w];
                    heap[w] = t;
                    c = w;
                }
            }
        }
        return Arrays.copyOf(heap, size);
    }

    /** Whether element x ranks below element y: a smaller value, or the same value and a larger index. */
    private static boolean worse(float[] a, int off, int x, int y) {
        float vx = a[off + x];
        float vy = a[off + y];
        return vx < vy || (vx == vy && x > y);
    }

    /** Contingency table of two labelings with values in [0, ka) and [0, kb). */
    private static long[][] contingency(int[] a, int[] b, int ka, int kb) {
        long[][] m = new long[ka][kb];
        for (int i = 0; i < a.length; i++) {
            m[a[i]][b[i]]++;
        }
        return m;
    }

    private static double entropy(long[] counts, long n) {
        double h = 0;
        for (long c : counts) {
            if (c > 0) {
                double p = (double) c / n;
                h -= p * Math.log(p);
            }
        }
        return h;
    }

    private static long[] rowSums(long[][] m) {
        long[] s = new long[m.length];
        for (int i = 0; i < m.length; i++) {
            for (long v : m[i]) {
                s[i] += v;
            }
        }
        return s;
    }

    private static long[] colSums(long[][] m) {
        long[] s = new long[m[0].length];
        for (long[] row : m) {
            for (int j = 0; j < row.length; j++) {
                s[j] += row[j];
            }
        }
        return s;
    }

    private static double mutualInformation(long[][] m, long[] a, long[] b, long n) {
        double mi = 0;
        for (int i = 0; i < m.length; i++) {
            for (int j = 0; j < m[i].length; j++) {
                if (m[i][j] > 0) {
                    mi += (double) m[i][j] / n * Math.log((double) n * m[i][j] / ((double) a[i] * b[j]));
                }
            }
        }
        return mi;
    }

    private static int max(int[] a) {
        int m = 0;
        for (int v : a) {
            m = Math.max(m, v);
        }
        return m;
    }

    /** The statistics of two labelings that NMI and AMI share. */
    private record Pair(long n, long[] a, long[] b, double ha, double hb, double mi) {
        static Pair of(int[] labels, int[] clusters) {
            long n = labels.length;
            long[][] m = contingency(labels, clusters, max(labels) + 1, max(clusters) + 1);
            long[] a = rowSums(m);
            long[] b = colSums(m);
            return new Pair(n, a, b, entropy(a, n), entropy(b, n), mutualInformation(m, a, b, n));
        }

        /** Both labelings are a single cluster: they agree perfectly. */
        boolean trivial() {
            return ha == 0 && hb == 0;
        }
    }

    /** Normalised mutual information with the arithmetic mean of the entropies (scikit-learn's default). */
    public static double nmi(int[] labels, int[] clusters) {
        Pair p = Pair.of(labels, clusters);
        if (p.trivial()) {
            return 1;
        }
        double mean = (p.ha() + p.hb()) / 2;
        return mean == 0 ? 0 : p.mi() / mean;
    }

    /**
     * Adjusted mutual information (Vinh et al., 2010) with the arithmetic mean of the entropies:
     * (MI − E[MI]) / (mean(H_a, H_b) − E[MI]), E[MI] under the hypergeometric model of random labelings.
     */
    public static double ami(int[] labels, int[] clusters) {
        Pair p = Pair.of(labels, clusters);
        if (p.trivial()) {
            return 1;
        }
        double emi = expectedMutualInformation(p.a(), p.b(), p.n());
        double denom = (p.ha() + p.hb()) / 2 - emi;
        return denom == 0 ? 0 : (p.mi() - emi) / denom;
    }

    private static double logFactorial(long k) {
        return lgamma(k + 1.0);
    }

    /** log Γ(x) for x > 0 (Lanczos, g = 7, n = 9; relative error below 1e-14). */
    static double lgamma(double x) {
        double[] c = {0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
            -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
            1.5056327351493116e-7};
        if (x < 0.5) {
            return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lgamma(1 - x);
        }
        x -= 1;
        double s = c[0];
        for (int i = 1; i < 9; i++) {
            s += c[i] / (x + i);
        }
        double t = x + 7.5;
        return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(s);
    }

    /** E[MI] = Σ_ij Σ_nij nij/N · log(N·nij/(a_i b_j)) · P(nij | a_i, b_j, N), P hypergeometric. */
    static double expectedMutualInformation(long[] a, long[] b, long n) {
        double emi = 0;
        double lfN = logFactorial(n);
        for (long ai : a) {
            if (ai == 0) {
                continue;
            }
            for (long bj : b) {
                if (bj == 0) {
                    continue;
                }
                long lo = Math.max(1, ai + bj - n);
                long hi = Math.min(ai, bj);
                for (long nij = lo; nij <= hi; nij++) {
                    double term = (double) nij / n * Math.log((double) n * nij / ((double) ai * bj));
                    double logP = logFactorial(ai) + logFactorial(bj) + logFactorial(n - ai) + logFactorial(n - bj)
                            - lfN - logFactorial(nij) - logFactorial(ai - nij) - logFactorial(bj - nij)
                            - logFactorial(n - ai - bj + nij);
                    emi += term * Math.exp(logP);
                }
            }
        }
        return emi;
    }

    private static Mat mat(float[] x, int n, int d) {
        double[] v = new double[n * d];
        for (int i = 0; i < v.length; i++) {
            v[i] = x[i];
        }
        return new Mat(n, d, v);
    }

    /** Wang–Isola alignment: mean_i ||x_i − y_i||^α over paired features (the oracle's align with pos = i). */
    public static double alignment(float[] x, float[] y, int n, int d, double alpha) {
        int[] pos = new int[n];
        for (int i = 0; i < n; i++) {
            pos[i] = i;
        }
        return Align.forward(mat(x, n, d), mat(y, n, d), pos, alpha);
    }

    /** Wang–Isola uniformity: log mean over pairs of exp(−t ||x_i − x_j||²) (the oracle's uniformity). */
    public static double uniformity(float[] x, int n, int d, double t) {
        return Uniformity.forward(mat(x, n, d), t);
    }
}
