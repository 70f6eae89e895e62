package org.pauc.reference;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.pauc.ops.NamedOp;
import org.pauc.ops.OpEvaluator;
import org.pauc.ops.OracleOps;
import org.pauc.ops.Tolerance;
import org.pauc.tensor.Tensor;

/**
 * Runs reference vectors on an evaluator and compares every expected output element-wise with the
 * tolerance that the evaluator is held to. A file that cannot be read or run is a failure with a reason;
 * the other files still run.
 */
public final class ReferenceChecker {

    /**
     * The outcome of one file. {@code reason} is null when it passed; {@code malformed} when the file itself is
     * bad (unreadable, not the format, shapes that do not fit the op) rather than the values failing.
     */
    public record Outcome(Path file, String name, double maxAbs, double maxRel, Tolerance tolerance, String reason,
                          boolean malformed) {
        public boolean pass() {
            return reason == null;
        }

        public String line() {
            String head = String.format("%-44s max_abs=%.3e max_rel=%.3e", name, maxAbs, maxRel);
            return pass() ? head + " PASS" : head + " FAIL  " + file + ": " + reason;
        }
    }

    private ReferenceChecker() {}

    /** Every {@code .json} file under the paths (a file is taken as given), sorted within each path. */
    public static List<Path> collect(List<Path> paths) {
        List<Path> files = new ArrayList<>();
        for (Path p : paths) {
            if (!Files.exists(p)) {
                throw new IllegalArgumentException("no such file or directory: " + p);
            }
            if (Files.isDirectory(p)) {
                try (Stream<Path> s = Files.walk(p)) {
                    s.filter(f -> Files.isRegularFile(f) && f.getFileName().toString().endsWith(".json"))
                            .sorted().forEach(files::add);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            } else {
                files.add(p);
            }
        }
        return files;
    }

    public static Outcome check(Path file, OpEvaluator evaluator) {
        String name = file.toString();
        try {
            ReferenceVector v = ReferenceVector.read(file);
            name = v.name();
            return compare(file, v, evaluator);
        } catch (MalformedVectorException | IllegalArgumentException e) {
            return new Outcome(file, name, Double.NaN, Double.NaN, null, e.getMessage(), true);
        } catch (UnsupportedOperationException e) {
            return new Outcome(file, name, Double.NaN, Double.NaN, null, e.getMessage(), false);
        } catch (RuntimeException e) {
            return new Outcome(file, name, Double.NaN, Double.NaN, null, e.getClass().getSimpleName() + ": " + e.getMessage(),
                    false);
        }
    }

    static Outcome compare(Path file, ReferenceVector v, OpEvaluator evaluator) {
        NamedOp op = OracleOps.get(v.op());
        List<String> known = op.outputNames(v.inputs().keySet());
        for (String key : v.expected().keySet()) {
            if (!known.contains(key)) {
                return new Outcome(file, v.name(), Double.NaN, Double.NaN, null,
                        "expected." + key + " is not an output of " + v.op() + " (outputs: " + known + ")", true);
            }
        }
        Map<String, Tensor> got = evaluator.evaluate(v.op(), v.inputs(), v.params());
        Tolerance tol = evaluator.tolerance(v.tolerance());
        double maxAbs = 0;
        double maxRel = 0;
        String reason = null;
        for (Map.Entry<String, Tensor> e : v.expected().entrySet()) {
            Tensor want = e.getValue();
            Tensor have = got.get(e.getKey());
            if (!sameShape(want.shape(), have.shape())) {
                return new Outcome(file, v.name(), Double.NaN, Double.NaN, tol, "expected." + e.getKey() + " has shape "
                        + want.shapeString() + " but " + v.op() + " gives " + have.shapeString(), true);
            }
            int bad = 0;
            int firstBad = -1;
            for (int i = 0; i < want.size(); i++) {
                double w = want.data()[i];
                double h = have.data()[i];
                double err = Math.abs(h - w);
                maxAbs = Math.max(maxAbs, Double.isNaN(err) ? Double.POSITIVE_INFINITY : err);
                if (w != 0) {
                    maxRel = Math.max(maxRel, err / Math.abs(w));
                }
                if (!tol.accepts(h, w)) {
                    if (bad++ == 0) {
                        firstBad = i;
                    }
                }
            }
            if (bad > 0 && reason == null) {
                reason = e.getKey() + ": " + bad + " of " + want.size() + " elements outside " + tol + " (first at "
                        + firstBad + ": got " + have.data()[firstBad] + ", want " + want.data()[firstBad] + ")";
            }
        }
        return new Outcome(file, v.name(), maxAbs, maxRel, tol, reason, false);
    }

    /** Equal shapes, with a scalar [] and a one-element [1] taken as the same. */
    private static boolean sameShape(int[] a, int[] b) {
        if (Arrays.equals(a, b)) {
            return true;
        }
        boolean aScalar = a.length == 0 || (a.length == 1 && a[0] == 1);
        boolean bScalar = b.length == 0 || (b.length == 1 && b[0] == 1);
        return aScalar && bScalar;
    }
}
