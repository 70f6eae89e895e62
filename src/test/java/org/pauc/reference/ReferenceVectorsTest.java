package org.pauc.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import org.pauc.ops.OpEvaluator;
import org.pauc.ops.OracleOps;

class ReferenceVectorsTest {
    static final Path COMMITTED = Path.of("reference-tests");

    /** The committed vectors of both generators (the oracle's and PyTorch's) pass against the oracle. */
    @TestFactory
    Stream<DynamicTest> committedVectorsPassOnTheOracle() {
        return ReferenceChecker.collect(List.of(COMMITTED)).stream().map(f -> DynamicTest.dynamicTest(f.toString(), () -> {
            ReferenceChecker.Outcome o = ReferenceChecker.check(f, OpEvaluator.ORACLE);
            assertTrue(o.pass(), o.line());
        }));
    }

    @Test
    void bothGeneratorsCoverEveryOp() throws IOException {
        for (String generator : List.of("oracle", "torch")) {
            Set<String> ops = new TreeSet<>();
            for (Path f : ReferenceChecker.collect(List.of(COMMITTED.resolve(generator)))) {
                ops.add(readOk(f).op());
            }
            assertEquals(new TreeSet<>(OracleOps.names()), ops, generator + " vectors");
        }
    }

    private static ReferenceVector readOk(Path f) {
        try {
            return ReferenceVector.read(f);
        } catch (MalformedVectorException e) {
            throw new AssertionError(f + ": " + e.getMessage());
        }
    }

    @Test
    void committedOracleVectorsAreWhatTheGeneratorWrites(@TempDir Path dir) throws IOException {
        ReferenceGenerator.generate(dir, 1);
        for (Path f : ReferenceChecker.collect(List.of(dir))) {
            Path committed = COMMITTED.resolve("oracle").resolve(dir.relativize(f));
            assertTrue(Files.exists(committed), "not committed: " + committed);
            assertEquals(Files.readString(committed), Files.readString(f), committed.toString());
        }
    }

    @Test
    void aWrittenVectorReadsBackExactly(@TempDir Path dir) throws Exception {
        Path f = ReferenceGenerator.generate(dir, 9).getFirst();
        ReferenceVector v = ReferenceVector.read(f);
        Path again = dir.resolve("again.json");
        v.write(again);
        ReferenceVector w = ReferenceVector.read(again);
        assertEquals(v.inputs(), w.inputs());
        assertEquals(v.expected(), w.expected());
        assertEquals(v.params(), w.params());
    }

    private static final Map<String, String> MALFORMED = Map.of(
            "bad-json.json", "bad JSON",
            "unknown-op.json", "unknown op 'softmax'",
            "wrong-shape.json", "info_nce: k must be 1×2",
            "data-length.json", "needs 4 values, data has 3",
            "missing-tolerance.json", "missing field 'tolerance'",
            "missing-input.json", "align: input pos is missing",
            "index-out-of-range.json", "align: pos[0] = 3 is out of range",
            "wrong-value.json", "loss: 1 of 1 elements outside");

    @Test
    void malformedOrWrongVectorsFailWithAOneLineReason() throws Exception {
        Path dir = Path.of(getClass().getResource("/malformed").toURI());
        for (Map.Entry<String, String> e : MALFORMED.entrySet()) {
            ReferenceChecker.Outcome o = ReferenceChecker.check(dir.resolve(e.getKey()), OpEvaluator.ORACLE);
            assertFalse(o.pass(), e.getKey());
            assertNotNull(o.reason());
            assertTrue(o.reason().contains(e.getValue()), e.getKey() + " gave: " + o.reason());
            assertFalse(o.line().contains("\n"), o.line());
        }
    }
}
