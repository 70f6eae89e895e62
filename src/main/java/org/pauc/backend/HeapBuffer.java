package org.pauc.backend;

/**
 * A buffer on the Java heap, for backends that compute on the host: values in an array of the backend's precision
 * ({@code float[]} or {@code double[]}), or ids. A backend accepts only its own kind: the accessors fail with a
 * message naming the backend when handed another.
 */
public final class HeapBuffer implements Buffer {
    private final String backend;
    private final Object values;
    private final int[] ids;

    private HeapBuffer(String backend, Object values, int[] ids) {
        this.backend = backend;
        this.values = values;
        this.ids = ids;
    }

    public static HeapBuffer floats(String backend, int n) {
        return new HeapBuffer(backend, new float[n], null);
    }

    public static HeapBuffer doubles(String backend, int n) {
        return new HeapBuffer(backend, new double[n], null);
    }

    public static HeapBuffer ids(String backend, int n) {
        return new HeapBuffer(backend, null, new int[n]);
    }

    /** The float values of {@code b} (null for null), which must be a float heap buffer of {@code backend}. */
    public static float[] floatsOf(Buffer b, String backend) {
        return b == null ? null : (float[]) values(b, backend, float[].class);
    }

    /** The double values of {@code b} (null for null), which must be a double heap buffer of {@code backend}. */
    public static double[] doublesOf(Buffer b, String backend) {
        return b == null ? null : (double[]) values(b, backend, double[].class);
    }

    /** The ids of {@code b}, which must be an id heap buffer of {@code backend}. */
    public static int[] idsOf(Buffer b, String backend) {
        if (!(b instanceof HeapBuffer h) || h.ids == null || !h.backend.equals(backend)) {
            throw new IllegalArgumentException(backend + " backend: expected one of its id buffers, got " + b);
        }
        return h.ids;
    }

    private static Object values(Buffer b, String backend, Class<?> type) {
        if (!(b instanceof HeapBuffer h) || !type.isInstance(h.values) || !h.backend.equals(backend)) {
            throw new IllegalArgumentException(backend + " backend: expected one of its float buffers, got " + b);
        }
        return h.values;
    }

    @Override
    public int size() {
        return ids != null ? ids.length : values instanceof float[] f ? f.length : ((double[]) values).length;
    }

    @Override
    public boolean isIndex() {
        return ids != null;
    }

    @Override
    public void close() {}

    @Override
    public String toString() {
        return backend + " buffer of " + size() + (ids != null ? " ids" : values instanceof float[] ? " floats" : " doubles");
    }
}
