package org.pauc.ops;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.pauc.tensor.Tensor;

/**
 * One op (of the loss contract, docs/losses.md, or a layer of the backends) behind a name-based calling convention: tensors in by input
 * name, parameters by name (missing ones take their defaults), tensors out. This is the surface that
 * the gradient checker, the reference-vector checker and generator, and cross-backend verification use.
 */
public abstract class NamedOp {
    private final String name;
    private final Map<String, Double> defaults;

    protected NamedOp(String name, Map<String, Double> defaults) {
        this.name = name;
        this.defaults = defaults;
    }

    public final String name() {
        return name;
    }

    /** Parameter names and their defaults, in the contract's order. */
    public final Map<String, Double> defaults() {
        return defaults;
    }

    /** The input names this call needs, given the names present (pauc_objective's depend on M). */
    public abstract List<String> inputNames(Set<String> present);

    /** The inputs the op is differentiated against; the evaluation returns grad.NAME for each. */
    public abstract List<String> gradInputs(Set<String> present);

    /** The non-gradient outputs: "loss" for a loss or estimator, "y" for l2_normalize. */
    public List<String> valueOutputs() {
        return List.of("loss");
    }

    /** Every output name for these inputs: the values, then grad.NAME per differentiated input. */
    public final List<String> outputNames(Set<String> present) {
        List<String> out = new ArrayList<>(valueOutputs());
        for (String g : gradInputs(present)) {
            out.add("grad." + g);
        }
        return out;
    }

    /** Checks the input names and fills in default parameters; throws with a one-line reason. */
    public final Map<String, Double> resolve(Map<String, Tensor> inputs, Map<String, Double> params) {
        List<String> needed = inputNames(inputs.keySet());
        for (String n : needed) {
            if (!inputs.containsKey(n)) {
                throw new IllegalArgumentException(name + ": input " + n + " is missing (needs " + needed + ")");
            }
        }
        for (String n : inputs.keySet()) {
            if (!needed.contains(n)) {
                throw new IllegalArgumentException(name + ": unknown input " + n + " (needs " + needed + ")");
            }
        }
        Map<String, Double> resolved = new LinkedHashMap<>(defaults);
        for (Map.Entry<String, Double> e : params.entrySet()) {
            if (!defaults.containsKey(e.getKey())) {
                throw new IllegalArgumentException(
                        name + ": unknown parameter " + e.getKey() + " (known: " + defaults.keySet() + ")");
            }
            resolved.put(e.getKey(), e.getValue());
        }
        return resolved;
    }

    /** Evaluates the op: value outputs and the gradient of {@link #objective} w.r.t. each grad input. */
    public final Map<String, Tensor> evaluate(Map<String, Tensor> inputs, Map<String, Double> params) {
        return compute(inputs, resolve(inputs, params));
    }

    /** The scalar that the grad.* outputs differentiate: the loss (sum(dy ⊙ y) for l2_normalize). */
    public final double objective(Map<String, Tensor> inputs, Map<String, Double> params) {
        return scalar(inputs, resolve(inputs, params));
    }

    protected abstract Map<String, Tensor> compute(Map<String, Tensor> in, Map<String, Double> p);

    protected abstract double scalar(Map<String, Tensor> in, Map<String, Double> p);

    /** Where-string for errors about input {@code input}: "op: input". */
    protected final String at(String input) {
        return name + ": " + input;
    }
}
