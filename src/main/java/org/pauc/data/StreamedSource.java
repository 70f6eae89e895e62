package org.pauc.data;

import java.nio.file.Path;
import java.util.Arrays;

/**
 * Images read from disk when they are needed, never all held: each image is a whole file (a folder tree, a file
 * list) or a member of a tar shard (offset and length into it). Only the index is in memory: a path or a shard
 * number, an offset, a length and a label per image.
 */
public final class StreamedSource implements ImageSource {
    private final String name;
    private final Index index;
    private final int size;

    /**
     * Where the images are: {@code files} are image files, or shards when {@code offsets} is not null; then image i
     * is bytes [offsets[i], offsets[i] + lengths[i]) of files[shard[i]], named {@code keys[i]} in it.
     */
    public record Index(String[] files, int[] shard, long[] offsets, int[] lengths, String[] keys, int[] labels,
                        String[] classes) {
        public Index {
            int n = labels.length;
            if (shard != null && (shard.length != n || offsets.length != n || lengths.length != n || keys.length != n)) {
                throw new IllegalArgumentException("index: arrays of different lengths");
            }
            if (shard == null && files.length != n) {
                throw new IllegalArgumentException("index: " + files.length + " files for " + n + " labels");
            }
        }

        public int n() {
            return labels.length;
        }

        public boolean sharded() {
            return shard != null;
        }

        /** The first {@code count} images. */
        public Index head(int count) {
            if (count >= n()) {
                return this;
            }
            int[] l = Arrays.copyOf(labels, count);
            return sharded()
                    ? new Index(files, Arrays.copyOf(shard, count), Arrays.copyOf(offsets, count),
                    Arrays.copyOf(lengths, count), Arrays.copyOf(keys, count), l, classes)
                    : new Index(Arrays.copyOf(files, count), null, null, null, null, l, classes);
        }
    }

    public StreamedSource(String name, Index index, int size) {
        if (index.n() == 0) {
            throw new IllegalArgumentException(name + ": no images");
        }
        this.name = name;
        this.index = index;
        this.size = size;
    }

    public Index index() {
        return index;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int n() {
        return index.n();
    }

    @Override
    public int h() {
        return size;
    }

    @Override
    public int w() {
        return size;
    }

    @Override
    public int c() {
        return 3;
    }

    @Override
    public int label(int i) {
        return index.labels()[i];
    }

    @Override
    public String[] classes() {
        return index.classes();
    }

    @Override
    public String source(int i) {
        return index.sharded() ? index.files()[index.shard()[i]] + ":" + index.keys()[i] : index.files()[i];
    }

    @Override
    public Encoded open(int i) throws DataException {
        return Codec.open(bytes(i), source(i));
    }

    private byte[] bytes(int i) throws DataException {
        if (!index.sharded()) {
            return Codec.read(Path.of(index.files()[i]));
        }
        Path shard = Path.of(index.files()[index.shard()[i]]);
        return Tar.read(shard, new Tar.Member(index.keys()[i], index.offsets()[i], index.lengths()[i]),
                index.lengths()[i]);
    }
}
