package org.pauc.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Each metric on a tiny input with a known answer (the NMI/AMI references are scikit-learn 1.2's values). */
class MetricsTest {

    @Test
    void nmiAndAmiOfAPerfectClusteringAreOneWhateverTheClusterNames() {
        int[] labels = {0, 0, 1, 1, 2, 2, 2};
        int[] clusters = {2, 2, 0, 0, 1, 1, 1};
        assertEquals(1, Metrics.nmi(labels, clusters), 1e-12);
        assertEquals(1, Metrics.ami(labels, clusters), 1e-12);
    }

    @Test
    void nmiAndAmiMatchScikitLearn() {
        int[] a = {0, 0, 1, 1, 2, 2, 2, 0, 1, 2};
        int[] b = {1, 1, 0, 0, 2, 2, 0, 1, 0, 1};
        // sklearn.metrics.normalized_mutual_info_score / adjusted_mutual_info_score (arithmetic mean)
        assertEquals(0.5961618204194684, Metrics.nmi(a, b), 1e-12);
        assertEquals(0.44783659769663364, Metrics.ami(a, b), 1e-10);
        assertEquals(0.8, Metrics.nmi(new int[] {0, 0, 1, 1}, new int[] {0, 0, 1, 2}), 1e-12);
        assertEquals(0.5714285714285715, Metrics.ami(new int[] {0, 0, 1, 1}, new int[] {0, 0, 1, 2}), 1e-10);
    }

    @Test
    void amiOfARandomClusteringIsNearZero() {
        SplittableRandom r = new SplittableRandom(1);
        int[] a = new int[2000];
        int[] b = new int[2000];
        for (int i = 0; i < a.length; i++) {
            a[i] = r.nextInt(10);
            b[i] = r.nextInt(10);
        }
        assertEquals(0, Metrics.ami(a, b), 0.01);
        assertTrue(Metrics.nmi(a, b) > Metrics.ami(a, b), "NMI is not adjusted for chance");
    }

    /** Two classes on opposite sides of the sphere, with noise. */
    private static float[] separable(int n, int d, int[] labels, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[n * d];
        for (int i = 0; i < n; i++) {
            labels[i] = i % 2;
            for (int a = 0; a < d; a++) {
                x[i * d + a] = (float) ((a == 0 ? (labels[i] == 0 ? 3 : -3) : 0) + 0.3 * r.nextGaussian());
            }
        }
        return x;
    }

    @Test
    void knnAndTheLinearProbeAreExactOnSeparablePoints() {
        int d = 5;
        int[] ltr = new int[300];
        int[] lte = new int[100];
        float[] tr = separable(300, d, ltr, 1);
        float[] te = separable(100, d, lte, 2);
        float[] ntr = Metrics.normalizeRows(tr, 300, d);
        float[] nte = Metrics.normalizeRows(te, 100, d);
        assertEquals(1.0, Metrics.knn(ntr, ltr, 300, nte, lte, 100, d, 200, 0.07, 2));
        assertEquals(1.0, LinearProbe.accuracy(tr, ltr, 300, te, lte, 100, d, 2, 0));
        // labels unrelated to the features: chance level
        int[] shuffled = lte.clone();
        for (int i = 0; i < shuffled.length; i += 2) {
            shuffled[i] = 1 - shuffled[i];
        }
        assertEquals(0.5, Metrics.knn(ntr, ltr, 300, nte, shuffled, 100, d, 200, 0.07, 2), 1e-12);
    }

    @Test
    void alignmentAndUniformityHaveTheirClosedForms() {
        float[] x = {1, 0, -1, 0};
        assertEquals(0, Metrics.alignment(x, x.clone(), 2, 2, 2), 0);
        assertEquals(4, Metrics.alignment(x, new float[] {-1, 0, 1, 0}, 2, 2, 2), 1e-12);
        assertEquals(-8, Metrics.uniformity(x, 2, 2, 2), 1e-12);
    }

    @Test
    void coagulationMeasuresSeparateTightFromSpreadClusters() {
        // two tight clusters at opposite poles of the circle, members a few degrees apart
        int n = 40;
        float[] x = new float[n * 2];
        int[] assign = new int[n];
        for (int i = 0; i < n; i++) {
            assign[i] = i % 2;
            double angle = (assign[i] == 0 ? 0 : Math.PI) + 0.01 * (i / 2 - 10);
            x[2 * i] = (float) Math.cos(angle);
            x[2 * i + 1] = (float) Math.sin(angle);
        }
        float[] c = {1, 0, -1, 0};
        var tight = Coagulation.measure(x, n, 2, c, assign, 2);
        double want = 0;
        for (int j = 0; j < n / 2; j++) {
            want += (2 - 2 * Math.cos(0.01 * (j - 10))) / (n / 2);
        }
        assertEquals(want, tight.get("dispersion"), 1e-6, tight.toString());
        assertTrue(tight.get("separation_ratio") < 0.1, tight.toString());
        // effective rank of points on a line through their mean is 1; of a full-rank isotropic set, about d
        assertEquals(1, Coagulation.effectiveRank(new double[] {0, 0, 1, 1, 2, 2, 3, 3}, 4, 2), 1e-9);
        assertEquals(2, Coagulation.effectiveRank(new double[] {1, 0, -1, 0, 0, 1, 0, -1}, 4, 2), 1e-9);
    }

    @Test
    void coagulationOfTwoPairsHasClosedForms() {
        // cluster 0: angles ±θ around (1, 0); cluster 1: ±θ around (−1, 0); centroids (±1, 0)
        double th = 0.3;
        float cs = (float) Math.cos(th);
        float sn = (float) Math.sin(th);
        float[] x = {cs, sn, cs, -sn, -cs, sn, -cs, -sn};
        var m = Coagulation.measure(x, 4, 2, new float[] {1, 0, -1, 0}, new int[] {0, 0, 1, 1}, 2);
        // φ_c = mean ||x − c|| / ln(|c| + 10), ||x − c|| = 2 sin(θ/2)
        assertEquals(2 * Math.sin(th / 2) / Math.log(12), m.get("raw_phi"), 1e-6, m.toString());
        // 2 − 2 x·ĉ = 2 − 2 cos θ
        assertEquals(2 - 2 * Math.cos(th), m.get("dispersion"), 1e-6, m.toString());
        // one pair per cluster at squared distance (2 sin θ)²: log exp(−2·4 sin²θ)
        assertEquals(-8 * Math.sin(th) * Math.sin(th), m.get("intra_uniformity"), 1e-6, m.toString());
        // within-cluster distance 2 sin θ over the centroid distance 2
        assertEquals(Math.sin(th), m.get("separation_ratio"), 1e-6, m.toString());
        // each cluster's centred features lie on a line
        assertEquals(1, m.get("effective_rank"), 1e-6, m.toString());
    }

    @Test
    void topKKeepsTheLargestValuesAndTheLowerIndexOnTies() {
        float[] a = {0.5f, 0.9f, 0.1f, 0.9f, 0.7f, 0.9f};
        int[] top = Metrics.topK(a, 0, a.length, 3);
        Arrays.sort(top);
        assertEquals("[1, 3, 5]", Arrays.toString(top));
        int[] two = Metrics.topK(a, 0, a.length, 2);
        Arrays.sort(two);
        assertEquals("[1, 3]", Arrays.toString(two));
        SplittableRandom r = new SplittableRandom(3);
        float[] big = new float[1000];
        for (int i = 0; i < big.length; i++) {
            big[i] = (float) r.nextGaussian();
        }
        float[] sorted = big.clone();
        Arrays.sort(sorted);
        float threshold = sorted[1000 - 200];
        for (int i : Metrics.topK(big, 0, 1000, 200)) {
            assertTrue(big[i] >= threshold);
        }
    }
}
