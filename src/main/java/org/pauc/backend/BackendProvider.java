package org.pauc.backend;

/**
 * Service interface through which backends are discovered ({@code META-INF/services}). A provider can say
 * it is unavailable (no GPU, a missing library) with a one-line reason.
 */
public interface BackendProvider {
    String name();

    /** Higher is preferred by {@code --backend auto}. */
    int priority();

    /** Null when the backend can be created here, else why not (one line). */
    String unavailableReason();

    /** Creates the backend computing as {@code compute} says. */
    Backend create(Compute compute);
}
