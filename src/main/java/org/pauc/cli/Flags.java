package org.pauc.cli;

/** Range checks of the flags that are not training settings (those are checked by the configuration). */
final class Flags {
    private Flags() {}

    /** Fails with a one-line error naming the flag unless min ≤ value ≤ max (NaN fails). */
    static void range(String flag, double value, double min, double max) {
        if (!(value >= min && value <= max)) {
            throw new IllegalArgumentException(flag + " must be in [" + format(min) + ", " + format(max) + "], got "
                    + format(value));
        }
    }

    /** Fails unless 0 < value ≤ max. */
    static void positive(String flag, double value, double max) {
        if (!(value > 0 && value <= max)) {
            throw new IllegalArgumentException(flag + " must be in (0, " + format(max) + "], got " + format(value));
        }
    }

    private static String format(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }
}
