package org.pauc.ops;

import java.util.List;
import java.util.Map;
import org.pauc.backend.Buffer;
import org.pauc.oracle.Clustering;
import org.pauc.oracle.Mat;
import org.pauc.oracle.ProtoNce;
import org.pauc.tensor.Tensor;

/** proto_nce(q; C, φ, pos, neg) of one clustering, differentiated w.r.t. q. */
final class ProtoNceOp extends LossOp {
    ProtoNceOp() {
        super(ProtoNce.OP, OracleOps.params(), List.of("q", "C", "phi", "pos", "neg"), List.of("q"));
    }

    private Clustering clustering(Map<String, Tensor> in) {
        return new Clustering(mat(in, "C"), vec(in, "phi"), ids(in, "pos"), ids(in, "neg"));
    }

    @Override
    protected void validate(Map<String, Tensor> in, Map<String, Double> p) {
        ProtoNce.validate(mat(in, "q"), clustering(in));
    }

    @Override
    protected double scalar(Map<String, Tensor> in, Map<String, Double> p) {
        return ProtoNce.forward(mat(in, "q"), clustering(in));
    }

    @Override
    List<Mat> gradients(Map<String, Tensor> in, Map<String, Double> p) {
        return List.of(ProtoNce.backward(mat(in, "q"), clustering(in), 1));
    }

    @Override
    protected Map<String, Tensor> compute(BackendCall call, Map<String, Tensor> in, Map<String, Double> p) {
        Mat q = mat(in, "q");
        int[] neg = ids(in, "neg");
        Buffer dq = call.zeros(q.data.length);
        double l = call.backend().protoNce(q.rows, q.cols, mat(in, "C").rows, neg.length, call.up(in.get("q")),
                call.up(in.get("C")), call.up(in.get("phi")), call.ids(ids(in, "pos")), call.ids(neg), dq, 1f).loss();
        return BackendCall.loss(l, "q", call.down(dq, q.rows, q.cols));
    }

    @Override
    protected List<Cases.Case> cases(Cases r) {
        return List.of(
                r.of("random", inputs(r, r.unitRows(5, 6), 7, r.ids(5, 7), 2, 0.05, 0.4)),
                r.of("duplicate-ids", inputs(r, r.unitRows(6, 4), 3, new int[] {0, 0, 1, 1, 1, 0}, 1, 0.1, 0.3)),
                r.of("one-negative", inputs(r, r.unitRows(3, 5), 5, r.ids(3, 5), 1, 0.1, 0.3)),
                r.of("no-negatives", inputs(r, r.unitRows(3, 5), 4, r.ids(3, 4), 0, 0.1, 0.3)),
                r.of("small-phi", inputs(r, r.unitRows(4, 5), 8, r.ids(4, 8), 3, 0.01, 0.03)),
                r.of("near-collapsed", inputs(r, r.collapsedRows(5, 4, 1e-3), 6, r.ids(5, 6), 2, 0.1, 0.3)));
    }

    /** The inputs of one case: K prototypes, φ in [phiLo, phiHi), S distinct negatives from the ids not in pos. */
    private static Map<String, Tensor> inputs(Cases r, Mat q, int k, int[] pos, int s, double phiLo, double phiHi) {
        return Cases.inputs("q", q, "C", r.unitRows(k, q.cols), "phi", r.positives(k, phiLo, phiHi), "pos", pos,
                "neg", r.negatives(pos, k, s));
    }
}
