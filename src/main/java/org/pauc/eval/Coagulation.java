package org.pauc.eval;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.SingularValueDecomposition_F64;
import org.pauc.hostmath.Parallel;
import org.pauc.oracle.Concentration;
import org.pauc.oracle.Mat;
import org.pauc.oracle.Uniformity;

/**
 * How much samples coagulate around their prototypes (pauc's own measures; the PAUC paper's are not available):
 * on unit-length features x and a clustering with un-normalised centroids c_k and normalised ĉ_k,
 * <ul>
 *   <li>{@code raw_phi}: the mean over clusters of PCL's φ before clipping (falls as clusters tighten);</li>
 *   <li>{@code dispersion}: mean_k mean_{x∈k} (2 − 2 x·ĉ_k);</li>
 *   <li>{@code intra_uniformity}: mean over clusters of ≥ 2 members of the Wang–Isola uniformity (t = 2) inside;</li>
 *   <li>{@code separation_ratio}: mean distance between members of the same cluster over the mean distance
 *       between normalised centroids;</li>
 *   <li>{@code effective_rank}: mean over clusters of ≥ 2 members of exp(entropy of the normalised singular
 *       values) of the cluster's centred features (Roy &amp; Vetterli), via EJML's SVD.</li>
 * </ul>
 */
public final class Coagulation {
    private Coagulation() {}

    public static Map<String, Double> measure(float[] x, int n, int d, float[] centroids, int[] assign, int k) {
        List<List<Integer>> members = new ArrayList<>();
        for (int c = 0; c < k; c++) {
            members.add(new ArrayList<>());
        }
        for (int i = 0; i < n; i++) {
            members.get(assign[i]).add(i);
        }
        double[] xd = doubles(x);
        double[] cd = doubles(centroids);
        double[] unit = unitRows(cd, k, d);
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("raw_phi", meanRawPhi(new Mat(n, d, xd), new Mat(k, d, cd), assign));
        // each cluster's measures in parallel, then added in cluster order (the same sums as one cluster at a time)
        Cluster[] clusters = new Cluster[k];
        Parallel.forEach(k, c -> clusters[c] = Cluster.of(xd, d, members.get(c), unit, c));
        Within w = new Within();
        for (Cluster c : clusters) {
            w.add(c);
        }
        double[] inter = centroidDistances(unit, k, d, members);
        m.put("dispersion", w.dispersion / w.nonEmpty);
        m.put("intra_uniformity", w.multi > 0 ? w.intraUnif / w.multi : Double.NaN);
        m.put("separation_ratio", w.intraPairs > 0 && inter[1] > 0
                ? (w.intraDist / w.intraPairs) / (inter[0] / inter[1]) : Double.NaN);
        m.put("effective_rank", w.multi > 0 ? w.effRank / w.multi : Double.NaN);
        return m;
    }

