package org.pauc.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.pauc.backend.Backend;
import org.pauc.backend.Backends;
import org.pauc.backend.Buffer;
import org.pauc.backend.Compute;
import org.pauc.backend.oracle.OracleBackend;
import org.pauc.reference.ReferenceChecker;
import org.pauc.verify.BackendEvaluator;
import org.pauc.verify.Verify;

class CpuBackendTest {

    /** Every op of the interface on the CPU backend matches the oracle (tails, single elements, empty tensors). */
    @TestFactory
    Stream<DynamicTest> everyOpMatchesTheOracle() {
        try (Backend cpu = new CpuBackend(2); Backend oracle = new OracleBackend()) {
            return Verify.run(cpu, oracle, List.of(), 11).stream()
                    .map(r -> DynamicTest.dynamicTest(r.op() + " " + r.check() + " " + r.output(),
                            () -> assertTrue(r.pass(), r.line())));
        }
    }

    @Test
    void everyInterfaceOpIsVerified() {
        assertEquals(List.of(), uncovered(Backend.class, Set.copyOf(Verify.ops())),
                "Backend methods that no check of pauc verify covers");
    }

    /** Methods of a backend that move or manage memory rather than compute: not ops. */
    static final Set<String> INFRASTRUCTURE = Set.of("name", "description", "allocate", "allocateIndices", "upload",
            "uploadIndices", "downloadIndices", "download", "copy", "fill", "synchronize", "close");

    /**
     * The abstract methods of {@code backend} whose op no check covers. A method's op is its name in snake case with a
     * training/eval/backward suffix dropped (batchNormBackward → batch_norm, crossCorrelation → cross_correlation).
     */
    static List<String> uncovered(Class<?> backend, Set<String> verified) {
        List<String> missing = new ArrayList<>();
        for (Method m : backend.getMethods()) {
            if (m.isDefault() || Modifier.isStatic(m.getModifiers()) || INFRASTRUCTURE.contains(m.getName())) {
                continue;
            }
            String op = m.getName().replaceFirst("(Backward|Train|Eval)$", "").replaceAll("([a-z0-9])([A-Z])", "$1_$2")
                    .toLowerCase(Locale.ROOT);
            if (!verified.contains(op)) {
                missing.add(m.getName() + " (op " + op + ")");
            }
        }
        missing.sort(null);
        return missing;
    }

    /** A backend interface with one op more than the checks know. */
    interface Wider extends Backend {
        void frobnicate(int n, Buffer x);
    }

    @Test
    void aBackendMethodThatNoCheckCoversFails() {
        assertEquals(List.of("frobnicate (op frobnicate)"), uncovered(Wider.class, Set.copyOf(Verify.ops())));
    }

    /** Same inputs, 1 or 2 threads: bit-identical outputs (fixed task decomposition and reduction order). */
    @Test
    void resultsDoNotDependOnTheThreadCount() {
        List<float[]> one;
        List<float[]> two;
        try (Backend cpu = new CpuBackend(1)) {
            one = Verify.outputs(cpu, 5);
        }
        try (Backend cpu = new CpuBackend(2)) {
            two = Verify.outputs(cpu, 5);
        }
        assertEquals(one.size(), two.size());
        for (int i = 0; i < one.size(); i++) {
            assertArrayEquals(one.get(i), two.get(i), "output " + i);
        }
    }

    @Test
    void theLossVectorsPassOnTheFloatBackend() {
        try (Backend cpu = new CpuBackend(2)) {
            BackendEvaluator eval = new BackendEvaluator(cpu);
            for (Path f : ReferenceChecker.collect(List.of(Path.of("reference-tests")))) {
                ReferenceChecker.Outcome o = ReferenceChecker.check(f, eval);
                assertTrue(o.pass(), o.line());
            }
        }
    }

