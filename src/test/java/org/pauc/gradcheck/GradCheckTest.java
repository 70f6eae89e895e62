package org.pauc.gradcheck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.pauc.ops.AllOps;
import org.pauc.ops.Cases;
import org.pauc.ops.NamedOp;
import org.pauc.tensor.Tensor;

class GradCheckTest {

    @TestFactory
    Stream<DynamicTest> everyAnalyticGradientMatchesFiniteDifferences() {
        return Stream.of(1L, 2L).flatMap(seed -> GradCheck.run(List.of(), seed).stream()
                .map(r -> DynamicTest.dynamicTest("seed " + seed + " " + r.op() + "/" + r.caseName() + " d/d" + r.input(),
                        () -> assertTrue(r.pass(), r.line()))));
    }

    /** Every differentiated input of every declared op, in every one of its cases, is checked. */
    @Test
    void everyDifferentiableOpIsCovered() {
        Set<String> checked = new TreeSet<>();
        for (GradCheck.Result r : GradCheck.run(List.of(), 1)) {
            checked.add(r.op() + ":" + r.input());
        }
        Set<String> declared = new TreeSet<>();
        for (String name : AllOps.names()) {
            NamedOp op = AllOps.get(name);
            for (Cases.Case c : op.cases(1)) {
                op.gradInputs(c.inputs().keySet()).forEach(g -> declared.add(name + ":" + g));
            }
        }
        assertTrue(declared.size() >= 27, "the contract's and the layers' differentiated inputs: " + declared);
        assertEquals(declared, checked);
    }

    /** An op whose analytic gradient is the oracle's with one element perturbed: the harness must catch it. */
    private static NamedOp withBrokenGradient(NamedOp real, double factor) {
        return new NamedOp(real.name(), real.defaults()) {
            @Override
            public List<String> inputNames(Set<String> present) {
                return real.inputNames(present);
            }

            @Override
            public List<String> gradInputs(Set<String> present) {
                return real.gradInputs(present);
            }

            @Override
            protected Map<String, Tensor> compute(Map<String, Tensor> in, Map<String, Double> p) {
                Map<String, Tensor> out = new LinkedHashMap<>(real.evaluate(in, p));
                String g = "grad." + real.gradInputs(in.keySet()).getFirst();
                Tensor t = out.get(g).copy();
                int largest = 0;
                for (int i = 0; i < t.size(); i++) {
                    if (Math.abs(t.data()[i]) > Math.abs(t.data()[largest])) {
                        largest = i;
                    }
                }
                t.data()[largest] *= factor;
                out.put(g, t);
                return out;
            }

            @Override
            protected List<Cases.Case> cases(Cases random) {
                return List.of();
            }

            @Override
            protected double scalar(Map<String, Tensor> in, Map<String, Double> p) {
                return real.objective(in, p);
            }
        };
    }

    @Test
    void aWrongGradientFails() {
        int withGradient = 0;
        for (String op : AllOps.names()) {
            Cases.Case c = Cases.of(op, 1).getFirst();
            if (AllOps.get(op).gradInputs(c.inputs().keySet()).isEmpty()) {
                continue;
            }
            withGradient++;
            NamedOp broken = withBrokenGradient(AllOps.get(op), 1.01);
            GradCheck.Result r = GradCheck.check(broken, c).getFirst();
            assertFalse(r.pass(), "a 1% error in one element must fail: " + r.line());
        }
        assertTrue(withGradient >= 16, "every op with a gradient, contract and layers: " + withGradient);
    }
}
