package org.pauc.oracle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Known values, numerical stability and argument validation of the oracle ops. */
class OracleTest {

    private static Mat m(int rows, int cols, double... v) {
        return new Mat(rows, cols, v);
    }

    private static Mat unitRows(int n, int d, long seed) {
        return Mat.unitRows(new SplittableRandom(seed), n, d);
    }

    @Test
    void l2NormalizeGivesUnitRowsAndKeepsZeroRowsZero() {
        Mat y = L2Normalize.forward(m(2, 2, 3, 4, 0, 0), 1e-12);
        assertArrayEquals(new double[] {0.6, 0.8, 0, 0}, y.data, 1e-15);
    }

    @Test
    void infoNceOfOnePositiveAndNoQueueIsZero() {
        Mat q = m(1, 2, 1, 0);
        assertEquals(0, InfoNce.forward(q, q, new Mat(0, 2), 0.2), 0);
    }

    @Test
    void infoNceWithOrthogonalNegativeMatchesClosedForm() {
        // l = [1/τ, 0]: L = log(e^{1/τ} + 1) − 1/τ
        double tau = 0.5;
        double want = Math.log(Math.exp(1 / tau) + 1) - 1 / tau;
        assertEquals(want, InfoNce.forward(m(1, 2, 1, 0), m(1, 2, 1, 0), m(1, 2, 0, 1), tau), 1e-15);
    }

    @Test
    void infoNceIsFiniteAtTinyTauWith16384Negatives() {
        Mat q = unitRows(3, 16, 1);
        Mat queue = unitRows(16384, 16, 2);
        double loss = InfoNce.forward(q, unitRows(3, 16, 3), queue, 0.02);
        Mat g = InfoNce.backward(q, unitRows(3, 16, 3), queue, 0.02, 1);
        assertTrue(Double.isFinite(loss) && loss > 0, "loss " + loss);
        for (double x : g.data) {
            assertTrue(Double.isFinite(x));
        }
        // A positive far above every negative: the loss underflows towards 0 without becoming NaN.
        Mat k = q.copy();
        Mat far = q.scaled(-1);
        assertEquals(0, InfoNce.forward(q, k, far, 0.001), 1e-300);
    }

    @Test
    void protoNceMatchesCrossEntropyByHand() {
        // N = 1, one positive prototype (0), one negative (1): l = [q·c0/φ0, q·c1/φ1].
        Mat q = m(1, 2, 0.6, 0.8);
        Mat c = m(2, 2, 1, 0, 0, 1);
        double[] phi = {0.1, 0.4};
        double l0 = 0.6 / 0.1;
        double l1 = 0.8 / 0.4;
        double want = Math.log(Math.exp(l0) + Math.exp(l1)) - l0;
        assertEquals(want, ProtoNce.forward(q, new Clustering(c, phi, new int[] {0}, new int[] {1})), 1e-14);
    }

    @Test
    void alignIsZeroOnThePrototypeAndSquaredDistanceOtherwise() {
        Mat c = m(2, 2, 1, 0, 0, 1);
        assertEquals(0, Align.forward(m(1, 2, 0, 1), c, new int[] {1}, 2), 0);
        assertEquals(2, Align.forward(m(1, 2, 0, 1), c, new int[] {0}, 2), 1e-15);
        assertEquals(Math.sqrt(2), Align.forward(m(1, 2, 0, 1), c, new int[] {0}, 1), 1e-15);
    }

    @Test
    void uniformityOfAntipodalPairIsMinusFourT() {
        assertEquals(-8, Uniformity.forward(m(2, 2, 1, 0, -1, 0), 2), 1e-14);
        // Collapsed: every distance 0, L = log(1) = 0.
        assertEquals(0, Uniformity.forward(m(3, 2, 1, 0, 1, 0, 1, 0), 2), 0);
        // Far apart at large t: finite, not -Infinity from exp underflow.
        assertEquals(-4 * 500, Uniformity.forward(m(2, 2, 1, 0, -1, 0), 500), 1e-9);
    }

    @Test
    void correlationOfPerfectlyCorrelatedColumnsIsTwoRSquared() {
        // Two identical columns: R_01 = R_10 = var/(var+eps).
        Mat z = m(4, 2, 1, 1, 2, 2, 3, 3, 4, 4);
        double var = 1.25;
        double r = var / (var + 1e-5);
        assertEquals(2 * r * r, Correlation.forward(z, 1e-5), 1e-12);
    }

