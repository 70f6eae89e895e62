package org.pauc.ops;

import java.util.Map;
import org.pauc.tensor.Tensor;

/**
 * Something that evaluates the contract's ops by name: the oracle, or a backend under test.
 * {@code reference check} and cross-backend verification compare evaluators through this interface.
 */
public interface OpEvaluator {
    /** The name users select it by ({@code --backend NAME}). */
    String name();

    /** Values and gradients, under the output names of {@link NamedOp#outputNames}. */
    Map<String, Tensor> evaluate(String op, Map<String, Tensor> inputs, Map<String, Double> params);

    /** The tolerance this evaluator is held to, given the one a reference vector states for the oracle. */
    default Tolerance tolerance(Tolerance stated) {
        return stated;
    }

    /** The oracle itself: double precision, held to the tolerances the vectors state. */
    OpEvaluator ORACLE = new OpEvaluator() {
        @Override
        public String name() {
            return "oracle";
        }

        @Override
        public Map<String, Tensor> evaluate(String op, Map<String, Tensor> inputs, Map<String, Double> params) {
            return OracleOps.get(op).evaluate(inputs, params);
        }
    };
}
