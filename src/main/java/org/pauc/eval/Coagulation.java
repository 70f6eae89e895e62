package org.pauc.eval;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.SingularValueDecomposition_F64;
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
        double[] xd = new double[n * d];
        for (int i = 0; i < xd.length; i++) {
            xd[i] = x[i];
        }
        double[] cd = new double[k * d];
        for (int i = 0; i < cd.length; i++) {
            cd[i] = centroids[i];
        }
        Map<String, Double> m = new LinkedHashMap<>();
        double[] raw;
        try {
            raw = Concentration.raw(new Mat(n, d, xd), new Mat(k, d, cd), assign, 10);
        } catch (IllegalArgumentException e) {
            raw = new double[] {Double.NaN};
        }
        double phi = 0;
        for (double v : raw) {
            phi += v / raw.length;
        }
        m.put("raw_phi", phi);
        double[] unit = new double[k * d];
        for (int c = 0; c < k; c++) {
            double s = 0;
            for (int a = 0; a < d; a++) {
                s += cd[c * d + a] * cd[c * d + a];
            }
            double inv = s > 0 ? 1 / Math.sqrt(s) : 0;
            for (int a = 0; a < d; a++) {
                unit[c * d + a] = cd[c * d + a] * inv;
            }
        }
        double dispersion = 0;
        int nonEmpty = 0;
        double intraUnif = 0;
        double effRank = 0;
        int multi = 0;
        double intraDist = 0;
        long intraPairs = 0;
        for (int c = 0; c < k; c++) {
            List<Integer> mem = members.get(c);
            if (mem.isEmpty()) {
                continue;
            }
            nonEmpty++;
            double disp = 0;
            for (int i : mem) {
                double dot = 0;
                for (int a = 0; a < d; a++) {
                    dot += xd[i * d + a] * unit[c * d + a];
                }
                disp += 2 - 2 * dot;
            }
            dispersion += disp / mem.size();
            if (mem.size() < 2) {
                continue;
            }
            multi++;
            double[] sub = new double[mem.size() * d];
            for (int r = 0; r < mem.size(); r++) {
                System.arraycopy(xd, mem.get(r) * d, sub, r * d, d);
            }
            intraUnif += Uniformity.forward(new Mat(mem.size(), d, sub.clone()), 2);
            for (int p = 0; p < mem.size(); p++) {
                for (int q = p + 1; q < mem.size(); q++) {
                    double s = 0;
                    for (int a = 0; a < d; a++) {
                        double r = sub[p * d + a] - sub[q * d + a];
                        s += r * r;
                    }
                    intraDist += Math.sqrt(s);
                    intraPairs++;
                }
            }
            effRank += effectiveRank(sub, mem.size(), d);
        }
        double interDist = 0;
        long interPairs = 0;
        for (int a = 0; a < k; a++) {
            for (int b = a + 1; b < k; b++) {
                if (members.get(a).isEmpty() || members.get(b).isEmpty()) {
                    continue;
                }
                double s = 0;
                for (int t = 0; t < d; t++) {
                    double r = unit[a * d + t] - unit[b * d + t];
                    s += r * r;
                }
                interDist += Math.sqrt(s);
                interPairs++;
            }
        }
        m.put("dispersion", dispersion / nonEmpty);
        m.put("intra_uniformity", multi > 0 ? intraUnif / multi : Double.NaN);
        m.put("separation_ratio", intraPairs > 0 && interPairs > 0
                ? (intraDist / intraPairs) / (interDist / interPairs) : Double.NaN);
        m.put("effective_rank", multi > 0 ? effRank / multi : Double.NaN);
        return m;
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
