package org.pauc.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pauc.backend.Backend;
import org.pauc.backend.Backends;
import org.pauc.backend.oracle.OracleBackend;
import org.pauc.data.Datasets;
import org.pauc.reference.ReferenceChecker;
import org.pauc.verify.BackendEvaluator;
import org.pauc.verify.Equivalence;
import org.pauc.verify.Verify;

/**
 * The cuda backend as a whole. Without a GPU (CI): it reports why it is unavailable, in one line, and auto falls back.
 * With one: every op verifies against the oracle, every reference vector passes, and training agrees with the cpu
 * backend step by step. The GPU tests are skipped, with the reason printed, where CUDA is not usable.
 */
class CudaBackendTest {
    static String reason;

    @BeforeAll
    static void probe() {
        reason = new CudaBackendProvider().unavailableReason();
        if (reason != null) {
            System.out.println("[cuda] GPU tests skipped: " + reason);
        }
    }

    @Test
    void withoutCudaTheBackendSaysWhyAndAutoFallsBack() {
        assumeTrue(reason != null, "CUDA is available here");
        assertFalse(reason.isBlank() || reason.contains("\n"), reason);
        assertNotEquals("cuda", Backends.provider("auto").name());
        var e = assertThrows(IllegalArgumentException.class, () -> Backends.create("cuda", 1));
        assertEquals("backend 'cuda' is not available: " + reason, e.getMessage());
    }

    @Test
    void everyOpMatchesTheOracle() {
        assumeTrue(reason == null, () -> "no CUDA: " + reason);
        try (Backend cuda = Backends.create("cuda", 2); Backend oracle = new OracleBackend()) {
            List<Verify.Result> results = Verify.run(cuda, oracle, List.of(), 1);
            assertTrue(results.size() > 200);
            assertTrue(results.stream().allMatch(Verify.Result::pass),
                    results.stream().filter(r -> !r.pass()).map(Verify.Result::line).toList().toString());
        }
    }

    @Test
    void everyReferenceVectorPasses() throws IOException {
        assumeTrue(reason == null, () -> "no CUDA: " + reason);
        var evaluator = new BackendEvaluator(Backends.create("cuda", 2));
        var files = ReferenceChecker.collect(List.of(Path.of("reference-tests")));
        assertTrue(files.size() > 70);
        for (Path f : files) {
            var o = ReferenceChecker.check(f, evaluator);
            assertTrue(o.pass(), o.line());
        }
    }

    @Test
    void trainingAgreesWithTheCpuBackendStepByStep(@TempDir Path dir) throws IOException {
        assumeTrue(reason == null, () -> "no CUDA: " + reason);
        var cfg = Equivalence.config(3, 256, 1024);
        var train = Datasets.load(Datasets.Request.of(cfg.data().dataset(), Path.of("."), 28)).train().head(1024);
        var r = Equivalence.run(cfg, "cuda", "cpu", train, dir, new PrintStream(OutputStream.nullOutputStream()));
        assertEquals(12, r.rows().size());
        assertTrue(r.ok(), "largest relative difference " + r.maxRelDiff());
    }
}
