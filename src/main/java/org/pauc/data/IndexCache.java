package org.pauc.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.pauc.io.AtomicFile;
import org.pauc.io.Limits;

/**
 * The binary cache of a streamed dataset's index, kept in the run directory: reused while what the index was built
 * from is unchanged (the modification times and sizes of the folders, shards or list).
 */
final class IndexCache {
    private static final String CACHE_FORMAT = "pauc-index/1";

    private IndexCache() {}

    /** Modification time and size of each watched path, as the cache's key. */
    static String fingerprint(String spec, List<Path> watch) throws DataException {
        StringBuilder sb = new StringBuilder(spec);
        for (Path p : watch) {
            try {
                sb.append('\n').append(p).append(' ').append(Files.getLastModifiedTime(p).toMillis()).append(' ')
                        .append(Files.isDirectory(p) ? 0 : Files.size(p));
            } catch (IOException e) {
                throw new DataException(p, "cannot read its attributes: " + e.getMessage());
            }
        }
        return sb.toString();
    }

    /** The cached index if {@code cache} holds one built from the same fingerprint, else null. */
    static StreamedSource.Index load(Path cache, String fingerprint) {
        if (cache == null || !Files.isRegularFile(cache)) {
            return null;
        }
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(cache)))) {
            long size = Files.size(cache);
            if (size > Limits.MAX_FILE_BYTES) {
                return null;
            }
            MAX_COUNT.set((int) Math.min(Integer.MAX_VALUE, size));
            if (!in.readUTF().equals(CACHE_FORMAT) || !readString(in).equals(fingerprint)) {
                return null;
            }
            String[] files = strings(in);
            boolean sharded = in.readBoolean();
            int n = in.readInt();
            if (n < 0 || n > MAX_COUNT.get() / 4) {
                return null;
            }
            int[] labels = ints(in, n);
            String[] classes = strings(in);
            if (!sharded) {
                return new StreamedSource.Index(files, null, null, null, null, labels, classes);
            }
            int[] shard = ints(in, n);
            long[] offsets = new long[n];
            for (int i = 0; i < n; i++) {
                offsets[i] = in.readLong();
            }
            int[] lengths = ints(in, n);
            String[] keys = new String[n];
            for (int i = 0; i < n; i++) {
                keys[i] = in.readUTF();
            }
            return new StreamedSource.Index(files, shard, offsets, lengths, keys, labels, classes);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /**
     * Writes the index atomically ({@link AtomicFile}: each process its own temporary file, so the processes of a
     * distributed run, which all index the same data, never write one file together); a failure leaves no cache, not
     * an error.
     */
    static void save(Path cache, String fingerprint, StreamedSource.Index ix) {
        if (cache == null) {
            return;
        }
        try {
            AtomicFile.write(cache, stream -> {
                DataOutputStream out = new DataOutputStream(stream);
                out.writeUTF(CACHE_FORMAT);
                writeString(out, fingerprint);
                writeStrings(out, ix.files());
                out.writeBoolean(ix.sharded());
                out.writeInt(ix.n());
                for (int l : ix.labels()) {
                    out.writeInt(l);
                }
                writeStrings(out, ix.classes());
                if (ix.sharded()) {
                    for (int s : ix.shard()) {
                        out.writeInt(s);
                    }
                    for (long o : ix.offsets()) {
                        out.writeLong(o);
                    }
                    for (int l : ix.lengths()) {
                        out.writeInt(l);
                    }
                    for (String k : ix.keys()) {
                        out.writeUTF(k);
                    }
                }
                out.flush();
            });
        } catch (IOException e) {
            // no cache: the index is rebuilt next time
        }
    }

    private static void writeString(DataOutputStream out, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    /** While a cache is read: no count or length in it can exceed its size in bytes. */
    private static final ThreadLocal<Integer> MAX_COUNT = ThreadLocal.withInitial(() -> 1 << 28);

    private static String readString(DataInputStream in) throws IOException {
        int len = in.readInt();
        if (len < 0 || len > MAX_COUNT.get()) {
            throw new EOFException("bad length");
        }
        return new String(in.readNBytes(len), StandardCharsets.UTF_8);
    }

    private static void writeStrings(DataOutputStream out, String[] s) throws IOException {
        out.writeInt(s.length);
        for (String x : s) {
            writeString(out, x);
        }
    }

    private static String[] strings(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > MAX_COUNT.get()) {
            throw new EOFException("bad count");
        }
        String[] s = new String[n];
        for (int i = 0; i < n; i++) {
            s[i] = readString(in);
        }
        return s;
    }

    private static int[] ints(DataInputStream in, int n) throws IOException {
        if (n < 0 || n > MAX_COUNT.get() / 4) {
            throw new EOFException("bad count");
        }
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = in.readInt();
        }
        return a;
    }
}
