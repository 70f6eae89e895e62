package org.pauc.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.pauc.io.AtomicFile;
import org.pauc.io.Limits;

/**
 * Indexes of streamed datasets: an ImageNet-style folder tree, WebDataset tar shards, a file list. Building one
 * lists every file (or reads every tar header) once; the index can be kept in a cache file and is reused while
 * what it was built from is unchanged (the modification times and sizes of the folders, shards or list).
 */
public final class Indexer {
    private static final String CACHE_FORMAT = "pauc-index/1";
    private static final Pattern RANGE = Pattern.compile("\\{(\\d+)\\.\\.(\\d+)}");
    private static final Pattern LIST = Pattern.compile("\\{([^{}]*,[^{}]*)}");

    private Indexer() {}

    static boolean isImageName(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return n.endsWith(".jpg") || n.endsWith(".jpeg") || n.endsWith(".png");
    }

    // ---- folders ----

    /** The classes of an ImageNet-style split: its subfolders, sorted by name (torchvision's ImageFolder). */
    static List<String> classFolders(Path split) throws DataException {
        try (Stream<Path> s = Files.list(split)) {
            return s.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new DataException(split, "cannot list: " + e.getMessage());
        }
    }

    /**
     * ROOT/SPLIT/CLASS/* with the given classes (labels by position). For the training split ({@code requireAll})
     * every class folder must be there and hold images; val may miss classes or be empty.
     */
    static StreamedSource.Index folder(Path split, List<String> classes, boolean requireAll) throws DataException {
        List<String> files = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        for (String cls : classFolders(split)) {
            if (!classes.contains(cls)) {
                throw new DataException(split.resolve(cls), "a class that the training split does not have");
            }
        }
        for (int label = 0; label < classes.size(); label++) {
            Path dir = split.resolve(classes.get(label));
            if (!Files.isDirectory(dir)) {
                if (requireAll) {
                    throw new DataException(dir, "no such folder");
                }
                continue;
            }
            try (Stream<Path> s = Files.list(dir)) {
                for (Path f : s.filter(p -> isImageName(p.getFileName().toString())).sorted().toList()) {
                    files.add(f.toString());
                    labels.add(label);
                }
            } catch (IOException e) {
                throw new DataException(dir, "cannot list: " + e.getMessage());
            }
        }
        if (files.isEmpty() && requireAll) {
            throw new DataException(split, "no JPEG or PNG images in its class folders");
        }
        return new StreamedSource.Index(files.toArray(String[]::new), null, null, null, null,
                labels.stream().mapToInt(Integer::intValue).toArray(), classes.toArray(String[]::new));
    }

    /** What an index of folder {@code split} depends on: the folder and its class folders. */
    static List<Path> folderWatch(Path split) throws DataException {
        List<Path> watch = new ArrayList<>(List.of(split));
        for (String c : classFolders(split)) {
            watch.add(split.resolve(c));
        }
        return watch;
    }

    // ---- file lists ----

    /**
     * One image per line: a path (relative to the list's folder unless absolute), then optionally a tab or a space
     * and an integer label ≥ 0. A line with a tab must be exactly PATH, tab, LABEL. Blank lines and lines starting with
     * # are skipped. Classes are named by their numbers.
     */
    static StreamedSource.Index fileList(Path list) throws DataException {
        byte[] bytes = Codec.read(list);
        String[] lines = new String(bytes, StandardCharsets.UTF_8).split("\r?\n");
        List<String> files = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        Path base = list.toAbsolutePath().getParent();
        for (int ln = 0; ln < lines.length; ln++) {
            String line = lines[ln].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String path = line;
            int label = -1;
            if (line.indexOf('\t') >= 0) {
                // a tab separates exactly two fields: the path and an integer label
                String[] f = line.split("\t", -1);
                if (f.length != 2 || !f[1].strip().matches("\\d{1,9}") || f[0].isBlank()) {
                    throw new DataException(list, "line " + (ln + 1) + ": expected PATH<TAB>LABEL with an integer label "
                            + "≥ 0, got '" + line.replace("\t", "<TAB>") + "'");
                }
            }
            int cut = Math.max(line.lastIndexOf('\t'), line.lastIndexOf(' '));
            if (cut > 0) {
                String tail = line.substring(cut + 1);
                if (tail.matches("-?\\d+")) {
                    try {
                        label = Integer.parseInt(tail);
                    } catch (NumberFormatException e) {
                        throw new DataException(list, "line " + (ln + 1) + ": label '" + tail + "' is out of range");
                    }
                    if (label < 0) {
                        throw new DataException(list, "line " + (ln + 1) + ": label " + label + " is negative");
                    }
                    path = line.substring(0, cut).strip();
                }
            }
            try {
                files.add(base.resolve(path).toString());
            } catch (InvalidPathException e) {
                throw new DataException(list, "line " + (ln + 1) + ": not a valid path (" + e.getReason() + ")");
            }
            labels.add(label);
        }
        if (files.isEmpty()) {
            throw new DataException(list, "lists no images");
        }
        int[] l = labels.stream().mapToInt(Integer::intValue).toArray();
        return new StreamedSource.Index(files.toArray(String[]::new), null, null, null, null, l, classesOf(l));
    }

