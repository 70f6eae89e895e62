package org.pauc.data;

import it.unimi.dsi.fastutil.ints.IntArrayList;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/** The index of an ImageNet-style split, ROOT/SPLIT/CLASS/*: one entry per JPEG or PNG file, labelled by class folder. */
final class FolderIndex {
    private FolderIndex() {}

    static boolean isImageName(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return n.endsWith(".jpg") || n.endsWith(".jpeg") || n.endsWith(".png");
    }

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
    static StreamedSource.Index build(Path split, List<String> classes, boolean requireAll) throws DataException {
        List<String> files = new ArrayList<>();
        IntArrayList labels = new IntArrayList();
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
                labels.toIntArray(), classes.toArray(String[]::new));
    }

    /** What an index of folder {@code split} depends on: the folder and its class folders. */
    static List<Path> watch(Path split) throws DataException {
        List<Path> watch = new ArrayList<>(List.of(split));
        for (String c : classFolders(split)) {
            watch.add(split.resolve(c));
        }
        return watch;
    }
}
