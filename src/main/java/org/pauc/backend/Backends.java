package org.pauc.backend;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.ServiceLoader;

/** Finds backends with {@link ServiceLoader} and picks one by name, or the most preferred available one. */
public final class Backends {
    public static final String AUTO = "auto";

    private Backends() {}

    /** Every provider on the class path, most preferred first. */
    public static List<BackendProvider> providers() {
        List<BackendProvider> list = new ArrayList<>();
        ServiceLoader.load(BackendProvider.class).forEach(list::add);
        list.sort(Comparator.comparingInt(BackendProvider::priority).reversed());
        return list;
    }

    public static List<String> names() {
        return providers().stream().map(BackendProvider::name).toList();
    }

    /** The provider called {@code name}, or for "auto" the most preferred available one; one-line errors otherwise. */
    public static BackendProvider provider(String name) {
        List<BackendProvider> all = providers();
        if (AUTO.equals(name)) {
            for (BackendProvider p : all) {
                if (p.unavailableReason() == null && !p.name().equals("oracle")) {
                    return p;
                }
            }
            throw new IllegalStateException("no backend is available");
        }
        for (BackendProvider p : all) {
            if (p.name().equals(name)) {
                String why = p.unavailableReason();
                if (why != null) {
                    throw new IllegalArgumentException("backend '" + name + "' is not available: " + why);
                }
                return p;
            }
        }
        throw new IllegalArgumentException("unknown backend '" + name + "' (available: auto, "
                + String.join(", ", all.stream().map(BackendProvider::name).toList()) + ")");
    }

    public static Backend create(String name, int threads) {
        return create(name, Compute.threads(threads));
    }

    /** The backend called {@code name} ("auto": the best available), computing as {@code compute} says. */
    public static Backend create(String name, Compute compute) {
        return provider(name).create(compute);
    }
}
