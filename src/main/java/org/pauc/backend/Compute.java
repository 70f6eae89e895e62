package org.pauc.backend;

import java.util.Locale;

/**
 * How a backend computes: its host threads, the precision of the inputs of GEMMs and convolutions, and (on CUDA) the
 * convolution algorithm. Results never depend on the threads; they do on the precision.
 *
 * @param threads   CPU threads for host-side work
 * @param precision {@code fp32}, or {@code bf16}: GEMM and convolution inputs rounded to bfloat16 (8 significant bits),
 *                  accumulation, master weights, optimiser state, batch-norm statistics and every loss term in fp32
 * @param conv      {@code auto} (cuDNN where it is found, else im2col + GEMM), {@code cudnn} or {@code im2col}
 */
public record Compute(int threads, Precision precision, Conv conv) {
    public enum Precision {
        FP32, BF16
    }

    public enum Conv {
        AUTO, CUDNN, IM2COL
    }

    /** fp32 with the default convolution algorithm. */
    public static Compute threads(int threads) {
        return new Compute(threads, Precision.FP32, Conv.AUTO);
    }

    public Compute withPrecision(Precision p) {
        return new Compute(threads, p, conv);
    }

    public Compute withConv(Conv c) {
        return new Compute(threads, precision, c);
    }

    public static Precision precision(String label) {
        return parse(Precision.class, "--precision", label);
    }

    public static Conv conv(String label) {
        return parse(Conv.class, "--conv", label);
    }

    /** The label users type: the constant in lower case. */
    private static String label(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }

    private static <E extends Enum<E>> E parse(Class<E> type, String flag, String label) {
        for (E e : type.getEnumConstants()) {
            if (label(e).equals(label)) {
                return e;
            }
        }
        StringBuilder known = new StringBuilder();
        for (E e : type.getEnumConstants()) {
            known.append(known.isEmpty() ? "" : ", ").append(label(e));
        }
        throw new IllegalArgumentException(flag + " must be one of " + known + ", got '" + label + "'");
    }

    /**
     * x rounded to the nearest bfloat16 (ties to even), as a float: the top 16 bits of its IEEE pattern after
     * rounding. NaN stays NaN; infinities stay.
     */
    public static float bf16(float x) {
        int bits = Float.floatToRawIntBits(x);
        if ((bits & 0x7f800000) == 0x7f800000) {
            return (bits & 0x007fffff) != 0 ? Float.NaN : x;
        }
        int rounded = bits + 0x7fff + ((bits >>> 16) & 1);
        return Float.intBitsToFloat(rounded & 0xffff0000);
    }
}
