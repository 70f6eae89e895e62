package org.pauc.cuda;

import java.io.PrintStream;
import org.pauc.backend.Compute;

/** Which path a CUDA backend's convolutions take: cuDNN, or im2col + cuBLAS. */
final class ConvSelection {
    private ConvSelection() {}

    interface Opener {
        Cudnn open() throws NativeLibs.Missing;
    }

    /**
     * cuDNN, or null for im2col + cuBLAS. {@code auto} takes cuDNN where it is found and says in one line when it falls
     * back; {@code cudnn} without the library is an error; {@code im2col} never loads it. Under bf16 the convolutions
     * take im2col, whose GEMMs get bf16 inputs (pauc's cuDNN path is float32).
     */
    static Cudnn choose(Compute compute, Opener opener, PrintStream err) {
        if (compute.conv() == Compute.Conv.IM2COL) {
            return null;
        }
        if (compute.precision() == Compute.Precision.BF16) {
            if (compute.conv() == Compute.Conv.CUDNN) {
                throw new IllegalArgumentException("--conv cudnn: pauc's cuDNN path is float32; use --conv im2col or auto "
                        + "with --precision bf16");
            }
            return null;
        }
        try {
            return opener.open();
        } catch (NativeLibs.Missing | RuntimeException e) {
            if (compute.conv() == Compute.Conv.CUDNN) {
                throw new IllegalArgumentException("--conv cudnn: " + e.getMessage());
            }
            err.println("pauc: cuDNN not usable (" + e.getMessage() + "): convolutions use im2col + cuBLAS");
            return null;
        }
    }
}
