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

    @Test
    void everyDifferentiableOpIsCovered() {
        Set<String> checked = new TreeSet<>();
        for (GradCheck.Result r : GradCheck.run(List.of(), 1)) {
            checked.add(r.op() + ":" + r.input());
        }
        assertEquals(Set.of("l2_normalize:x", "info_nce:q", "proto_nce:q", "align:v", "uniformity:v", "correlation:z",
                "cross_correlation:za", "cross_correlation:zb", "pauc_objective:u",
                "gemm:A", "gemm:B", "conv2d:x", "conv2d:w", "conv2d:b", "batch_norm:x", "batch_norm:gamma",
                "batch_norm:beta", "batch_norm_split:x", "batch_norm_split:gamma", "batch_norm_split:beta", "relu:x", "max_pool:x", "avg_pool:x", "global_avg_pool:x", "linear:x", "linear:w",
                "linear:b"), checked);
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
                t.data()[0] *= factor;
                out.put(g, t);
                return out;
            }

            @Override
            protected double scalar(Map<String, Tensor> in, Map<String, Double> p) {
                return real.objective(in, p);
            }
        };
    }

    @Test
    void aWrongGradientFails() {
        for (String op : List.of("info_nce", "uniformity", "correlation", "pauc_objective", "conv2d", "batch_norm")) {
            Cases.Case c = Cases.of(op, 1).getFirst();
            NamedOp broken = withBrokenGradient(AllOps.get(op), 1.01);
            GradCheck.Result r = GradCheck.check(broken, c).getFirst();
            assertFalse(r.pass(), "a 1% error in one element must fail: " + r.line());
        }
    }
}
