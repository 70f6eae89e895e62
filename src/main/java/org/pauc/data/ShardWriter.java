package org.pauc.data;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.pauc.io.AtomicFile;

/**
 * Packs a folder of images into WebDataset tar shards: each sample is KEY.jpg (or .png: the file's own bytes, not
 * re-encoded) and, for class folders, KEY.cls with the class number; keys are the samples' numbers in order, zero
 * padded. The order is deterministic: class folders sorted by name (as torchvision's ImageFolder), files sorted
 * within them, images directly in the folder (unlabelled) first. A shard closes before it would pass the size
 * limit; each is written to a temporary file and renamed when complete. {@code classes.txt} lists the class names.
 */
public final class ShardWriter {
    private ShardWriter() {}

    /** Called after each image with the images packed so far and the total. */
    public interface Progress {
        void step(int done, int total);
    }

    /** What was written: the shard files, the samples, and the pattern that reads them back. */
    public record Written(List<Path> shards, int samples, String pattern) {}

    public static Written pack(Path folder, Path out, String prefix, long maxBytes, Progress progress)
            throws IOException, DataException {
        AtomicFile.checkFolder(out, "--out");
        if (!Files.isDirectory(folder)) {
            throw new DataException(folder, "no such folder");
        }
        ImageFolder.Listing listing = ImageFolder.list(folder, null);
        List<Path> files = listing.files();
        List<Integer> labels = listing.labels();
        List<String> classes = listing.classes();
        Files.createDirectories(out);
        if (!classes.isEmpty()) {
            AtomicFile.writeString(out.resolve("classes.txt"), String.join("\n", classes) + "\n");
        }
        int width = Math.max(6, Integer.toString(files.size()).length());
        List<Path> shards = new ArrayList<>();
        ShardFile shard = null;
        try {
            for (int i = 0; i < files.size(); i++) {
                byte[] image = Codec.read(files.get(i));
                String name = files.get(i).getFileName().toString().toLowerCase(Locale.ROOT);
                String ext = name.endsWith(".png") ? "png" : "jpg";
                String key = String.format("%0" + width + "d", i);
                byte[] cls = labels.get(i) < 0 ? null : (labels.get(i) + "\n").getBytes(StandardCharsets.US_ASCII);
                long bytes = Tar.BLOCK + padded(image.length) + (cls == null ? 0 : Tar.BLOCK + Tar.BLOCK);
                if (shard != null && shard.bytes + bytes + 2L * Tar.BLOCK > maxBytes) {
                    shard.finish();
                    shard = null;
                }
                if (shard == null) {
                    Path p = out.resolve(String.format("%s-%06d.tar", prefix, shards.size()));
                    shards.add(p);
                    shard = new ShardFile(p);
                }
                shard.add(key + "." + ext, image);
                if (cls != null) {
                    shard.add(key + ".cls", cls);
                }
                progress.step(i + 1, files.size());
            }
            shard.finish();
        } finally {
            if (shard != null) {
                shard.close();
            }
        }
        String pattern = out.resolve(prefix + "-{000000.." + String.format("%06d", shards.size() - 1) + "}.tar").toString();
        return new Written(shards, files.size(), pattern);
    }

    private static long padded(long n) {
        return (n + Tar.BLOCK - 1) / Tar.BLOCK * Tar.BLOCK;
    }

    /** One shard being written to its temporary file ({@link AtomicFile.Pending}): renamed into place when finished. */
    private static final class ShardFile implements AutoCloseable {
        final AtomicFile.Pending file;
        long bytes;

        ShardFile(Path target) throws IOException {
            this.file = AtomicFile.open(target);
        }

        void add(String name, byte[] data) throws IOException {
            OutputStream out = file.out();
            out.write(Tar.header(name, data.length));
            out.write(data);
            int pad = (int) (padded(data.length) - data.length);
            out.write(new byte[pad]);
            bytes += Tar.BLOCK + data.length + pad;
        }

        /** The end-of-archive blocks, then the commit. */
        void finish() throws IOException {
            file.out().write(new byte[2 * Tar.BLOCK]);
            file.commit();
        }

        /** Removes the temporary file of a shard that was not finished. */
        @Override
        public void close() throws IOException {
            file.close();
        }
    }
}
