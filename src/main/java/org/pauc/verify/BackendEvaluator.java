package org.pauc.verify;

import java.util.Map;
import org.pauc.backend.Backend;
import org.pauc.backend.Backends;
import org.pauc.ops.OpEvaluator;
import org.pauc.ops.OracleOps;
import org.pauc.ops.Tolerance;
import org.pauc.tensor.Tensor;

/**
 * Evaluates the loss contract's ops on a {@link Backend}, each through its declaration's backend form: tensors are
 * uploaded as floats, the backend's op runs, results are downloaded.
 */
public final class BackendEvaluator implements OpEvaluator {
    /** What a float32 backend is held to on the reference vectors, besides the file's own tolerance. */
    public static final Tolerance FLOAT = new Tolerance(2e-3, 2e-4);

    private final Backend be;

    /** The evaluator {@code --backend NAME} selects: the oracle's own ops for "oracle", else the backend's. */
    public static OpEvaluator forBackend(String name, int threads) {
        return name.equals("oracle") ? OpEvaluator.ORACLE : new BackendEvaluator(Backends.create(name, threads));
    }

    public BackendEvaluator(Backend backend) {
        this.be = backend;
    }

    @Override
    public String name() {
        return be.name();
    }

    @Override
    public Tolerance tolerance(Tolerance stated) {
        return stated.atLeast(FLOAT);
    }

    @Override
    public Map<String, Tensor> evaluate(String op, Map<String, Tensor> in, Map<String, Double> params) {
        return OracleOps.get(op).evaluate(be, in, params);
    }
}
