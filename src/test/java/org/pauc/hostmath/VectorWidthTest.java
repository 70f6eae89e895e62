package org.pauc.hostmath;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class VectorWidthTest {
    @Test
    void everyKernelSharesOneWidth() {
        assertEquals(VectorWidth.FLOAT.vectorBitSize(), VectorWidth.DOUBLE.vectorBitSize());
        assertEquals(VectorWidth.FLOAT, Gemm.S);
        assertEquals(VectorWidth.FLOAT, Vec.S);
        String named = System.getProperty(VectorWidth.PROPERTY);
        if (named != null) {
            assertEquals(Integer.parseInt(named.strip()), VectorWidth.FLOAT.vectorBitSize());
        }
    }

    @Test
    void onlyTheThreeWidthsAreAccepted() {
        for (String ok : new String[] {null, "128", "256", " 512 "}) {
            assertNull(VectorWidth.problem(ok), ok);
        }
        for (String bad : new String[] {"", "64", "1024", "wide", "512b"}) {
            String p = VectorWidth.problem(bad);
            assertTrue(p != null && p.contains("128, 256 or 512") && !p.contains("\n"), bad);
        }
    }
}
