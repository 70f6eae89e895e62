package org.pauc.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pauc.dist.Local;
import org.pauc.testing.MpiRun;

/**
 * k-means shared out over 2 and 3 processes ({@code mpirun}) gives every process one process's result to the bit:
 * centroids, assignments and inertia.
 */
class DistKMeansTest {

    @Test
    void sharedOutKMeansEqualsOneProcessToTheBit(@TempDir Path dir) throws Exception {
        for (int np : new int[] {2, 3}) {
            MpiRun.Result r = MpiRun.run(np, DistKMeansProbe.class.getName(), List.of(), dir.resolve("np" + np + ".log"),
                    180);
            assertEquals(0, r.exit(), r.output());
            for (int i = 0; i < DistKMeansProbe.CASES.length; i++) {
                String one = DistKMeansProbe.describe(DistKMeansProbe.fit(DistKMeansProbe.CASES[i], Local.INSTANCE));
                for (int q = 0; q < np; q++) {
                    assertEquals(one, MpiRun.value(r.output(), q, "case" + i), "np " + np + " rank " + q
                            + " case " + i);
                }
            }
        }
    }
}
