package org.pauc.cuda;

import java.lang.foreign.SymbolLookup;
import java.nio.file.Path;
import java.util.Map;

/**
 * NVIDIA's redistributable libraries that the build unpacks into target/cuda-redist for the tests (see pom.xml):
 * NVRTC, cuDNN and NCCL, which load and work in part on a machine without a GPU.
 */
final class Redist {
    private Redist() {}

    static Path dir() {
        return Path.of(System.getProperty("pauc.test.cudaRedist", "target/cuda-redist"));
    }

    /**
     * The library {@code soname} of the unpacked folder, found as a user's would be with -Dpauc.cuda.KEY=PATH (so its
     * companions come from the same folder); fails naming the folder when the build did not unpack it.
     */
    static SymbolLookup open(NativeLibs.Spec spec, String soname) {
        try {
            return NativeLibs.open(spec, Map.of(spec.property(), dir().resolve(soname).toString()), Map.of());
        } catch (NativeLibs.Missing e) {
            throw new AssertionError(e.getMessage() + " (the build unpacks it into " + dir()
                    + " from org.bytedeco:cuda's linux-x86_64-redist jar)", e);
        }
    }
}