    @Test
    void crossCorrelationOfIdenticalStandardisedViewsHasOnlyOffDiagonalTerms() {
        Mat z = m(4, 2, 1, -1, -1, 1, 1, 1, -1, -1); // orthogonal, zero-mean, unit-variance columns
        double d = 1 / (1 + 1e-5);
        assertEquals(2 * (1 - d) * (1 - d), CrossCorrelation.forward(z, z, 5e-3, 1e-5), 1e-15);
    }

    @Test
    void percentileMatchesNumpyLinear() {
        double[] x = {4, 1, 3, 2, 10};
        // numpy.percentile([1,2,3,4,10], 10) = 1.4, (…, 90) = 7.6
        assertEquals(1.4, Concentration.percentile(x, 10), 1e-12);
        assertEquals(7.6, Concentration.percentile(x, 90), 1e-12);
    }

    @Test
    void concentrationGivesSingletonsTheMaxAndRescalesToMeanTau() {
        Mat f = m(5, 1, 0, 2, 10, 14, 7);
        Mat c = m(3, 1, 1, 12, 7);
        int[] assign = {0, 0, 1, 1, 2};
        double[] raw = Concentration.raw(f, c, assign, 10);
        assertEquals(1 / Math.log(12), raw[0], 1e-15);
        assertEquals(2 / Math.log(12), raw[1], 1e-15);
        assertEquals(raw[1], raw[2], 0);
        double[] phi = Concentration.compute(f, c, assign, 10, 0.2);
        assertEquals(0.2, (phi[0] + phi[1] + phi[2]) / 3, 1e-15);
    }

    @Test
    void concentrationWithoutAnyMultiMemberClusterIsAClearError() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> Concentration.compute(m(2, 1, 0, 1), m(2, 1, 0, 1), new int[] {0, 1}, 10, 0.2));
        assertTrue(e.getMessage().startsWith("concentration:"), e.getMessage());
    }

    @Test
    void paucObjectiveReducesToInfoNceWithoutClusterings() {
        Mat u = unitRows(4, 3, 5).scaled(2.5);
        Mat k = unitRows(4, 3, 6);
        Mat queue = unitRows(6, 3, 7);
        PaucObjective.Params moco = new PaucObjective.Params(0.2, 1, 0, 0, 0, 2, 2, 1e-5);
        double want = InfoNce.forward(L2Normalize.forward(u, 1e-12), k, queue, 0.2);
        assertEquals(want, PaucObjective.forward(u, k, queue, List.of(), moco).total(), 1e-15);
    }

    @Test
    void wrongShapesNameTheOpTheInputAndTheExpectedShape() {
        Mat q = new Mat(4, 3);
        var e = assertThrows(IllegalArgumentException.class, () -> InfoNce.forward(q, new Mat(4, 2), new Mat(5, 3), 0.2));
        assertEquals("info_nce: k must be 4×3 (the shape of q), got 4×2", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> InfoNce.forward(q, new Mat(4, 3), new Mat(5, 2), 0.2));
        assertTrue(e.getMessage().startsWith("info_nce: queue must have 3 columns"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Uniformity.forward(new Mat(1, 3), 2));
        assertTrue(e.getMessage().startsWith("uniformity: v needs N ≥ 2"), e.getMessage());
        Clustering bad = new Clustering(new Mat(2, 3), new double[] {0.1, 0.1}, new int[] {0, 1, 2, 0}, new int[0]);
        e = assertThrows(IllegalArgumentException.class, () -> ProtoNce.forward(q, bad));
        assertEquals("proto_nce: pos[2] = 2 is out of range [0, 2)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> PaucObjective.forward(q, new Mat(4, 3), new Mat(0, 3),
                List.of(bad), PaucObjective.Params.DEFAULTS));
        assertTrue(e.getMessage().startsWith("pauc_objective: clustering 0: proto_nce: pos[2]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Align.forward(q, new Mat(2, 3), new int[] {0, 1}, 2));
        assertEquals("align: pos must have length 4 (one prototype id per row of v), got 2", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> CrossCorrelation.forward(new Mat(4, 3), new Mat(3, 3), 5e-3, 1e-5));
        assertEquals("cross_correlation: zb must be 4×3 (the shape of za), got 3×3", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> InfoNce.forward(q, q, q, 0));
        assertEquals("info_nce: tau must be a positive finite number, got 0.0", e.getMessage());
    }
}