    @Test
    void backendsAreDiscoveredAndChosenByName() {
        assertTrue(Backends.names().containsAll(List.of("cpu", "oracle")), Backends.names().toString());
        assertEquals("cpu", Backends.provider(Backends.AUTO).name());
        var e = assertThrows(IllegalArgumentException.class, () -> Backends.provider("tpu"));
        assertTrue(e.getMessage().startsWith("unknown backend 'tpu' (available: auto,"), e.getMessage());
    }

    @Test
    void aBufferOfAnotherBackendIsRejected() {
        try (Backend cpu = new CpuBackend(1); Backend oracle = new OracleBackend()) {
            Buffer foreign = oracle.allocate(4);
            var e = assertThrows(IllegalArgumentException.class, () -> cpu.relu(4, foreign, foreign));
            assertTrue(e.getMessage().startsWith("cpu backend: expected one of its float buffers"), e.getMessage());
        }
    }

    static Compute bf16() {
        return Compute.threads(2).withPrecision(Compute.Precision.BF16);
    }

    /**
     * bf16 emulation: against the oracle on the same bf16-rounded inputs every op holds the float tolerances (products
     * of bf16 values are exact in float, only the accumulation rounds); against the float oracle it holds bf16's.
     */
    @TestFactory
    Stream<DynamicTest> bf16MatchesTheOracleOnRoundedInputsAndTheFloatOracleWithinItsTolerance() {
        try (Backend cpu = new CpuBackend(bf16()); Backend rounded = new OracleBackend(Compute.Precision.BF16);
             Backend fp32 = new OracleBackend()) {
            return Stream.concat(Verify.run(cpu, rounded, List.of(), 13).stream(),
                            Verify.run(cpu, fp32, List.of(), 13, Verify.BF16).stream())
                    .map(r -> DynamicTest.dynamicTest(r.op() + " " + r.check() + " " + r.output(),
                            () -> assertTrue(r.pass(), r.line())));
        }
    }

    @Test
    void bf16RoundsTheInputsOfGemmsAndConvolutionsOnly() {
        try (Backend cpu = new CpuBackend(bf16()); Backend fp32 = new OracleBackend()) {
            List<Verify.Result> strict = Verify.run(cpu, fp32, List.of("gemm", "conv2d", "linear", "relu", "info_nce"), 13);
            assertTrue(strict.stream().anyMatch(r -> r.op().equals("gemm") && !r.pass()), "gemm's inputs are rounded");
            assertTrue(strict.stream().anyMatch(r -> r.op().equals("conv2d") && !r.pass()), "conv2d's inputs are rounded");
            assertTrue(strict.stream().filter(r -> r.op().equals("relu") || r.op().equals("info_nce")).allMatch(
                    Verify.Result::pass), "element-wise ops and losses stay float32");
        }
    }

    @Test
    void bf16RoundsToNearestEven() {
        assertEquals(1f, Compute.bf16(1f));
        assertEquals(1f, Compute.bf16(1f + 0x1p-9f), "a tie rounds to the even neighbour");
        assertEquals(1f + 0x1p-7f, Compute.bf16(1f + 0x1p-7f + 0x1p-9f), "a tie rounds to the even neighbour, up");
        assertEquals(1f + 0x1p-7f, Compute.bf16(1f + 0x1p-8f + 0x1p-20f), "above a tie rounds up");
        assertEquals(-3.140625f, Compute.bf16(-3.14159f));
        assertEquals(Float.POSITIVE_INFINITY, Compute.bf16(Float.POSITIVE_INFINITY));
        assertTrue(Float.isNaN(Compute.bf16(Float.NaN)));
        assertEquals(Float.POSITIVE_INFINITY, Compute.bf16(Float.MAX_VALUE), "beyond bf16's largest value");
        for (float v : new float[] {0.1f, 123.456f, -7e-20f, 3e30f}) {
            float r = Compute.bf16(v);
            assertEquals(0, Float.floatToRawIntBits(r) & 0xffff, "16 low bits cleared: " + v);
            assertTrue(Math.abs(r - v) <= Math.abs(v) * 0x1p-8f, v + " → " + r);
        }
    }
}
