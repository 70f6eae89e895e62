package org.pauc.hostmath;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The cache sizes Linux reports for the first processor ({@code /sys/devices/system/cpu/cpu0/cache/index*}: each
 * with its {@code level}, {@code type} and {@code size}). Some virtual machines report none; then every size is 0 and
 * the kernels keep their fixed block sizes.
 */
public final class Caches {
    /** Where Linux describes cpu0's caches. */
    static final Path SYS = Path.of("/sys/devices/system/cpu/cpu0/cache");

    private Caches() {}

    /** One core's level-2 cache (data or unified) in bytes, or 0 where none is reported. */
    public static long l2Bytes() {
        return dataBytes(SYS, 2);
    }

    /** The data or unified cache of {@code level} under {@code dir} in bytes, or 0 where none is described. */
    static long dataBytes(Path dir, int level) {
        try (var entries = Files.list(dir)) {
            return entries.filter(p -> p.getFileName().toString().startsWith("index"))
                    .filter(p -> level == number(read(p.resolve("level"))))
                    .filter(p -> !read(p.resolve("type")).equalsIgnoreCase("Instruction"))
                    .mapToLong(p -> bytes(read(p.resolve("size"))))
                    .max().orElse(0);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** A size as /sys writes it ("2048K", "1M", "32768"), in bytes; 0 when it cannot be read. */
    static long bytes(String size) {
        String s = size.strip().toUpperCase(Locale.ROOT);
        long unit = 1;
        if (s.endsWith("K")) {
            unit = 1L << 10;
        } else if (s.endsWith("M")) {
            unit = 1L << 20;
        } else if (s.endsWith("G")) {
            unit = 1L << 30;
        }
        long n = number(unit == 1 ? s : s.substring(0, s.length() - 1));
        return n < 0 ? 0 : n * unit;
    }

    private static long number(String s) {
        try {
            return Long.parseLong(s.strip());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.US_ASCII).strip();
        } catch (IOException e) {
            return "";
        }
    }
}
