package org.pauc.cli;

import org.pauc.verify.BackendEvaluator;
import org.pauc.ops.OpEvaluator;

/** The evaluators that {@code reference check --backend NAME} can select: the oracle, or any backend. */
final class Backends {
    private Backends() {}

    static OpEvaluator evaluator(String name, int threads) {
        if (name.equals("oracle")) {
            return OpEvaluator.ORACLE;
        }
        return new BackendEvaluator(org.pauc.backend.Backends.create(name, threads));
    }
}
