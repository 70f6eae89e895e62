package org.pauc.ops;

import java.util.List;
import java.util.Map;
import org.pauc.oracle.Concentration;
import org.pauc.oracle.Mat;
import org.pauc.tensor.Tensor;

/**
 * concentration(F, C_raw, assign; α, τ): PCL's φ per cluster, an estimator without gradient. It runs on the host
 * in the E-step whatever the backend, so a backend's form of it is the oracle's code.
 */
final class ConcentrationOp extends FixedOp {
    ConcentrationOp() {
        super(Concentration.OP, OracleOps.params("alpha", Concentration.DEFAULT_ALPHA, "tau", Concentration.DEFAULT_TAU),
                List.of("F", "C_raw", "assign"), List.of());
    }

    @Override
    protected Map<String, Tensor> compute(Map<String, Tensor> in, Map<String, Double> p) {
        double[] phi = Concentration.compute(mat(in, "F"), mat(in, "C_raw"), ids(in, "assign"),
                p.get("alpha"), p.get("tau"));
        return Map.of("loss", Tensor.vector(phi));
    }

    @Override
    protected double scalar(Map<String, Tensor> in, Map<String, Double> p) {
        throw new UnsupportedOperationException("concentration is an estimator without gradient");
    }

    @Override
    protected Map<String, Tensor> compute(BackendCall call, Map<String, Tensor> in, Map<String, Double> p) {
        return compute(in, p);
    }

    @Override
    protected List<Cases.Case> cases(Cases r) {
        Mat f = r.unitRows(20, 4);
        int[] assign = r.ids(20, 4);
        Mat centroids = r.gaussian(4, 4, 0.5);
        // Singletons and an empty cluster: ids 5 and 6 get one member each, 7 none.
        int[] withSingletons = r.ids(12, 5);
        withSingletons[3] = 5;
        withSingletons[9] = 6;
        return List.of(
                r.of("random", "F", f, "C_raw", centroids, "assign", assign),
                r.of("singletons-and-empty", Cases.params("alpha", 10, "tau", 0.1),
                        "F", r.unitRows(12, 3), "C_raw", r.gaussian(8, 3, 0.5), "assign", withSingletons),
                r.of("two-clusters", Cases.params("alpha", 2, "tau", 0.3),
                        "F", r.unitRows(6, 3), "C_raw", r.gaussian(2, 3, 0.5), "assign", new int[] {0, 1, 0, 1, 1, 0}));
    }
}
