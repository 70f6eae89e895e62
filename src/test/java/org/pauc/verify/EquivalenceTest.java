package org.pauc.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pauc.config.TrainConfig;
import org.pauc.data.Datasets;

/** The step-by-step training comparison, here between the float cpu backend and the double-precision oracle. */
class EquivalenceTest {

    @Test
    void theCpuBackendTrainsLikeTheOracle(@TempDir Path dir) throws IOException {
        TrainConfig cfg = Equivalence.config(2, 32, 64);
        var train = Datasets.load(Datasets.Request.of(cfg.data().dataset(), Path.of("."), 28)).train().head(64);
        var r = Equivalence.run(cfg, "cpu", "oracle", train, dir, new PrintStream(OutputStream.nullOutputStream()));
        assertEquals(4, r.rows().size());
        assertTrue(r.ok(), "largest relative difference " + r.maxRelDiff() + " in " + r.rows());
        assertTrue(r.rows().get(3).a() != r.rows().get(0).a(), "the loss moves as training goes on");
    }

    @Test
    void aDifferenceBeyondTheToleranceFails() {
        var same = new Equivalence.Result("a", "b", List.of(new Equivalence.Row(0, 0, 2.0, 2.0 * (1 + 1e-4))));
        assertTrue(same.ok());
        var off = new Equivalence.Result("a", "b", List.of(new Equivalence.Row(0, 0, 2.0, 2.1)));
        assertFalse(off.ok());
        assertFalse(new Equivalence.Result("a", "b", List.of()).ok(), "no steps is no evidence");
    }
}
