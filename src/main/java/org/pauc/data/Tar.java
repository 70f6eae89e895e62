package org.pauc.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads and writes the tar files of WebDataset shards: POSIX ustar headers, with GNU long names ('L') and pax
 * extended headers ('x', their {@code path}) when reading. Only regular files are listed; every header's checksum is
 * verified, and a shard that ends inside a header or a member is an error naming the shard and the offset.
 */
public final class Tar {
    static final int BLOCK = 512;

    /** A regular file in the tar: its name, where its bytes start and how many there are. */
    public record Member(String name, long offset, long size) {}

    private Tar() {}

    public static List<Member> list(Path tar) throws DataException {
        List<Member> out = new ArrayList<>();
        try (FileChannel ch = FileChannel.open(tar, StandardOpenOption.READ)) {
            long length = ch.size();
            long pos = 0;
            String longName = null;
            ByteBuffer header = ByteBuffer.allocate(BLOCK);
            while (pos + BLOCK <= length) {
                header.clear();
                readFully(ch, header, pos, tar);
                byte[] h = header.array();
                if (allZero(h)) {
                    return out;
                }
                if (!checksumOk(h)) {
                    throw new DataException(tar, "corrupt tar header at byte " + pos + " (checksum)");
                }
                long size = number(h, 124, 12, tar, pos);
                char type = (char) h[156];
                long data = pos + BLOCK;
                if (size < 0 || data + size > length) {
                    throw new DataException(tar, "ends inside the member at byte " + pos + " (truncated shard)");
                }
                String name = longName != null ? longName : name(h);
                longName = null;
                if (type == 'L' || type == 'x') {
                    if (size > 1 << 20) {
                        throw new DataException(tar, "an extended header of " + size + " bytes at byte " + pos);
                    }
                    ByteBuffer b = ByteBuffer.allocate((int) size);
                    readFully(ch, b, data, tar);
                    longName = type == 'L' ? cString(b.array(), 0, (int) size) : paxPath(b.array(), tar, pos);
                } else if (type == '0' || type == '\0' || type == '7') {
                    out.add(new Member(name, data, size));
                }
                pos = data + (size + BLOCK - 1) / BLOCK * BLOCK;
            }
            if (pos < length) {
                throw new DataException(tar, "ends inside a header at byte " + pos + " (truncated shard)");
            }
            return out;
        } catch (DataException e) {
            throw e;
        } catch (IOException e) {
            throw new DataException(tar, "cannot read: " + e.getMessage());
        }
    }

    /** The bytes of a member, at most {@code max} of them. */
    static byte[] read(Path tar, Member m, int max) throws DataException {
        ByteBuffer b = ByteBuffer.allocate((int) Math.min(m.size(), max));
        try (FileChannel ch = FileChannel.open(tar, StandardOpenOption.READ)) {
            readFully(ch, b, m.offset(), tar);
        } catch (IOException e) {
            throw new DataException(tar, "cannot read: " + e.getMessage());
        }
        return b.array();
    }

    private static void readFully(FileChannel ch, ByteBuffer b, long pos, Path tar) throws IOException, DataException {
        while (b.hasRemaining()) {
            int r = ch.read(b, pos + b.position());
            if (r < 0) {
                throw new DataException(tar, "ends at byte " + (pos + b.position()) + " (truncated shard)");
            }
        }
    }

