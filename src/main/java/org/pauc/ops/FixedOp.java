package org.pauc.ops;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.pauc.oracle.Mat;
import org.pauc.tensor.Tensor;

/** An op whose inputs and differentiated inputs are fixed lists. */
abstract class FixedOp extends NamedOp {
    private final List<String> inputs;
    private final List<String> grads;

    FixedOp(String name, Map<String, Double> defaults, List<String> inputs, List<String> grads) {
        super(name, defaults);
        this.inputs = inputs;
        this.grads = grads;
    }

    @Override
    public List<String> inputNames(Set<String> present) {
        return inputs;
    }

    @Override
    public List<String> gradInputs(Set<String> present) {
        return grads;
    }

    Mat mat(Map<String, Tensor> in, String n) {
        return in.get(n).asMat(at(n));
    }

    int[] ids(Map<String, Tensor> in, String n) {
        return in.get(n).asIndices(at(n));
    }

    double[] vec(Map<String, Tensor> in, String n) {
        return in.get(n).asVector(at(n));
    }
}
