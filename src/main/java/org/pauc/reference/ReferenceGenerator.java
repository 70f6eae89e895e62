package org.pauc.reference;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.pauc.ops.Cases;
import org.pauc.ops.OracleOps;
import org.pauc.ops.Tolerance;

/** Writes one reference vector per case of every op ({@link Cases}), with the oracle's outputs as expected values. */
public final class ReferenceGenerator {
    /** What another double-precision implementation must meet on these vectors. */
    public static final Tolerance TOLERANCE = new Tolerance(1e-9, 1e-12);

    private ReferenceGenerator() {}

    /** Writes DIR/OP/CASE.json for every case; returns the files written. */
    public static List<Path> generate(Path dir, long seed) throws IOException {
        List<Path> written = new ArrayList<>();
        for (Cases.Case c : Cases.all(seed)) {
            var expected = OracleOps.get(c.op()).evaluate(c.inputs(), c.params());
            ReferenceVector v = new ReferenceVector(c.op(), c.id(), c.params(), c.inputs(), expected, TOLERANCE);
            Path file = dir.resolve(c.op()).resolve(c.name() + ".json");
            v.write(file);
            written.add(file);
        }
        return written;
    }
}
