package org.pauc.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Bounds on what pauc reads into memory, checked before anything is allocated: a file must be a regular file (not a
 * FIFO or a device, which could be read forever) no larger than its limit.
 */
public final class Limits {
    /** The largest checkpoint, reference vector or spec pauc reads whole: 1 GiB. */
    public static final long MAX_FILE_BYTES = 1L << 30;

    /**
     * The most deflate (gzip, PNG) expands its input, about 1 032 to 1 for a run of one byte value; JPEG's best case
     * (a flat image) stays far below it. A header that claims more than its file could hold at this ratio is a lie.
     */
    public static final long MAX_INFLATION = 1032;

    /** The default of {@link #maxImagePixels()}: 64 megapixels. */
    public static final long DEFAULT_MAX_IMAGE_PIXELS = 64L << 20;

    private static volatile long maxImagePixels = DEFAULT_MAX_IMAGE_PIXELS;

    /** The largest image pauc decodes, in pixels (its header's claim is checked before decoding). */
    public static long maxImagePixels() {
        return maxImagePixels;
    }

    /** Sets {@link #maxImagePixels()} (the commands' {@code --max-image-pixels}). */
    public static void setMaxImagePixels(long pixels) {
        if (pixels < 1) {
            throw new IllegalArgumentException("--max-image-pixels must be ≥ 1, got " + pixels);
        }
        maxImagePixels = pixels;
    }

    private Limits() {}

    /** The size of {@code file}, after checking that it is a readable regular file of at most {@code max} bytes. */
    public static long checkRegularFile(Path file, long max, String what) throws InputException {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            throw new InputException(file, "no such " + what);
        } catch (IOException e) {
            throw new InputException(file, "cannot read the " + what + " (" + e.getClass().getSimpleName() + ")");
        }
        if (!a.isRegularFile()) {
            String kind = a.isDirectory() ? "a folder" : Files.isSymbolicLink(file) && !Files.exists(file)
                    ? "a dangling link" : "not a regular file";
            throw new InputException(file, "expected a " + what + ", found " + kind);
        }
        if (!Files.isReadable(file)) {
            throw new InputException(file, "the " + what + " is not readable (permission denied)");
        }
        if (a.size() > max) {
            throw new InputException(file, "the " + what + " has " + a.size() + " bytes, more than the limit of " + max);
        }
        return a.size();
    }

    /** The bytes of {@code file}, checked by {@link #checkRegularFile}. */
    public static byte[] readRegularFile(Path file, long max, String what) throws InputException {
        checkRegularFile(file, max, what);
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new InputException(file, "cannot read the " + what + " (" + e.getClass().getSimpleName() + ")");
        }
    }

}