    // ---- shards ----

    /** The shard files of a pattern: {a..b} numeric ranges (zero padding kept), {x,y} lists, then globs. */
    public static List<Path> expand(String pattern) throws DataException {
        List<String> names = new ArrayList<>();
        braces(pattern, names);
        List<Path> out = new ArrayList<>();
        for (String name : names) {
            Path p = Path.of(name);
            String file = p.getFileName() == null ? "" : p.getFileName().toString();
            if (file.matches(".*[*?\\[].*")) {
                Path dir = p.getParent() == null ? Path.of(".") : p.getParent();
                PathMatcher m = dir.getFileSystem().getPathMatcher("glob:" + file);
                List<Path> found = new ArrayList<>();
                try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
                    for (Path f : ds) {
                        if (m.matches(f.getFileName()) && Files.isRegularFile(f)) {
                            found.add(f);
                        }
                    }
                } catch (IOException e) {
                    throw new DataException(dir, "cannot list: " + e.getMessage());
                }
                if (found.isEmpty()) {
                    throw new DataException(p, "no shard matches");
                }
                found.sort(null);
                out.addAll(found);
            } else {
                if (!Files.isRegularFile(p)) {
                    throw new DataException(p, "no such shard");
                }
                out.add(p);
            }
        }
        return out;
    }

    private static void braces(String s, List<String> out) throws DataException {
        Matcher r = RANGE.matcher(s);
        if (r.find()) {
            String a = r.group(1);
            String b = r.group(2);
            long from = Long.parseLong(a);
            long to = Long.parseLong(b);
            if (to < from || to - from > 10_000_000) {
                throw new DataException("shard pattern '" + s + "': the range {" + a + ".." + b + "} is empty or too long");
            }
            int width = a.length();
            for (long v = from; v <= to; v++) {
                String num = String.format("%0" + width + "d", v);
                braces(s.substring(0, r.start()) + num + s.substring(r.end()), out);
            }
            return;
        }
        Matcher l = LIST.matcher(s);
        if (l.find()) {
            for (String part : l.group(1).split(",", -1)) {
                braces(s.substring(0, l.start()) + part + s.substring(l.end()), out);
            }
            return;
        }
        out.add(s);
    }

    /**
     * The samples of WebDataset shards: tar members grouped by key (the member's path up to the first dot of its
     * file name), each sample with a .jpg, .jpeg or .png member and an optional .cls (a class number). Members of
     * other kinds are ignored; a sample without an image is counted and left out.
     */
    static StreamedSource.Index shards(List<Path> shards, Counter skipped) throws DataException {
        List<String> files = new ArrayList<>();
        List<Integer> shard = new ArrayList<>();
        List<Long> offsets = new ArrayList<>();
        List<Integer> lengths = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
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
        int[] l = labels.stream().mapToInt(Integer::intValue).toArray();
        return new StreamedSource.Index(files.toArray(String[]::new), shard.stream().mapToInt(Integer::intValue).toArray(),
                offsets.stream().mapToLong(Long::longValue).toArray(), lengths.stream().mapToInt(Integer::intValue).toArray(),
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

    // ---- the cache ----

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
