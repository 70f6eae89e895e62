package org.pauc.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The kernel source ships on the class path, parses, and defines every kernel the backend launches. */
class KernelSourceTest {

    @Test
    void everyLaunchedKernelIsDefinedInTheShippedSource() throws IOException {
        Map<String, List<KernelSignatures.Kind>> kernels = KernelSignatures.parse(CudaRuntime.kernelSource());
        assertTrue(kernels.size() >= 30, kernels.keySet().toString());
        String backend = Files.readString(Path.of("src/main/java/org/pauc/cuda/CudaBackend.java"))
                + Files.readString(Path.of("src/main/java/org/pauc/cuda/KernelLauncher.java"));
        Matcher m = Pattern.compile("(?:launch|elementwise|pool)\\(\"(\\w+)\"").matcher(backend);
        Set<String> used = new TreeSet<>();
        while (m.find()) {
            used.add(m.group(1));
        }
        assertTrue(used.size() >= 30, used.toString());
        for (String k : used) {
            assertTrue(kernels.containsKey(k), "launched but not defined: " + k);
        }
        assertEquals(kernels.keySet().stream().sorted().toList(), used.stream().toList(), "defined but never launched");
    }

    @Test
    void signaturesAreReadFromTheSource() {
        var k = KernelSignatures.parse("extern \"C\" __global__ void f(int n, const float* x, float s, long c, double d) {}\n"
                + "extern \"C\"  __global__ void g() {}");
        assertEquals(List.of(KernelSignatures.Kind.INT, KernelSignatures.Kind.POINTER, KernelSignatures.Kind.FLOAT,
                KernelSignatures.Kind.LONG, KernelSignatures.Kind.DOUBLE), k.get("f"));
        assertEquals(List.of(), k.get("g"));
        assertThrows(IllegalStateException.class, () -> KernelSignatures.parse(
                "extern \"C\" __global__ void h(short x) {}"));
    }

    @Test
    void launchArgumentsAreCheckedAgainstTheSignature() {
        var kinds = List.of(KernelSignatures.Kind.INT, KernelSignatures.Kind.POINTER, KernelSignatures.Kind.FLOAT);
        KernelSignatures.check("f", kinds, new Object[] {3, 0L, 1f});
        var count = assertThrows(IllegalArgumentException.class,
                () -> KernelSignatures.check("f", kinds, new Object[] {3, 0L}));
        assertEquals("kernel f takes 3 arguments, got 2", count.getMessage());
        var type = assertThrows(IllegalArgumentException.class,
                () -> KernelSignatures.check("f", kinds, new Object[] {3, 0L, 1.0}));
        assertTrue(type.getMessage().contains("argument 2 must be FLOAT"), type.getMessage());
        assertThrows(IllegalArgumentException.class, () -> KernelSignatures.check("nope", null, new Object[0]));
        assertFalse(CudaRuntime.kernelSource().contains("atomicAdd(float"), "float atomics would break determinism");
    }
}
