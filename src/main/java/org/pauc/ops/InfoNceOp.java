package org.pauc.ops;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.pauc.backend.Buffer;
import org.pauc.oracle.InfoNce;
import org.pauc.oracle.Mat;
import org.pauc.tensor.Tensor;

/** info_nce(q, k, queue; τ), differentiated w.r.t. q. */
final class InfoNceOp extends LossOp {
    InfoNceOp() {
        super(InfoNce.OP, OracleOps.params("tau", InfoNce.DEFAULT_TAU), List.of("q", "k", "queue"), List.of("q"));
    }

    @Override
    protected void validate(Map<String, Tensor> in, Map<String, Double> p) {
        InfoNce.validate(mat(in, "q"), mat(in, "k"), mat(in, "queue"), p.get("tau"));
    }

    @Override
    protected double scalar(Map<String, Tensor> in, Map<String, Double> p) {
        return InfoNce.forward(mat(in, "q"), mat(in, "k"), mat(in, "queue"), p.get("tau"));
    }

    @Override
    List<Mat> gradients(Map<String, Tensor> in, Map<String, Double> p) {
        return List.of(InfoNce.backward(mat(in, "q"), mat(in, "k"), mat(in, "queue"), p.get("tau"), 1));
    }

    @Override
    protected Map<String, Tensor> compute(BackendCall call, Map<String, Tensor> in, Map<String, Double> p) {
        Mat q = mat(in, "q");
        Buffer dq = call.zeros(q.data.length);
        double l = call.backend().infoNce(q.rows, q.cols, mat(in, "queue").rows, call.up(in.get("q")),
                call.up(in.get("k")), call.up(in.get("queue")), p.get("tau").floatValue(), dq, 1f).loss();
        return BackendCall.loss(l, "q", call.down(dq, q.rows, q.cols));
    }

    @Override
    protected List<Cases.Case> cases(Cases r) {
        Mat collapsed = r.collapsedRows(7, 4, 1e-3);
        Mat cq = new Mat(3, 4, Arrays.copyOfRange(collapsed.data, 0, 12));
        Mat ck = new Mat(3, 4, Arrays.copyOfRange(collapsed.data, 0, 12));
        Mat cqueue = new Mat(4, 4, Arrays.copyOfRange(collapsed.data, 12, 28));
        return List.of(
                r.of("random", "q", r.unitRows(4, 6), "k", r.unitRows(4, 6), "queue", r.unitRows(9, 6)),
                r.of("small-tau", Cases.params("tau", 0.02),
                        "q", r.unitRows(3, 5), "k", r.unitRows(3, 5), "queue", r.unitRows(6, 5)),
                r.of("one-negative", Cases.params("tau", 0.1),
                        "q", r.unitRows(3, 4), "k", r.unitRows(3, 4), "queue", r.unitRows(1, 4)),
                r.of("near-collapsed", "q", cq, "k", ck, "queue", cqueue),
                r.of("many-negatives", Cases.params("tau", 0.05),
                        "q", r.unitRows(2, 4), "k", r.unitRows(2, 4), "queue", r.unitRows(2048, 4)));
    }
}
