package org.pauc.hostmath;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The vector width every CPU kernel uses: the processor's preferred one, or the width named by the system property
 * {@code pauc.vector.bits} (128, 256 or 512).
 *
 * <p>The CPU backend's bits depend on the lane count (a sum over lanes, the register block's rows), so a run on a
 * machine with 512-bit vectors differs in its last bits from one with 256-bit vectors. Naming a width wider than the
 * processor's runs the Vector API's portable Java code for it: many times slower, but the same bits as a processor
 * of that width (every lanewise operation is IEEE and lanes are summed in lane order, never by
 * {@code reduceLanes(ADD)}), so a machine with AVX2 can reproduce, and record, an AVX-512 machine's results.
 */
public final class VectorWidth {
    /** The system property that overrides the preferred width. */
    public static final String PROPERTY = "pauc.vector.bits";
    /** The float species of every CPU kernel. */
    public static final VectorSpecies<Float> FLOAT = VectorSpecies.of(float.class, shape());
    /** The double species of the same width. */
    public static final VectorSpecies<Double> DOUBLE = VectorSpecies.of(double.class, shape());

    private VectorWidth() {}

    /** A one-line warning when the width named is wider than the processor's (portable code, slow), else null. */
    public static String slowWarning() {
        int preferred = FloatVector.SPECIES_PREFERRED.vectorBitSize();
        return FLOAT.vectorBitSize() <= preferred ? null
                : FLOAT.vectorBitSize() + "-bit vectors on a processor with " + preferred + "-bit ones run the Vector "
                        + "API's portable code: the bits of a " + FLOAT.vectorBitSize() + "-bit machine, many times slower";
    }

    /** A one-line complaint about a {@link #PROPERTY} that names no width, or null when it is absent or valid. */
    public static String problem() {
        return problem(System.getProperty(PROPERTY));
    }

    static String problem(String named) {
        return named == null || bitsOf(named) > 0 ? null
                : "-D" + PROPERTY + "=" + named + ": the vector width must be 128, 256 or 512 bits";
    }

    private static int bitsOf(String named) {
        return switch (named.strip()) {
            case "128" -> 128;
            case "256" -> 256;
            case "512" -> 512;
            default -> -1;
        };
    }

    /** The named width, or the processor's where none (or no valid one) is named: the CLI refuses an invalid one. */
    private static VectorShape shape() {
        String named = System.getProperty(PROPERTY);
        return problem(named) != null || named == null ? FloatVector.SPECIES_PREFERRED.vectorShape()
                : VectorShape.forBitSize(bitsOf(named));
    }
}
