package org.pauc.cuda;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Finds the NVIDIA libraries by full soname. For each library the order is: the system property
 * {@code pauc.cuda.NAME} (a file path), the environment variable {@code PAUC_NAME} (likewise), the dynamic loader's
 * own search (LD_LIBRARY_PATH, ldconfig), then the usual install folders: CUDA_HOME / CUDA_PATH, /usr/local/cuda
 * and the NVIDIA Python wheels' {@code site-packages/nvidia/*&#47;lib}. A failure is a one-line message naming what
 * was tried and how to point at the file.
 */
public final class NativeLibs {

    /**
     * One library: its key (property {@code pauc.cuda.KEY}, variable {@code PAUC_KEY}), sonames in order, and the
     * prefix of companion libraries it opens by soname at run time (loaded first from its folder, which may be off the
     * loader's path; empty for none).
     */
    public record Spec(String key, List<String> sonames, String companions) {
        Spec(String key, List<String> sonames) {
            this(key, sonames, "");
        }

        public String property() {
            return "pauc.cuda." + key;
        }

        public String variable() {
            return "PAUC_" + key.toUpperCase(Locale.ROOT);
        }
    }

    public static final Spec CUDA = new Spec("libcuda", List.of("libcuda.so.1"));
    public static final Spec CUBLAS = new Spec("libcublas", List.of("libcublas.so.13", "libcublas.so.12"));
    public static final Spec NCCL = new Spec("libnccl", List.of("libnccl.so.2"));
    public static final Spec CUDNN = new Spec("libcudnn", List.of("libcudnn.so.9"), "libcudnn_");
    public static final Spec NVRTC = new Spec("libnvrtc", List.of("libnvrtc.so.13", "libnvrtc.so.12"),
            "libnvrtc-builtins.so.");

    /** Thrown when a library cannot be found or opened; the message is one line. */
    public static final class Missing extends Exception {
        Missing(String message) {
            super(message);
        }
    }

    private NativeLibs() {}

    /** Opens the library for the life of the process. */
    public static SymbolLookup open(Spec spec) throws Missing {
        return open(spec, System.getProperties().entrySet().stream()
                .collect(Collectors.toMap(e -> e.getKey().toString(), e -> e.getValue().toString())),
                System.getenv());
    }

    /** As {@link #open(Spec)} with explicit properties and environment (for tests). */
    static SymbolLookup open(Spec spec, Map<String, String> props, Map<String, String> env) throws Missing {
        String explicit = props.get(spec.property());
        String origin = "-D" + spec.property();
        if (explicit == null || explicit.isBlank()) {
            explicit = env.get(spec.variable());
            origin = spec.variable();
        }
        if (explicit != null && !explicit.isBlank()) {
            Path p = Path.of(explicit);
            if (!Files.isRegularFile(p)) {
                throw new Missing(origin + "=" + explicit + ": no such file");
            }
            try {
                return lookup(spec, p);
            } catch (IllegalArgumentException e) {
                throw new Missing(origin + "=" + explicit + ": cannot open it (" + e.getMessage() + ")");
            }
        }
        for (String so : spec.sonames()) {
            try {
                return SymbolLookup.libraryLookup(so, Arena.global());
            } catch (IllegalArgumentException e) {
                // not on the loader's path: try the install folders below
            }
        }
        for (Path dir : searchDirs(env)) {
            for (String so : spec.sonames()) {
                Path p = dir.resolve(so);
                if (Files.isRegularFile(p)) {
                    try {
                        return lookup(spec, p);
                    } catch (IllegalArgumentException e) {
                        throw new Missing(p + ": cannot open it (" + e.getMessage() + ")");
                    }
                }
            }
        }
        throw new Missing(String.join(" or ", spec.sonames()) + " not found (set -D" + spec.property() + "=PATH or "
                + spec.variable() + "=PATH)");
    }

    /**
     * The library at {@code p}, after its companions in the same folder. Companions may need one another, so each
     * round opens those whose dependencies are already open, until a round opens none.
     */
    private static SymbolLookup lookup(Spec spec, Path p) {
        Path dir = p.toAbsolutePath().getParent();
        if (!spec.companions().isEmpty() && dir != null) {
            List<Path> left;
            try (var files = Files.list(dir)) {
                left = new ArrayList<>(files.filter(f -> f.getFileName().toString().startsWith(spec.companions()))
                        .sorted().toList());
            } catch (IOException e) {
                left = new ArrayList<>();
            }
            boolean progress = true;
            while (progress && !left.isEmpty()) {
                progress = left.removeIf(c -> {
                    try {
                        SymbolLookup.libraryLookup(c, Arena.global());
                        return true;
                    } catch (IllegalArgumentException notYet) {
                        return false;
                    }
                });
            }
        }
        return SymbolLookup.libraryLookup(p, Arena.global());
    }

    /** Folders that commonly hold the NVIDIA libraries, existing ones only, in a fixed order. */
    static List<Path> searchDirs(Map<String, String> env) {
        Set<Path> dirs = new LinkedHashSet<>();
        for (String var : List.of("CUDA_HOME", "CUDA_PATH")) {
            String v = env.get(var);
            if (v != null && !v.isBlank()) {
                dirs.add(Path.of(v, "lib64"));
                dirs.add(Path.of(v, "lib"));
            }
        }
        dirs.add(Path.of("/usr/local/cuda/lib64"));
        dirs.add(Path.of("/usr/local/cuda/targets/x86_64-linux/lib"));
        dirs.add(Path.of("/usr/lib/x86_64-linux-gnu"));
        List<Path> sitePackages = new ArrayList<>();
        for (String var : List.of("VIRTUAL_ENV", "CONDA_PREFIX")) {
            String v = env.get(var);
            if (v != null && !v.isBlank()) {
                sitePackages.addAll(glob(Path.of(v, "lib"), "python3*", "site-packages"));
            }
        }
        sitePackages.addAll(glob(Path.of("/usr/local/lib"), "python3*", "dist-packages"));
        sitePackages.addAll(glob(Path.of("/usr/local/lib"), "python3*", "site-packages"));
        sitePackages.addAll(glob(Path.of("/usr/lib"), "python3*", "dist-packages"));
        for (Path venv : glob(Path.of("/opt"), "*", ".venv")) {
            sitePackages.addAll(glob(venv.resolve("lib"), "python3*", "site-packages"));
        }
        String home = env.get("HOME");
        if (home != null) {
            sitePackages.addAll(glob(Path.of(home, ".local", "lib"), "python3*", "site-packages"));
        }
        for (Path sp : sitePackages) {
            for (Path pkg : glob(sp.resolve("nvidia"), "*", "lib")) {
                dirs.add(pkg);
            }
        }
        return dirs.stream().filter(Files::isDirectory).toList();
    }

    /** base/PATTERN/child for every entry of base matching the glob PATTERN, sorted. */
    private static List<Path> glob(Path base, String pattern, String child) {
        if (!Files.isDirectory(base)) {
            return List.of();
        }
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(base, pattern)) {
            for (Path p : ds) {
                Path c = p.resolve(child);
                if (Files.isDirectory(c)) {
                    out.add(c);
                }
            }
        } catch (IOException e) {
            return List.of();
        }
        out.sort(null);
        return out;
    }
}
