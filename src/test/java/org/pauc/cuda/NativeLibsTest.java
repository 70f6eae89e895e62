package org.pauc.cuda;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Library lookup failures are one-line messages that say what was tried and how to point at the file. */
class NativeLibsTest {
    private static final NativeLibs.Spec NOTHING = new NativeLibs.Spec("libnothing", List.of("libpauc-nothing.so.9"));

    @Test
    void aMissingLibraryNamesItsSonamesAndTheOverrides() {
        var e = assertThrows(NativeLibs.Missing.class, () -> NativeLibs.open(NOTHING, Map.of(), Map.of()));
        assertTrue(e.getMessage().startsWith("libpauc-nothing.so.9 not found"), e.getMessage());
        assertTrue(e.getMessage().contains("-Dpauc.cuda.libnothing=PATH") && e.getMessage().contains("PAUC_LIBNOTHING=PATH"),
                e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    @Test
    void anOverrideThatIsNoFileIsReportedWithItsOrigin() {
        var p = assertThrows(NativeLibs.Missing.class, () -> NativeLibs.open(NOTHING,
                Map.of("pauc.cuda.libnothing", "/no/such/libx.so"), Map.of("PAUC_LIBNOTHING", "/other")));
        assertTrue(p.getMessage().equals("-Dpauc.cuda.libnothing=/no/such/libx.so: no such file"), p.getMessage());
        var v = assertThrows(NativeLibs.Missing.class, () -> NativeLibs.open(NOTHING, Map.of(),
                Map.of("PAUC_LIBNOTHING", "/no/such/liby.so")));
        assertTrue(v.getMessage().equals("PAUC_LIBNOTHING=/no/such/liby.so: no such file"), v.getMessage());
    }

    @Test
    void anOverrideThatIsNoLibraryCannotBeOpened(@TempDir Path dir) throws IOException {
        Path fake = Files.writeString(dir.resolve("libfake.so"), "not an ELF file");
        var e = assertThrows(NativeLibs.Missing.class, () -> NativeLibs.open(NOTHING,
                Map.of("pauc.cuda.libnothing", fake.toString()), Map.of()));
        assertTrue(e.getMessage().startsWith("-Dpauc.cuda.libnothing=" + fake + ": cannot open it"), e.getMessage());
    }

    @Test
    void theSearchFoldersIncludeTheWheelsOfAVirtualEnvironment(@TempDir Path dir) throws IOException {
        Path lib = Files.createDirectories(dir.resolve("lib/python3.12/site-packages/nvidia/cublas/lib"));
        List<Path> dirs = NativeLibs.searchDirs(Map.of("VIRTUAL_ENV", dir.toString(), "CUDA_HOME", dir.toString()));
        assertTrue(dirs.contains(lib), dirs.toString());
    }
}
