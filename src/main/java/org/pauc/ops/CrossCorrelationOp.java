package org.pauc.ops;

import java.util.List;
import java.util.Map;
import org.pauc.backend.Buffer;
import org.pauc.oracle.CrossCorrelation;
import org.pauc.oracle.Mat;
import org.pauc.tensor.Tensor;

/** cross_correlation(za, zb; λ_off, eps), differentiated w.r.t. both views. */
final class CrossCorrelationOp extends LossOp {
    CrossCorrelationOp() {
        super(CrossCorrelation.OP,
                OracleOps.params("lambda_off", CrossCorrelation.DEFAULT_LAMBDA_OFF, "eps", CrossCorrelation.DEFAULT_EPS),
                List.of("za", "zb"), List.of("za", "zb"));
    }

    @Override
    protected void validate(Map<String, Tensor> in, Map<String, Double> p) {
        CrossCorrelation.validate(mat(in, "za"), mat(in, "zb"), p.get("lambda_off"), p.get("eps"));
    }

    @Override
    protected double scalar(Map<String, Tensor> in, Map<String, Double> p) {
        return CrossCorrelation.forward(mat(in, "za"), mat(in, "zb"), p.get("lambda_off"), p.get("eps"));
    }

    @Override
    List<Mat> gradients(Map<String, Tensor> in, Map<String, Double> p) {
        CrossCorrelation.Grads g = CrossCorrelation.backward(mat(in, "za"), mat(in, "zb"), p.get("lambda_off"),
                p.get("eps"), 1);
        return List.of(g.za(), g.zb());
    }

    @Override
    protected Map<String, Tensor> compute(BackendCall call, Map<String, Tensor> in, Map<String, Double> p) {
        Mat za = mat(in, "za");
        Buffer da = call.zeros(za.data.length);
        Buffer db = call.zeros(za.data.length);
        double l = call.backend().crossCorrelation(za.rows, za.cols, call.up(in.get("za")), call.up(in.get("zb")),
                p.get("lambda_off").floatValue(), p.get("eps").floatValue(), da, db, 1f);
        return BackendCall.loss(l, "za", call.down(da, za.rows, za.cols), "zb", call.down(db, za.rows, za.cols));
    }

    @Override
    protected List<Cases.Case> cases(Cases r) {
        return List.of(
                r.of("random", "za", r.gaussian(8, 4, 1), "zb", r.gaussian(8, 4, 1)),
                r.of("constant-column", Cases.params("lambda_off", 0.1),
                        "za", Cases.withConstantColumn(r.gaussian(6, 3, 1), 1, -0.3), "zb", r.gaussian(6, 3, 1)),
                r.of("same-view", sameView(r, 7, 4)));
    }

    /** Two views of nearly the same embeddings: zb = za + small noise. */
    private static Map<String, Tensor> sameView(Cases r, int n, int d) {
        Mat z = r.gaussian(n, d, 1);
        Mat zb = z.copy().addScaled(1, r.gaussian(n, d, 0.05));
        return Cases.inputs("za", z, "zb", zb);
    }
}
