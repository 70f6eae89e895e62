package org.pauc.data;

import it.unimi.dsi.fastutil.ints.IntArrayList;
import java.nio.charset.StandardCharsets;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The index of a file list: one image path per line, optionally a tab and a class number. */
final class FileListIndex {
    private FileListIndex() {}

    /**
     * One image per line: a path (relative to the list's folder unless absolute), then optionally a tab or a space
     * and an integer label ≥ 0. A line with a tab must be exactly PATH, tab, LABEL. Blank lines and lines starting with
     * # are skipped. Classes are named by their numbers.
     */
    static StreamedSource.Index build(Path list) throws DataException {
        byte[] bytes = Codec.read(list);
        String[] lines = new String(bytes, StandardCharsets.UTF_8).split("\r?\n");
        List<String> files = new ArrayList<>();
        IntArrayList labels = new IntArrayList();
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
        int[] l = labels.toIntArray();
        return new StreamedSource.Index(files.toArray(String[]::new), null, null, null, null, l, ShardIndex.classesOf(l));
    }
}
