package org.pauc.ops;

import java.util.List;
import org.pauc.backend.Backend;
import org.pauc.oracle.Uniformity;

/** uniformity(v; t), differentiated w.r.t. v. */
final class UniformityOp extends OneInputLoss {
    UniformityOp() {
        super(Uniformity.OP, "v", "t", Uniformity.DEFAULT_T, Uniformity::validate, Uniformity::forward,
                Uniformity::backward, Backend::uniformity);
    }

    @Override
    protected List<Cases.Case> cases(Cases r) {
        return List.of(
                r.of("random", "v", r.unitRows(6, 5)),
                r.of("two-samples", "v", r.unitRows(2, 3)),
                r.of("near-collapsed", "v", r.collapsedRows(5, 4, 1e-3)),
                r.of("large-t", Cases.params("t", 20), "v", r.unitRows(5, 3)));
    }
}