    private static double[] doubles(float[] a) {
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i];
        }
        return out;
    }

    /** The rows scaled to unit length (a zero row stays zero). */
    private static double[] unitRows(double[] rows, int k, int d) {
        double[] unit = new double[k * d];
        for (int c = 0; c < k; c++) {
            double s = 0;
            for (int a = 0; a < d; a++) {
                s += rows[c * d + a] * rows[c * d + a];
            }
            double inv = s > 0 ? 1 / Math.sqrt(s) : 0;
            for (int a = 0; a < d; a++) {
                unit[c * d + a] = rows[c * d + a] * inv;
            }
        }
        return unit;
    }

    /** The mean over clusters of PCL's unclipped φ (α = 10); NaN when no cluster has two members. */
    private static double meanRawPhi(Mat x, Mat centroids, int[] assign) {
        double[] raw;
        try {
            raw = Concentration.raw(x, centroids, assign, 10);
        } catch (IllegalArgumentException e) {
            raw = new double[] {Double.NaN};
        }
        double phi = 0;
        for (double v : raw) {
            phi += v / raw.length;
        }
        return phi;
    }

    /**
     * One cluster's measures: its mean dispersion and, with two members or more, its uniformity, its members' pairwise
     * distances (in pair order) and its effective rank; null for an empty cluster.
     */
    private record Cluster(double dispersion, double uniformity, double[] pairDistances, double effectiveRank) {
        /** Cluster c (members mem, unit centroid row c of {@code unit}) of the features x (rows of d). */
        static Cluster of(double[] x, int d, List<Integer> mem, double[] unit, int c) {
            if (mem.isEmpty()) {
                return null;
            }
            double disp = 0;
            for (int i : mem) {
                double dot = 0;
                for (int a = 0; a < d; a++) {
                    dot += x[i * d + a] * unit[c * d + a];
                }
                disp += 2 - 2 * dot;
            }
            if (mem.size() < 2) {
                return new Cluster(disp / mem.size(), Double.NaN, null, Double.NaN);
            }
            double[] sub = new double[mem.size() * d];
            for (int r = 0; r < mem.size(); r++) {
                System.arraycopy(x, mem.get(r) * d, sub, r * d, d);
            }
            double unif = Uniformity.forward(new Mat(mem.size(), d, sub.clone()), 2);
            double[] pairs = new double[mem.size() * (mem.size() - 1) / 2];
            int pair = 0;
            for (int p = 0; p < mem.size(); p++) {
                for (int q = p + 1; q < mem.size(); q++) {
                    pairs[pair++] = distance(sub, p, sub, q, d);
                }
            }
            return new Cluster(disp / mem.size(), unif, pairs, Coagulation.effectiveRank(sub, mem.size(), d));
        }
    }

    /** The sums over clusters of the within-cluster measures, and the counts they are averaged over. */
    private static final class Within {
        double dispersion;
        int nonEmpty;
        double intraUnif;
        double effRank;
        int multi;
        double intraDist;
        long intraPairs;

        /** Adds a cluster's measures (nothing for an empty one). */
        void add(Cluster c) {
            if (c == null) {
                return;
            }
            nonEmpty++;
            dispersion += c.dispersion();
            if (c.pairDistances() == null) {
                return;
            }
            multi++;
            intraUnif += c.uniformity();
            for (double dist : c.pairDistances()) {
                intraDist += dist;
                intraPairs++;
            }
            effRank += c.effectiveRank();
        }
    }

    /** ||a_i − b_j|| for rows of d. */
    private static double distance(double[] a, int i, double[] b, int j, int d) {
        double s = 0;
        for (int t = 0; t < d; t++) {
            double r = a[i * d + t] - b[j * d + t];
            s += r * r;
        }
        return Math.sqrt(s);
    }

    /** {sum, count} of the distances between the unit centroids of non-empty clusters, each pair once. */
    private static double[] centroidDistances(double[] unit, int k, int d, List<List<Integer>> members) {
        double sum = 0;
        long pairs = 0;
        for (int a = 0; a < k; a++) {
            for (int b = a + 1; b < k; b++) {
                if (!members.get(a).isEmpty() && !members.get(b).isEmpty()) {
                    sum += distance(unit, a, unit, b, d);
                    pairs++;
                }
            }
        }
        return new double[] {sum, pairs};
    }

    /** exp(−Σ p_i log p_i) with p the singular values of the centred rows divided by their sum; 0 if all vanish. */
    static double effectiveRank(double[] rows, int n, int d) {
        double[] centred = rows.clone();
        for (int a = 0; a < d; a++) {
            double mu = 0;
            for (int i = 0; i < n; i++) {
                mu += rows[i * d + a];
            }
            mu /= n;
            for (int i = 0; i < n; i++) {
                centred[i * d + a] -= mu;
            }
        }
        SingularValueDecomposition_F64<DMatrixRMaj> svd = DecompositionFactory_DDRM.svd(n, d, false, false, true);
        if (!svd.decompose(new DMatrixRMaj(n, d, true, centred))) {
            return Double.NaN;
        }
        double[] sv = svd.getSingularValues();
        double total = 0;
        for (double s : sv) {
            total += s;
        }
        if (total <= 0) {
            return 0;
        }
        double h = 0;
        for (double s : sv) {
            if (s > 0) {
                double p = s / total;
                h -= p * Math.log(p);
            }
        }
        return Math.exp(h);
    }
}
