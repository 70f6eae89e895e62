package org.pauc.ops;

import java.util.List;
import org.pauc.backend.Backend;
import org.pauc.oracle.Correlation;

/** correlation(z; eps), differentiated w.r.t. z. */
final class CorrelationOp extends OneInputLoss {
    CorrelationOp() {
        super(Correlation.OP, "z", "eps", Correlation.DEFAULT_EPS, Correlation::validate, Correlation::forward,
                Correlation::backward, Backend::correlation);
    }

    @Override
    protected List<Cases.Case> cases(Cases r) {
        return List.of(
                r.of("random", "z", r.gaussian(8, 5, 1)),
                r.of("constant-column", "z", Cases.withConstantColumn(r.gaussian(6, 4, 1), 2, 0.7)),
                r.of("two-samples", Cases.params("eps", 1e-3), "z", r.gaussian(2, 3, 1)),
                r.of("near-collapsed", "z", r.collapsedRows(6, 4, 1e-2)));
    }
}
