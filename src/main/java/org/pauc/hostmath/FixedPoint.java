package org.pauc.hostmath;

/**
 * Exact sums of floats in 64-bit fixed point, for reductions whose result must not depend on the order of addition
 * (threads, GPU atomics): each value is scaled by a power of two and rounded to the nearest integer (ties to even),
 * the integers are added exactly, the sum is scaled back. With n values of magnitude at most m and n·m &lt; 2^e,
 * the scale 2^(62−e) keeps every partial sum below 2^63; each value is off by at most half a unit, 2^(e−63).
 * The CUDA kernels follow the same rule ({@code fixed_sums}), so a sum has the same bits on every backend.
 */
public final class FixedPoint {
    private FixedPoint() {}

    /** The scale for sums of up to n values of magnitude at most maxAbs (1 when they are all 0). */
    public static double scale(long n, double maxAbs) {
        if (!(maxAbs > 0) || n == 0) {
            return 1;
        }
        int e = Math.getExponent(n * maxAbs) + 1;
        return Math.scalb(1.0, 62 - e);
    }

    public static long fixed(float v, double scale) {
        return (long) Math.rint(v * scale);
    }

    public static float toFloat(long sum, double scale) {
        return (float) (sum / scale);
    }
}
