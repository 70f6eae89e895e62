package org.pauc.ops;

import java.util.List;
import java.util.Map;
import org.pauc.backend.Buffer;
import org.pauc.oracle.Align;
import org.pauc.oracle.Mat;
import org.pauc.tensor.Tensor;

/** align(v; C, pos, α), differentiated w.r.t. v. */
final class AlignOp extends LossOp {
    AlignOp() {
        super(Align.OP, OracleOps.params("alpha", Align.DEFAULT_ALPHA), List.of("v", "C", "pos"), List.of("v"));
    }

    @Override
    protected void validate(Map<String, Tensor> in, Map<String, Double> p) {
        Align.validate(mat(in, "v"), mat(in, "C"), ids(in, "pos"), p.get("alpha"));
    }

    @Override
    protected double scalar(Map<String, Tensor> in, Map<String, Double> p) {
        return Align.forward(mat(in, "v"), mat(in, "C"), ids(in, "pos"), p.get("alpha"));
    }

    @Override
    List<Mat> gradients(Map<String, Tensor> in, Map<String, Double> p) {
        return List.of(Align.backward(mat(in, "v"), mat(in, "C"), ids(in, "pos"), p.get("alpha"), 1));
    }

    @Override
    protected Map<String, Tensor> compute(BackendCall call, Map<String, Tensor> in, Map<String, Double> p) {
        Mat v = mat(in, "v");
        Buffer dv = call.zeros(v.data.length);
        double l = call.backend().align(v.rows, v.cols, mat(in, "C").rows, call.up(in.get("v")), call.up(in.get("C")),
                call.ids(ids(in, "pos")), p.get("alpha").floatValue(), dv, 1f);
        return BackendCall.loss(l, "v", call.down(dv, v.rows, v.cols));
    }

    @Override
    protected List<Cases.Case> cases(Cases r) {
        Mat c = r.unitRows(3, 4);
        int[] pos = {2, 0, 2, 1, 2};
        Mat near = new Mat(5, 4);
        for (int i = 0; i < 5; i++) {
            near.addRow(i, 1, c, pos[i]);
        }
        near.addScaled(1, r.gaussian(5, 4, 1e-3));
        return List.of(
                r.of("random", "v", r.unitRows(5, 6), "C", r.unitRows(4, 6), "pos", r.ids(5, 4)),
                r.of("alpha-1", Cases.params("alpha", 1), "v", r.unitRows(4, 3), "C", r.unitRows(3, 3), "pos", r.ids(4, 3)),
                r.of("alpha-3", Cases.params("alpha", 3), "v", r.unitRows(4, 3), "C", r.unitRows(3, 3), "pos", r.ids(4, 3)),
                r.of("duplicate-ids-near-prototype", "v", near, "C", c, "pos", pos));
    }
}
