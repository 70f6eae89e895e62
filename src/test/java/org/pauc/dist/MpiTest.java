package org.pauc.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pauc.testing.MpiRun;

/** The MPI collective under {@code mpirun -np 2} and {@code -np 3}: {@link MpiProbe} on every rank. */
class MpiTest {

    @Test
    void collectivesGiveTheSameRankOrderResultsOnEveryRank(@TempDir Path dir) throws Exception {
        for (int np : new int[] {2, 3}) {
            MpiRun.Result r = MpiRun.run(np, MpiProbe.class.getName(), List.of(), dir.resolve("np" + np + ".log"), 120);
            assertEquals(0, r.exit(), r.output());
            StringBuilder gathered = new StringBuilder("[");
            for (int q = 0; q < np; q++) {
                for (int j = 0; j <= q; j++) {
                    gathered.append(gathered.length() > 1 ? ", " : "").append(q * 100 + j);
                }
            }
            gathered.append(']');
            double d0 = 0;
            double d1 = 0;
            double d2 = 0;
            for (int q = 0; q < np; q++) {
                d0 += q + 0.5;
                d1 += 1e-17 * q;
                d2 += -q;
            }
            for (int q = 0; q < np; q++) {
                assertEquals("true", MpiRun.value(r.output(), q, "allreduce_rank_order"), "np " + np + " rank " + q);
                assertEquals(MpiRun.value(r.output(), 0, "allreduce_hash"), MpiRun.value(r.output(), q, "allreduce_hash"));
                assertEquals(List.of(d0, d1, d2).toString(), MpiRun.value(r.output(), q, "allreduce_double"));
                assertEquals(gathered.toString(), MpiRun.value(r.output(), q, "allgather"));
                assertEquals("from rank 0", MpiRun.value(r.output(), q, "broadcast"));
                assertEquals("true", MpiRun.value(r.output(), q, "finalized"));
            }
            assertEquals(np == 2 ? "[0.0, 1.5]" : "[0.0, 1.5, 3.0]", MpiRun.value(r.output(), 1, "allgather_float"));
        }
    }

    @Test
    void aRankThatDiesEndsTheJobWithoutAHang(@TempDir Path dir) throws Exception {
        MpiRun.Result r = MpiRun.run(2, MpiProbe.class.getName(), List.of("die"), dir.resolve("die.log"), 90);
        assertNotEquals(0, r.exit(), r.output());
        assertTrue(r.seconds() < 60, "the job took " + r.seconds() + " s to end");
    }

    @Test
    void aRankThatFindsBadInputEndsTheJobWithItsExitCode(@TempDir Path dir) throws Exception {
        MpiRun.Result r = MpiRun.run(2, MpiProbe.class.getName(), List.of("bad"), dir.resolve("bad.log"), 90);
        assertEquals(2, r.exit(), r.output());
        assertTrue(r.output().contains("pauc: error: rank 1 found bad input"), r.output());
        assertTrue(r.seconds() < 60, "the job took " + r.seconds() + " s to end");
    }

    @Test
    void launchIsDetectedFromTheLaunchersVariables() {
        assertTrue(Mpi.launched(Map.of("OMPI_COMM_WORLD_SIZE", "2")));
        assertTrue(Mpi.launched(Map.of("PMIX_RANK", "0")));
        assertTrue(!Mpi.launched(Map.of("HOME", "/root")));
    }
}