    private static boolean allZero(byte[] h) {
        for (byte x : h) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    private static boolean checksumOk(byte[] h) {
        long sum = 0;
        for (int i = 0; i < BLOCK; i++) {
            sum += i >= 148 && i < 156 ? ' ' : h[i] & 0xff;
        }
        String field = cString(h, 148, 8).trim();
        try {
            return !field.isEmpty() && Long.parseLong(field, 8) == sum;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** An octal field, or GNU's base-256 form (high bit set). */
    private static long number(byte[] h, int off, int len, Path tar, long pos) throws DataException {
        if ((h[off] & 0x80) != 0) {
            long v = h[off] & 0x7f;
            for (int i = 1; i < len; i++) {
                v = (v << 8) | (h[off + i] & 0xff);
            }
            return v;
        }
        String s = cString(h, off, len).trim();
        try {
            return s.isEmpty() ? 0 : Long.parseLong(s, 8);
        } catch (NumberFormatException e) {
            throw new DataException(tar, "corrupt tar header at byte " + pos + " (size '" + s + "')");
        }
    }

    private static String name(byte[] h) {
        String name = cString(h, 0, 100);
        String magic = cString(h, 257, 6);
        if (magic.startsWith("ustar")) {
            String prefix = cString(h, 345, 155);
            if (!prefix.isEmpty()) {
                return prefix + "/" + name;
            }
        }
        return name;
    }

    private static String cString(byte[] b, int off, int len) {
        int end = off;
        while (end < off + len && b[end] != 0) {
            end++;
        }
        return new String(b, off, end - off, StandardCharsets.UTF_8);
    }

    /**
     * The {@code path} record of a pax extended header, or null. The header is a sequence of records
     * "LEN KEY=VALUE\n" where LEN is the record's length in bytes, LEN included, in decimal; a record that breaks
     * that form is a malformed shard.
     */
    private static String paxPath(byte[] b, Path tar, long at) throws DataException {
        String path = null;
        int i = 0;
        while (i < b.length) {
            int sp = i;
            while (sp < b.length && b[sp] >= '0' && b[sp] <= '9' && sp - i < 10) {
                sp++;
            }
            if (sp == i || sp >= b.length || b[sp] != ' ') {
                throw new DataException(tar, "malformed pax record at byte " + i + " of the extended header at byte " + at
                        + " (its length is not a decimal number followed by a space)");
            }
            long len = Long.parseLong(new String(b, i, sp - i, StandardCharsets.US_ASCII));
            if (len <= sp - i + 1 || i + len > b.length || b[(int) (i + len - 1)] != '\n') {
                throw new DataException(tar, "malformed pax record at byte " + i + " of the extended header at byte " + at
                        + " (length " + len + " does not end the record at a newline inside the header)");
            }
            String rec = new String(b, sp + 1, (int) (i + len - 1 - sp - 1), StandardCharsets.UTF_8);
            int eq = rec.indexOf('=');
            if (eq <= 0) {
                throw new DataException(tar, "malformed pax record at byte " + i + " of the extended header at byte " + at
                        + " (no KEY=VALUE)");
            }
            if (rec.startsWith("path=")) {
                path = rec.substring(5);
            }
            i += (int) len;
        }
        return path;
    }

    /** Writes a ustar member header for a regular file of {@code size} bytes (name at most 100 bytes). */
    static byte[] header(String name, long size) {
        return header(name, size, '0');
    }

    /** A ustar header of a member of {@code type} ('0' a file, 'x' a pax extended header, 'L' a GNU long name). */
    static byte[] header(String name, long size, char type) {
        byte[] h = new byte[BLOCK];
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        if (n.length > 100) {
            throw new IllegalArgumentException("tar member name over 100 bytes: " + name);
        }
        System.arraycopy(n, 0, h, 0, n.length);
        put(h, 100, 8, "0000644");
        put(h, 108, 8, "0000000");
        put(h, 116, 8, "0000000");
        put(h, 124, 12, String.format("%011o", size));
        put(h, 136, 12, "00000000000");
        h[156] = (byte) type;
        put(h, 257, 6, "ustar");
        h[263] = '0';
        h[264] = '0';
        long sum = 0;
        for (int i = 0; i < BLOCK; i++) {
            sum += i >= 148 && i < 156 ? ' ' : h[i] & 0xff;
        }
        put(h, 148, 8, String.format("%06o", sum));
        h[155] = ' ';
        return h;
    }

    private static void put(byte[] h, int off, int len, String s) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(b, 0, h, off, Math.min(len, b.length));
    }
}
