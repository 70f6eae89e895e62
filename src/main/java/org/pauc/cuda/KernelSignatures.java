package org.pauc.cuda;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The parameter lists of the {@code extern "C" __global__} kernels in the source, read from the source itself, so
 * that every launch is checked argument by argument (count and C type) before it reaches the driver: a mismatch
 * is a clear exception instead of a kernel reading garbage.
 */
final class KernelSignatures {
    /** The C parameter kinds a launch argument can have. */
    enum Kind {
        INT(Integer.class), LONG(Long.class), FLOAT(Float.class), DOUBLE(Double.class), POINTER(Long.class);

        final Class<?> javaType;

        Kind(Class<?> javaType) {
            this.javaType = javaType;
        }
    }

    private static final Pattern KERNEL = Pattern.compile("extern\\s+\"C\"\\s+__global__\\s+void\\s+(\\w+)\\s*\\(([^)]*)\\)");

    private KernelSignatures() {}

    /** Kernel name → parameter kinds, in source order. */
    static Map<String, List<Kind>> parse(String source) {
        Map<String, List<Kind>> out = new LinkedHashMap<>();
        Matcher m = KERNEL.matcher(source);
        while (m.find()) {
            String params = m.group(2).strip();
            List<Kind> kinds = params.isEmpty() ? List.of() : Arrays.stream(params.split(","))
                    .map(p -> kind(m.group(1), p.strip())).toList();
            if (out.put(m.group(1), kinds) != null) {
                throw new IllegalStateException("kernel " + m.group(1) + " is defined twice");
            }
        }
        return out;
    }

    private static Kind kind(String kernel, String param) {
        if (param.contains("*")) {
            return Kind.POINTER;
        }
        String type = param.replaceAll("\\s*\\w+$", "").replace("const", "").strip();
        return switch (type) {
            case "int", "unsigned", "unsigned int" -> Kind.INT;
            case "long", "long long", "unsigned long long" -> Kind.LONG;
            case "float" -> Kind.FLOAT;
            case "double" -> Kind.DOUBLE;
            default -> throw new IllegalStateException("kernel " + kernel + ": unsupported parameter '" + param + "'");
        };
    }

    /** Throws when args do not fit the kernel's parameters. */
    static void check(String kernel, List<Kind> kinds, Object[] args) {
        if (kinds == null) {
            throw new IllegalArgumentException("no kernel named " + kernel + " in " + CudaRuntime.KERNELS);
        }
        if (kinds.size() != args.length) {
            throw new IllegalArgumentException("kernel " + kernel + " takes " + kinds.size() + " arguments, got "
                    + args.length);
        }
        for (int i = 0; i < args.length; i++) {
            if (args[i] == null || args[i].getClass() != kinds.get(i).javaType) {
                throw new IllegalArgumentException("kernel " + kernel + ": argument " + i + " must be "
                        + kinds.get(i) + " (" + kinds.get(i).javaType.getSimpleName() + "), got "
                        + (args[i] == null ? "null" : args[i].getClass().getSimpleName()));
            }
        }
    }
}
