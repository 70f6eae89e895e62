package org.pauc.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * NVIDIA's redistributable libraries that the build unpacks into target/cuda-redist for the tests (see pom.xml):
 * NVRTC, cuDNN and NCCL, which load and work in part on a machine without a GPU.
 */
final class Redist {
    private Redist() {}

    static Path dir() {
        return Path.of(System.getProperty("pauc.test.cudaRedist", "target/cuda-redist"));
    }

    /** The library, opened for the life of the test JVM; fails naming the file when the build did not unpack it. */
    static SymbolLookup open(String soname) {
        Path p = dir().resolve(soname);
        if (!Files.isRegularFile(p)) {
            throw new IllegalStateException(p + " is missing: the build unpacks it from org.bytedeco:cuda "
                    + "(linux-x86_64-redist) in generate-test-resources");
        }
        return SymbolLookup.libraryLookup(p, Arena.global());
    }
}
