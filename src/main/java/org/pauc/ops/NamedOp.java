package org.pauc.ops;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.pauc.backend.Backend;
import org.pauc.tensor.Tensor;

/**
 * One op (of the loss contract, docs/losses.md, or a layer of the backends), declared once: its name, inputs,
 * parameters and defaults, the oracle's evaluation, its seeded test cases, and (for the contract's ops) how a
 * backend's implementation is called. Tensors go in by input name, parameters by name (missing ones take their
 * defaults), tensors come out. The gradient checker, the reference-vector generator and checker, the evaluation of
 * reference vectors on a backend and the op lists of the docs are all derived from these declarations.
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

    /** This op's seeded test cases (a random one and the edge cases that break naive implementations). */
    public final List<Cases.Case> cases(long seed) {
        return cases(new Cases(seed, name));
    }

    /** The cases, drawn from {@code random}. */
    protected abstract List<Cases.Case> cases(Cases random);

    /**
     * The op evaluated by a backend's implementation: the outputs of {@link #evaluate}, in float precision. The
     * inputs are checked by the oracle's own validation first, so bad ids fail with its message before any kernel.
     */
    public final Map<String, Tensor> evaluate(Backend backend, Map<String, Tensor> inputs, Map<String, Double> params) {
        Map<String, Double> p = resolve(inputs, params);
        validate(inputs, p);
        try (BackendCall call = new BackendCall(backend)) {
            return compute(call, inputs, p);
        }
    }

    /** The oracle's checks of these inputs and parameters, without computing anything. */
    protected void validate(Map<String, Tensor> in, Map<String, Double> p) {}

    /**
     * The backend form: which {@code Backend} method evaluates this op. The contract's ops have one; a layer has none
     * (pauc verify checks the layers).
     */
    protected Map<String, Tensor> compute(BackendCall call, Map<String, Tensor> in, Map<String, Double> p) {
        throw new IllegalArgumentException("op '" + name + "' has no backend form (pauc verify checks the layers)");
    }

    protected abstract Map<String, Tensor> compute(Map<String, Tensor> in, Map<String, Double> p);

    protected abstract double scalar(Map<String, Tensor> in, Map<String, Double> p);

    /** Where-string for errors about input {@code input}: "op: input". */
    protected final String at(String input) {
        return name + ": " + input;
    }
}
