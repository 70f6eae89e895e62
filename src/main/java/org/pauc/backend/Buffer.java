package org.pauc.backend;

/**
 * Memory owned by a backend: floats ({@link #isIndex()} false) or 32-bit ids. It may live on a device, so no
 * code outside the backend reads it directly: data moves only through {@link Backend#upload} and
 * {@link Backend#download}. Closing releases it (a no-op for heap-backed backends).
 */
public interface Buffer extends AutoCloseable {
    /** Number of elements. */
    int size();

    boolean isIndex();

    @Override
    void close();
}
