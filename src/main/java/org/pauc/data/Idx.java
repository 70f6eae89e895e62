package org.pauc.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;
import org.pauc.io.InputException;
import org.pauc.io.Limits;

/**
 * Reader of IDX files (the MNIST / Fashion-MNIST format), plain or gzip-compressed: a big-endian magic number
 * (0x00000803 for images, 0x00000801 for labels), the dimensions as big-endian int32, then unsigned bytes.
 * Every problem is a {@link DataException} naming the file and what is wrong.
 */
public final class Idx {
    static final int IMAGES = 0x00000803;
    static final int LABELS = 0x00000801;

    private Idx() {}

    /** Images of an IDX file: count × rows × cols unsigned bytes. */
    /** The images read (count of them) and how many the file holds (total). */
    public record Images(int count, int rows, int cols, byte[] pixels, int total) {}

    /** The labels read and how many the file holds. */
    public record Labels(int[] values, int total) {}

    /** The largest IDX file, compressed or not: 2 GiB of pixels, the most a Java array holds. */
    static final long MAX_BYTES = Integer.MAX_VALUE;

    /** Reads the body of an IDX file after its magic number. */
    @FunctionalInterface
    private interface Body<T> {
        T read(DataInputStream in, long payloadLimit) throws IOException;
    }

    /**
     * Opens {@code file} (a regular file, plain or gzip), checks the magic number, runs {@code body} with a bound on
     * the bytes the file can hold, then checks that nothing follows the data; a gzip stream's trailer (CRC and size)
     * is verified by reading to its end. Every failure is one {@link DataException}.
     */
    private static <T> T read(Path file, int expectedMagic, String what, Body<T> body) throws DataException {
        long size;
        try {
            size = Limits.checkRegularFile(file, MAX_BYTES, "IDX " + what + " file");
        } catch (InputException e) {
            throw new DataException(e.getMessage());
        }
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            raw.mark(2);
            int b0 = raw.read();
            int b1 = raw.read();
            raw.reset();
            boolean gzip = b0 == 0x1f && b1 == 0x8b;
            // a gzip trailer's size is the writer's claim: deflate expands at most about 1 032 times, so the
            // compressed size bounds what the stream can hold, whatever the trailer says
            long limit = gzip ? Math.min(gzipSize(file, size), Limits.MAX_INFLATION * size + 1024) : size;
            try (DataInputStream in = new DataInputStream(gzip
                    ? new BufferedInputStream(new GZIPInputStream(raw, 1 << 16), 1 << 16) : raw)) {
                header(in, file, expectedMagic, what);
                T result = body.read(in, limit);
                if (in.read() != -1) {
                    throw new DataException(file, "data follows the " + what + "s the header announces");
                }
                return result;
            }
        } catch (DataException e) {
            throw e;
        } catch (EOFException e) {
            throw new DataException(file, "truncated IDX header");
        } catch (ZipException e) {
            throw new DataException(file, "corrupt gzip data (" + e.getMessage() + ")");
        } catch (IOException e) {
            throw new DataException(file, "cannot read: " + e.getMessage());
        }
    }

    /** The uncompressed size a gzip file declares in its trailer (exact below 4 GiB, which IDX files are). */
    private static long gzipSize(Path file, long size) throws IOException {
        if (size < 18) {
            throw new DataException(file, "truncated gzip file");
        }
        try (SeekableByteChannel ch = Files.newByteChannel(file)) {
            ByteBuffer b = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
            ch.position(size - 4);
            while (b.hasRemaining() && ch.read(b) >= 0) {
                // a 4-byte read
            }
            return Integer.toUnsignedLong(b.getInt(0));
        }
    }

    private static int header(DataInputStream in, Path file, int expectedMagic, String what) throws IOException {
        int magic;
        try {
            magic = in.readInt();
        } catch (EOFException e) {
            throw new DataException(file, "empty or truncated IDX header");
        }
        if (magic != expectedMagic) {
            throw new DataException(file, String.format("not an IDX %s file (magic 0x%08x, expected 0x%08x)", what, magic,
                    expectedMagic));
        }
        return magic;
    }

    private static void readFully(DataInputStream in, byte[] dst, Path file, String what) throws IOException {
        int off = 0;
        while (off < dst.length) {
            int r = in.read(dst, off, dst.length - off);
            if (r < 0) {
                throw new DataException(file, "truncated: " + what + " needs " + dst.length + " bytes, the file has " + off);
            }
            off += r;
        }
    }

    /** The product of non-negative sizes, or Long.MAX_VALUE when it overflows. */
    private static long product(int... sizes) {
        long p = 1;
        try {
            for (int s : sizes) {
                p = Math.multiplyExact(p, s);
            }
            return p;
        } catch (ArithmeticException overflow) {
            return Long.MAX_VALUE;
        }
    }

    private static void skip(DataInputStream in, long n, Path file, String what) throws IOException {
        byte[] sink = new byte[1 << 16];
        long left = n;
        while (left > 0) {
            int r = in.read(sink, 0, (int) Math.min(sink.length, left));
            if (r < 0) {
                throw new DataException(file, "truncated: " + what + " need more bytes than the file has");
            }
            left -= r;
        }
    }

    public static Images readImages(Path file) throws DataException {
        return readImages(file, 0);
    }

    /** The first {@code max} images (all when {@code max} is 0); the rest is read past, unconverted, to check it. */
    public static Images readImages(Path file, int max) throws DataException {
        return read(file, IMAGES, "image", (in, limit) -> {
            int count = in.readInt();
            int rows = in.readInt();
            int cols = in.readInt();
            long bytes = count < 0 || rows <= 0 || cols <= 0 ? -1 : product(count, rows, cols);
            if (bytes < 0 || bytes > Integer.MAX_VALUE) {
                throw new DataException(file, "invalid dimensions " + count + "×" + rows + "×" + cols);
            }
            if (bytes + 16 > limit) {
                throw new DataException(file, "the header announces " + count + " images of " + rows + "×" + cols
                        + " (" + (bytes + 16) + " bytes), the file holds " + limit);
            }
            int kept = max > 0 ? Math.min(max, count) : count;
            byte[] pixels = new byte[kept * rows * cols];
            readFully(in, pixels, file, count + " images of " + rows + "×" + cols);
            skip(in, bytes - pixels.length, file, count + " images of " + rows + "×" + cols);
            return new Images(kept, rows, cols, pixels, count);
        });
    }

    public static int[] readLabels(Path file) throws DataException {
        return readLabels(file, 0);
    }

    /** The first {@code max} labels (all when {@code max} is 0); the rest is read past to check it. */
    public static int[] readLabels(Path file, int max) throws DataException {
        return readLabelFile(file, max).values();
    }

    /** As {@link #readLabels(Path, int)}, with the number of labels the file holds. */
    public static Labels readLabelFile(Path file, int max) throws DataException {
        return read(file, LABELS, "label", (in, limit) -> {
            int count = in.readInt();
            if (count < 0) {
                throw new DataException(file, "invalid label count " + count);
            }
            if (count + 8L > limit) {
                throw new DataException(file, "the header announces " + count + " labels (" + (count + 8L)
                        + " bytes), the file holds " + limit);
            }
            byte[] raw = new byte[max > 0 ? Math.min(max, count) : count];
            readFully(in, raw, file, count + " labels");
            skip(in, count - raw.length, file, count + " labels");
            int[] labels = new int[raw.length];
            for (int i = 0; i < raw.length; i++) {
                labels[i] = raw[i] & 0xff;
            }
            return new Labels(labels, count);
        });
    }
}
