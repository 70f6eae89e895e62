package org.pauc.gradcheck;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.pauc.ops.AllOps;
import org.pauc.ops.Cases;
import org.pauc.ops.NamedOp;
import org.pauc.tensor.Tensor;

/**
 * Compares every analytic gradient of the oracle with central finite differences in double precision:
 * numeric_e = (f(x + h·e) − f(x − h·e)) / 2h with h = {@value #STEP}, for every element of every
 * differentiated input. An element passes when |analytic − numeric| ≤ {@value #ATOL} + {@value #RTOL}·|numeric|.
 * The truncation error of the central difference is O(h²·f''') and the rounding error O(ε·|f|/h), about
 * 1e-9 on these cases; a wrong gradient is off by O(|gradient|), orders of magnitude above the tolerance.
 */
public final class GradCheck {
    public static final double STEP = 1e-6;
    public static final double RTOL = 1e-6;
    public static final double ATOL = 1e-7;
    /** Relative errors are reported only for elements above this size; below it they measure rounding noise. */
    public static final double REL_FLOOR = 1e-6;

    /** The outcome for one differentiated input of one case. */
    public record Result(String op, String caseName, String input, int elements, double maxAbs, double maxRel,
                         boolean pass) {
        public String line() {
            return String.format("%-18s %-30s %-6s n=%-6d max_abs=%.3e max_rel=%.3e %s",
                    op, caseName, input, elements, maxAbs, maxRel, pass ? "PASS" : "FAIL");
        }
    }

    private GradCheck() {}

    /** Checks every differentiated input of one case. */
    public static List<Result> check(Cases.Case c) {
        return check(AllOps.get(c.op()), c);
    }

    /** Checks every differentiated input of one case of {@code op}. */
    public static List<Result> check(NamedOp op, Cases.Case c) {
        Map<String, Tensor> analytic = op.evaluate(c.inputs(), c.params());
        List<Result> results = new ArrayList<>();
        for (String input : op.gradInputs(c.inputs().keySet())) {
            double[] a = analytic.get("grad." + input).data();
            double[] n = numericGradient(op, c, input);
            double maxAbs = 0;
            double maxRel = 0;
            boolean pass = true;
            for (int i = 0; i < n.length; i++) {
                double err = Math.abs(a[i] - n[i]);
                maxAbs = Math.max(maxAbs, err);
                double scale = Math.max(Math.abs(a[i]), Math.abs(n[i]));
                if (scale > REL_FLOOR) {
                    maxRel = Math.max(maxRel, err / scale);
                }
                if (!(err <= ATOL + RTOL * Math.abs(n[i]))) {
                    pass = false;
                }
            }
            results.add(new Result(c.op(), c.name(), input, n.length, maxAbs, maxRel, pass));
        }
        return results;
    }

    /** Central differences of the op's objective with respect to every element of {@code input}. */
    static double[] numericGradient(NamedOp op, Cases.Case c, String input) {
        Map<String, Tensor> in = new LinkedHashMap<>(c.inputs());
        Tensor x = c.inputs().get(input).copy();
        in.put(input, x);
        double[] g = new double[x.size()];
        for (int i = 0; i < g.length; i++) {
            double saved = x.data()[i];
            x.data()[i] = saved + STEP;
            double plus = op.objective(in, c.params());
            x.data()[i] = saved - STEP;
            double minus = op.objective(in, c.params());
            x.data()[i] = saved;
            g[i] = (plus - minus) / (2 * STEP);
        }
        return g;
    }

    /** Every case of the named ops (all ops with a gradient, losses and layers, when {@code ops} is empty). */
    public static List<Result> run(List<String> ops, long seed) {
        List<Result> results = new ArrayList<>();
        for (String name : ops.isEmpty() ? AllOps.names() : ops) {
            NamedOp op = AllOps.get(name);
            for (Cases.Case c : Cases.of(name, seed)) {
                if (!op.gradInputs(c.inputs().keySet()).isEmpty()) {
                    results.addAll(check(c));
                }
            }
        }
        return results;
    }
}
