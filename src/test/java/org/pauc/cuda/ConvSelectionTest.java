package org.pauc.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.pauc.backend.Compute;

/** --conv: cuDNN where asked and found; a missing cuDNN falls back to im2col + cuBLAS with one line under auto. */
class ConvSelectionTest {
    static final ConvSelection.Opener MISSING = () -> {
        throw new NativeLibs.Missing("libcudnn.so.9 not found (set -Dpauc.cuda.libcudnn=PATH or PAUC_LIBCUDNN=PATH)");
    };

    final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    final PrintStream err = new PrintStream(bytes, true, StandardCharsets.UTF_8);

    String printed() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void autoWithoutCudnnFallsBackWithOneLine() {
        assertNull(ConvSelection.choose(Compute.threads(1), MISSING, err));
        assertEquals(1, printed().lines().count(), printed());
        assertTrue(printed().startsWith("pauc: cuDNN not usable (libcudnn.so.9 not found") && printed().contains("im2col"),
                printed());
    }

    @Test
    void cudnnAskedForButMissingIsAnError() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> ConvSelection.choose(Compute.threads(1).withConv(Compute.Conv.CUDNN), MISSING, err));
        assertTrue(e.getMessage().startsWith("--conv cudnn: libcudnn.so.9 not found"), e.getMessage());
    }

    @Test
    void im2colAndBf16NeverOpenIt() {
        ConvSelection.Opener never = () -> {
            throw new AssertionError("cuDNN must not be opened");
        };
        assertNull(ConvSelection.choose(Compute.threads(1).withConv(Compute.Conv.IM2COL), never, err));
        assertNull(ConvSelection.choose(Compute.threads(1).withPrecision(Compute.Precision.BF16), never, err));
        assertEquals("", printed());
        assertThrows(IllegalArgumentException.class, () -> ConvSelection.choose(Compute.threads(1)
                .withPrecision(Compute.Precision.BF16).withConv(Compute.Conv.CUDNN), never, err));
    }

    @Test
    void autoTakesCudnnWhereItIsFound() {
        assertNotNull(ConvSelection.choose(Compute.threads(1), CudnnTest::cudnn, err));
        assertEquals("", printed());
    }
}
