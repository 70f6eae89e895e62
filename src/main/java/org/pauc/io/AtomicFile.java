package org.pauc.io;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Every file pauc writes goes through here. A target must be a regular file or not exist yet (a device, FIFO, socket
 * or folder is refused before anything is written: {@link InputException}, exit 2). The bytes go to a temporary file
 * beside the target, are forced to the disk, and the temporary file is renamed over the target; a failure on the way
 * (a full disk: {@link WriteException}, exit 1) removes the temporary file and leaves the target as it was.
 * {@link #append} adds a line to a log the same careful way: the target is checked, and the line is written whole or
 * the file is cut back to its old length.
 */
public final class AtomicFile {
    private AtomicFile() {}

    /** What writes a file's bytes. */
    public interface Body {
        void write(OutputStream out) throws IOException;
    }

    /**
     * Checks, before any work, that {@code target} can be written: not empty, not an existing folder or special file,
     * in a folder that exists (or can be made) and is writable. {@code what} names the output in the message (e.g.
     * "--out").
     */
    public static Path checkTarget(Path target, String what) throws InputException {
        if (target == null || target.toString().isBlank()) {
            throw new InputException(what + " is empty: give a file name");
        }
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS) || Files.exists(target)) {
            if (Files.isDirectory(target)) {
                throw new InputException(target, what + " is an existing folder, not a file");
            }
            if (!Files.isRegularFile(target)) {
                throw new InputException(target, what + " exists and is not a regular file (a device, FIFO or socket); "
                        + "pauc writes only regular files");
            }
        }
        Path dir = target.toAbsolutePath().getParent();
        if (dir == null) {
            throw new InputException(target, what + " has no folder to be written in");
        }
        checkPlace(target, dir, what);
        return target;
    }

    /**
     * {@code place} (the folder of {@code named}, or {@code named} itself) is outside /proc, /sys and /dev, and its
     * nearest existing ancestor is a writable folder.
     */
    private static void checkPlace(Path named, Path place, String what) throws InputException {
        if (place.startsWith("/proc") || place.startsWith("/sys") || place.startsWith("/dev")) {
            throw new InputException(named, what + " is in " + place.getName(0) + ", which holds no regular files");
        }
        Path existing = place;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null || !Files.isDirectory(existing)) {
            throw new InputException(named, what + ": " + existing + " is not a folder");
        }
        if (!Files.isWritable(existing)) {
            throw new InputException(named, what + ": the folder " + existing + " is not writable");
        }
    }

    /**
     * Checks, before any work, that {@code dir} can be an output folder: not empty, not a file, not under /proc, /sys
     * or /dev, and in a writable folder where it does not exist yet.
     */
    public static Path checkFolder(Path dir, String what) throws InputException {
        if (dir == null || dir.toString().isBlank()) {
            throw new InputException(what + " is empty: give a folder");
        }
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new InputException(dir, what + " is a file, not a folder");
        }
        checkPlace(dir, dir.toAbsolutePath(), what);
        return dir;
    }

    /**
     * A file being written: its bytes go to a temporary file beside the target until {@link #commit} forces them to the
     * disk and renames the temporary file over the target. Closed without a commit (an error on the way), it removes
     * the temporary file and leaves the target as it was. A failure to write is a {@link WriteException}.
     */
    public static final class Pending implements AutoCloseable {
        private final Path target;
        private final Path tmp;
        private final FileChannel channel;
        private final OutputStream out;
        private boolean done;

        private Pending(Path target, Path tmp, FileChannel channel) {
            this.target = target;
            this.tmp = tmp;
            this.channel = channel;
            this.out = new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16) {
                @Override
                public synchronized void write(byte[] b, int off, int len) throws IOException {
                    try {
                        super.write(b, off, len);
                    } catch (IOException e) {
                        throw failure(e);
                    }
                }

                @Override
                public synchronized void flush() throws IOException {
                    try {
                        super.flush();
                    } catch (IOException e) {
                        throw failure(e);
                    }
                }

                @Override
                public void close() {
                    // the Pending closes the file
                }
            };
        }

        /** Where the bytes go until the commit. */
        public OutputStream out() {
            return out;
        }

        /** The file this will become. */
        public Path target() {
            return target;
        }

        private WriteException failure(IOException e) {
            return e instanceof WriteException w ? w : new WriteException(target, e);
        }

        /** Forces the bytes to the disk and renames the temporary file over the target. */
        public void commit() throws IOException {
            try {
                out.flush();
                channel.force(true);
                channel.close();
                try {
                    Files.setPosixFilePermissions(tmp, PERMISSIONS);
                } catch (UnsupportedOperationException ignored) {
                    // not a POSIX file system: keep the default permissions
                }
                move(tmp, target);
            } catch (IOException e) {
                throw failure(e);
            }
            done = true;
            syncFolder(target.toAbsolutePath().getParent());
        }

        @Override
        public void close() throws IOException {
            if (!done) {
                try {
                    channel.close();
                } catch (IOException ignored) {
                    // the temporary file goes anyway
                }
                Files.deleteIfExists(tmp);
            }
        }
    }

    private static final Set<PosixFilePermission> PERMISSIONS = PosixFilePermissions.fromString("rw-r--r--");

    /** Starts writing {@code target} (checked first): the caller writes to {@link Pending#out}, then commits. */
    public static Pending open(Path target) throws IOException {
        checkTarget(target, "the output");
        Path dir = target.toAbsolutePath().getParent();
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new InputException(target, "cannot create its folder " + dir + " (" + e.getClass().getSimpleName() + ")");
        }
        Path tmp;
        try {
            tmp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp");
        } catch (AccessDeniedException e) {
            throw new InputException(target, "the folder " + dir + " is not writable");
        } catch (IOException e) {
            throw new WriteException(target, e);
        }
        try {
            return new Pending(target, tmp, FileChannel.open(tmp, StandardOpenOption.WRITE));
        } catch (IOException e) {
            Files.deleteIfExists(tmp);
            throw new WriteException(target, e);
        }
    }

    /** Writes {@code target} atomically with {@code body}. */
    public static void write(Path target, Body body) throws IOException {
        try (Pending p = open(target)) {
            try {
                body.write(p.out());
            } catch (InputException | WriteException e) {
                throw e;
            } catch (IOException e) {
                throw new WriteException(target, e);
            }
            p.commit();
        }
    }

    /** Writes a text file atomically (UTF-8). */
    public static void writeString(Path target, String text) throws IOException {
        write(target, out -> out.write(text.getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * Appends one line (a newline is added) to {@code target}, creating it; forced to the disk. A failure cuts the file
     * back to its old length, so a log never ends in half a line.
     */
    public static void append(Path target, String line) throws IOException {
        checkTarget(target, "the log");
        long before = Files.exists(target) ? Files.size(target) : -1;
        try (FileChannel ch = FileChannel.open(target, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND)) {
            try {
                ch.write(ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8)));
                ch.force(true);
            } catch (IOException e) {
                ch.truncate(Math.max(0, before));
                throw new WriteException(target, e);
            }
        } catch (FileSystemException e) {
            throw new WriteException(target, e);
        }
        if (before < 0) {
            syncFolder(target.toAbsolutePath().getParent());
        }
    }

    private static void move(Path tmp, Path target) throws IOException {
        try {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static void syncFolder(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException ignored) {
            // some file systems cannot fsync a folder; the rename itself is atomic
        }
    }
}
