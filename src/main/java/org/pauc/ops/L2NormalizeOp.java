package org.pauc.ops;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.pauc.backend.Buffer;
import org.pauc.oracle.L2Normalize;
import org.pauc.oracle.Mat;
import org.pauc.tensor.Tensor;

/** l2_normalize(x; eps) with an upstream gradient dy: outputs y and grad.x, the gradient of sum(dy ⊙ y). */
final class L2NormalizeOp extends FixedOp {
    L2NormalizeOp() {
        super(L2Normalize.OP, OracleOps.params("eps", L2Normalize.DEFAULT_EPS), List.of("x", "dy"), List.of("x"));
    }

    @Override
    public List<String> valueOutputs() {
        return List.of("y");
    }

    @Override
    protected void validate(Map<String, Tensor> in, Map<String, Double> p) {
        L2Normalize.validate(mat(in, "x"), mat(in, "dy"), p.get("eps"));
    }

    @Override
    protected Map<String, Tensor> compute(Map<String, Tensor> in, Map<String, Double> p) {
        Mat x = mat(in, "x");
        Map<String, Tensor> out = new LinkedHashMap<>();
        out.put("y", Tensor.of(L2Normalize.forward(x, p.get("eps"))));
        out.put("grad.x", Tensor.of(L2Normalize.backward(x, mat(in, "dy"), p.get("eps"))));
        return out;
    }

    @Override
    protected double scalar(Map<String, Tensor> in, Map<String, Double> p) {
        Mat x = mat(in, "x");
        Mat dy = mat(in, "dy");
        validate(in, p);
        Mat y = L2Normalize.forward(x, p.get("eps"));
        double s = 0;
        for (int i = 0; i < y.data.length; i++) {
            s += dy.data[i] * y.data[i];
        }
        return s;
    }

    @Override
    protected Map<String, Tensor> compute(BackendCall call, Map<String, Tensor> in, Map<String, Double> p) {
        Mat x = mat(in, "x");
        Buffer y = call.zeros(x.data.length);
        Buffer dx = call.zeros(x.data.length);
        Buffer xb = call.up(in.get("x"));
        float eps = p.get("eps").floatValue();
        call.backend().l2Normalize(x.rows, x.cols, xb, y, eps);
        call.backend().l2NormalizeBackward(x.rows, x.cols, xb, call.up(in.get("dy")), dx, eps);
        Map<String, Tensor> out = new LinkedHashMap<>();
        out.put("y", call.down(y, x.rows, x.cols));
        out.put("grad.x", call.down(dx, x.rows, x.cols));
        return out;
    }

    @Override
    protected List<Cases.Case> cases(Cases r) {
        Mat small = r.gaussian(3, 4, 1);
        for (int c = 0; c < 4; c++) {
            small.set(1, c, small.get(1, c) * 1e-3);
        }
        return List.of(
                r.of("random", "x", r.gaussian(5, 7, 2), "dy", r.gaussian(5, 7, 1)),
                r.of("one-row", "x", r.gaussian(1, 3, 1), "dy", r.gaussian(1, 3, 1)),
                r.of("below-eps", Cases.params("eps", 0.5), "x", small, "dy", r.gaussian(3, 4, 1)));
    }
}
