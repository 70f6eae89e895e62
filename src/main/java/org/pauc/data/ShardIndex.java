package org.pauc.data;

import it.unimi.dsi.fastutil.ints.IntArrayList;
import it.unimi.dsi.fastutil.longs.LongArrayList;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.pauc.io.Limits;

/** The index of WebDataset tar shards: samples grouped by key, each with its image member's shard, offset and length. */
final class ShardIndex {
    private ShardIndex() {}
    /**
     * The samples of WebDataset shards: tar members grouped by key (the member's path up to the first dot of its
     * file name), each sample with a .jpg, .jpeg or .png member and an optional .cls (a class number). Members of
     * other kinds are ignored; a sample without an image is counted and left out.
     */
    static StreamedSource.Index build(List<Path> shards, Counter skipped) throws DataException {
        List<String> files = new ArrayList<>();
        IntArrayList shard = new IntArrayList();
        LongArrayList offsets = new LongArrayList();
        IntArrayList lengths = new IntArrayList();
        List<String> keys = new ArrayList<>();
        IntArrayList labels = new IntArrayList();
        for (int s = 0; s < shards.size(); s++) {
            Path p = shards.get(s);
            files.add(p.toString());
            List<Tar.Member> members = Tar.list(p);
            int i = 0;
            while (i < members.size()) {
                String key = key(members.get(i).name());
                Tar.Member image = null;
                Tar.Member cls = null;
                for (; i < members.size() && key(members.get(i).name()).equals(key); i++) {
                    Tar.Member m = members.get(i);
                    String ext = extension(m.name());
                    if (ext.equals("jpg") || ext.equals("jpeg") || ext.equals("png")) {
                        image = image == null ? m : image;
                    } else if (ext.equals("cls")) {
                        cls = m;
                    }
                }
                if (image == null) {
                    skipped.count++;
                    continue;
                }
                int label = -1;
                if (cls != null) {
                    String text = new String(Tar.read(p, cls, 64), StandardCharsets.UTF_8).strip();
                    try {
                        label = Integer.parseInt(text);
                    } catch (NumberFormatException e) {
                        label = -2;
                    }
                    if (label < 0) {
                        throw new DataException(p, "sample " + key + ": .cls holds '" + text + "', not a class number ≥ 0");
                    }
                }
                if (image.size() > Limits.MAX_FILE_BYTES) {
                    throw new DataException(p, "sample " + key + ": an image of " + image.size() + " bytes");
                }
                shard.add(s);
                offsets.add(image.offset());
                lengths.add((int) image.size());
                keys.add(key);
                labels.add(label);
                }
        }
        if (keys.isEmpty()) {
            throw new DataException("shards " + shards.get(0) + " …: no sample with a .jpg, .jpeg or .png member");
        }
        int[] l = labels.toIntArray();
        return new StreamedSource.Index(files.toArray(String[]::new), shard.toIntArray(),
                offsets.toLongArray(), lengths.toIntArray(),
                keys.toArray(String[]::new), l, classesOf(l));
    }

    /**
     * The classes of numbered labels: the distinct numbers in increasing order, each named by its number; the labels
     * become positions in that list (unchanged when the numbers are 0 … K − 1, as usual), so a sparse or huge class
     * number costs nothing. −1 (unlabelled) stays.
     */
    static String[] classesOf(int[] labels) {
        int[] distinct = Arrays.stream(labels).filter(l -> l >= 0).distinct().sorted().toArray();
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] >= 0) {
                labels[i] = Arrays.binarySearch(distinct, labels[i]);
            }
        }
        return Arrays.stream(distinct).mapToObj(Integer::toString).toArray(String[]::new);
    }

    /** A count filled in while indexing. */
    static final class Counter {
        int count;
    }

    /** WebDataset's key: the member path up to the first dot of its file name. */
    static String key(String member) {
        int slash = member.lastIndexOf('/');
        int dot = member.indexOf('.', slash + 1);
        return dot < 0 ? member : member.substring(0, dot);
    }

    static String extension(String member) {
        int slash = member.lastIndexOf('/');
        int dot = member.indexOf('.', slash + 1);
        return dot < 0 ? "" : member.substring(dot + 1).toLowerCase(Locale.ROOT);
    }
}
