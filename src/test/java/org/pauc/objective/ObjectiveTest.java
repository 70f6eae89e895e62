package org.pauc.objective;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.pauc.backend.Buffer;
import org.pauc.backend.oracle.OracleBackend;
import org.pauc.oracle.CrossCorrelation;
import org.pauc.oracle.L2Normalize;
import org.pauc.oracle.Mat;
import org.pauc.oracle.PaucObjective;

/** The cross_view decorrelation variant of the composed objective: its value and its gradient w.r.t. u. */
class ObjectiveTest {

    private static float[] gaussian(SplittableRandom r, int n) {
        return Mat.gaussian(r, 1, n, 1).toFloats();
    }

    private static double total(OracleBackend be, int n, int d, float[] u, Buffer k, Buffer queue,
                                PaucObjective.Params p, Objective.Decorrelation dec) {
        try (Buffer ub = be.upload(u); Buffer v = be.allocate(n * d); Buffer dv = be.allocate(n * d)) {
            return Objective.evaluate(be, n, d, ub, k, 3, queue, List.of(), p, dec, v, dv, null).total();
        }
    }

    @Test
    void crossViewUsesTheKeysAsAConstantTarget() {
        int n = 6;
        int d = 4;
        SplittableRandom r = new SplittableRandom(4);
        try (OracleBackend be = new OracleBackend()) {
            float[] u = gaussian(r, n * d);
            float[] kRaw = gaussian(r, n * d);
            Buffer k = be.allocate(n * d);
            be.l2Normalize(n, d, be.upload(kRaw), k, 1e-12f);
            Buffer queue = be.allocate(3 * d);
            be.l2Normalize(3, d, be.upload(gaussian(r, 3 * d)), queue, 1e-12f);
            PaucObjective.Params p = new PaucObjective.Params(0.2, 1, 0, 0, 0.5, 2, 2, 1e-5);
            Objective.Decorrelation dec = new Objective.Decorrelation(true, 5e-3);
            PaucObjective.Params infoOnly = new PaucObjective.Params(0.2, 1, 0, 0, 0, 2, 2, 1e-5);
            // value: info_nce + 0.5 · cross_correlation(v, k)
            double[] ud = new double[n * d];
            for (int i = 0; i < ud.length; i++) {
                ud[i] = u[i];
            }
            Mat v = L2Normalize.forward(new Mat(n, d, ud), 1e-12);
            double[] kd = new double[n * d];
            float[] kf = be.download(k);
            for (int i = 0; i < kd.length; i++) {
                kd[i] = kf[i];
            }
            double want = total(be, n, d, u, k, queue, infoOnly, dec)
                    + 0.5 * CrossCorrelation.forward(v, new Mat(n, d, kd), 5e-3, 1e-5);
            assertEquals(want, total(be, n, d, u, k, queue, p, dec), 1e-5);
            // gradient w.r.t. u by central differences
            Buffer du = be.allocate(n * d);
            try (Buffer ub = be.upload(u); Buffer vb = be.allocate(n * d); Buffer dvb = be.allocate(n * d)) {
                Objective.evaluate(be, n, d, ub, k, 3, queue, List.of(), p, dec, vb, dvb, du);
            }
            double[] analytic = be.downloadExact(du);
            for (int i = 0; i < u.length; i++) {
                float saved = u[i];
                u[i] = saved + 1e-3f;
                double up = (double) u[i] - saved;
                double plus = total(be, n, d, u, k, queue, p, dec);
                u[i] = saved - 1e-3f;
                double down = saved - (double) u[i];
                double minus = total(be, n, d, u, k, queue, p, dec);
                u[i] = saved;
                double numeric = (plus - minus) / (up + down);
                assertTrue(Math.abs(numeric - analytic[i]) <= 1e-4 + 1e-3 * Math.abs(numeric),
                        "du[" + i + "]: analytic " + analytic[i] + ", numeric " + numeric);
            }
        }
    }
}
