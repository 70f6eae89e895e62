package org.pauc.data;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Shard file patterns: {a..b} numeric ranges (zero padding kept), {x,y} lists, then globs. */
final class ShardPattern {
    private static final Pattern RANGE = Pattern.compile("\\{(\\d+)\\.\\.(\\d+)}");
    private static final Pattern LIST = Pattern.compile("\\{([^{}]*,[^{}]*)}");

    private ShardPattern() {}

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
}
