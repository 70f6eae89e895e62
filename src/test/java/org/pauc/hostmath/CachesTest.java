package org.pauc.hostmath;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Cache sizes read from a folder laid out as Linux's /sys/devices/system/cpu/cpu0/cache. */
class CachesTest {
    private static void index(Path dir, int i, String level, String type, String size) throws IOException {
        Path d = Files.createDirectories(dir.resolve("index" + i));
        Files.writeString(d.resolve("level"), level + "\n");
        Files.writeString(d.resolve("type"), type + "\n");
        Files.writeString(d.resolve("size"), size + "\n");
    }

    @Test
    void theDataOrUnifiedCacheOfALevelIsRead(@TempDir Path dir) throws IOException {
        index(dir, 0, "1", "Data", "48K");
        index(dir, 1, "1", "Instruction", "64K");
        index(dir, 2, "2", "Unified", "2048K");
        index(dir, 3, "3", "Unified", "300M");
        Files.createDirectories(dir.resolve("uevent-like"));
        assertEquals(48 << 10, Caches.dataBytes(dir, 1), "the data cache, not the larger instruction cache");
        assertEquals(2 << 20, Caches.dataBytes(dir, 2));
        assertEquals(300L << 20, Caches.dataBytes(dir, 3));
        assertEquals(0, Caches.dataBytes(dir, 4), "no such level");
    }

    @Test
    void nothingReportedOrUnreadableIsZero(@TempDir Path dir) throws IOException {
        assertEquals(0, Caches.dataBytes(dir.resolve("absent"), 2), "a VM that reports no caches");
        index(dir, 0, "2", "Unified", "lots");
        assertEquals(0, Caches.dataBytes(dir, 2));
        index(dir, 1, "two", "Unified", "1M");
        assertEquals(0, Caches.dataBytes(dir, 2), "a level that is not a number is no level");
    }

    @Test
    void sizesInTheirUnits() {
        assertEquals(32768, Caches.bytes("32768"));
        assertEquals(1 << 20, Caches.bytes("1024K"));
        assertEquals(1 << 20, Caches.bytes("1M"));
        assertEquals(1L << 30, Caches.bytes("1G"));
        assertEquals(0, Caches.bytes(""));
        assertEquals(0, Caches.bytes("-5K"));
    }
}
