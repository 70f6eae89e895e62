package org.pauc.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

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
    public record Images(int count, int rows, int cols, byte[] pixels) {}

    private static InputStream open(Path file) throws IOException {
        InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        raw.mark(2);
        int b0 = raw.read();
        int b1 = raw.read();
        raw.reset();
        return b0 == 0x1f && b1 == 0x8b ? new BufferedInputStream(new GZIPInputStream(raw, 1 << 16), 1 << 16) : raw;
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

    public static Images readImages(Path file) throws DataException {
        try (DataInputStream in = new DataInputStream(open(file))) {
            header(in, file, IMAGES, "image");
            int count = in.readInt();
            int rows = in.readInt();
            int cols = in.readInt();
            if (count < 0 || rows <= 0 || cols <= 0 || (long) count * rows * cols > Integer.MAX_VALUE) {
                throw new DataException(file, "invalid dimensions " + count + "×" + rows + "×" + cols);
            }
            byte[] pixels = new byte[count * rows * cols];
            readFully(in, pixels, file, count + " images of " + rows + "×" + cols);
            return new Images(count, rows, cols, pixels);
        } catch (DataException e) {
            throw e;
        } catch (EOFException e) {
            throw new DataException(file, "truncated IDX header");
        } catch (IOException e) {
            throw new DataException(file, "cannot read: " + e.getMessage());
        }
    }

    public static int[] readLabels(Path file) throws DataException {
        try (DataInputStream in = new DataInputStream(open(file))) {
            header(in, file, LABELS, "label");
            int count = in.readInt();
            if (count < 0) {
                throw new DataException(file, "invalid label count " + count);
            }
            byte[] raw = new byte[count];
            readFully(in, raw, file, count + " labels");
            int[] labels = new int[count];
            for (int i = 0; i < count; i++) {
                labels[i] = raw[i] & 0xff;
            }
            return labels;
        } catch (DataException e) {
            throw e;
        } catch (EOFException e) {
            throw new DataException(file, "truncated IDX header");
        } catch (IOException e) {
            throw new DataException(file, "cannot read: " + e.getMessage());
        }
    }
}
