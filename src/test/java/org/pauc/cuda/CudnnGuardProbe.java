package org.pauc.cuda;

import java.util.Map;

/**
 * Run in a fresh JVM by {@link CudnnTest}: opens the libcudnn.so.9 of the folder given, which has none of its
 * sub-libraries, and prints what pauc says instead of letting cuDNN abort the process.
 */
public final class CudnnGuardProbe {
    private CudnnGuardProbe() {}

    public static void main(String[] args) throws Exception {
        try {
            Cudnn c = new Cudnn(NativeLibs.open(NativeLibs.CUDNN, Map.of(NativeLibs.CUDNN.property(), args[0]), Map.of()));
            System.out.println("opened: version " + c.version());
        } catch (CudaException e) {
            System.out.println("refused: " + e.getMessage());
        }
    }
}
