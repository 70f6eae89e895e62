package org.pauc.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pauc.testing.MpiRun;

/**
 * NCCL's host side, without a GPU: NVIDIA's library (the redistributable) loads through pauc's binding, reports its
 * version, makes unique ids, and the communicator's bootstrap carries rank 0's 128-byte id intact to every rank over
 * MPI. The communicator itself (ncclCommInitRank) and the collectives need a device.
 */
class NcclTest {
    static Nccl nccl() {
        return new Nccl(Redist.open(NativeLibs.NCCL, "libnccl.so.2"));
    }

    @Test
    void theLibraryLoadsAndMakesDistinctIds() throws Exception {
        Nccl n = nccl();
        assertTrue(n.version().matches("2\\.\\d+\\.\\d+"), n.version());
        byte[] a = n.uniqueId();
        byte[] b = n.uniqueId();
        assertEquals(Nccl.UNIQUE_ID_BYTES, a.length);
        assertFalse(Arrays.equals(a, b), "two ids differ");
    }

    @Test
    void rankZerosIdReachesEveryRankIntact(@TempDir Path dir) throws Exception {
        String lib = Redist.dir().resolve("libnccl.so.2").toAbsolutePath().toString();
        MpiRun.Result r = MpiRun.run(2, NcclProbe.class.getName(), List.of(lib), dir.resolve("nccl.log"), 120);
        assertEquals(0, r.exit(), r.output());
        String made = MpiRun.value(r.output(), 0, "made");
        assertEquals(2 * Nccl.UNIQUE_ID_BYTES, made.length());
        assertTrue(made.chars().anyMatch(ch -> ch != '0'), "a real id: " + made);
        for (int rank = 0; rank < 2; rank++) {
            assertEquals(made, MpiRun.value(r.output(), rank, "id"), "rank " + rank + "'s id");
            assertTrue(MpiRun.value(r.output(), rank, "version").startsWith("2."), r.output());
        }
        String shared = MpiRun.value(r.output(), 0, "shared");
        assertEquals(shared, MpiRun.value(r.output(), 1, "shared"), "Nccl.sharedId gives every rank rank 0's id");
        assertNotEquals(made, shared, "a second id is new");
    }
}
