package org.pauc.hostmath;

/**
 * A per-thread float array for temporaries, grown to the largest size asked of it and never shrunk, so that hot
 * loops allocate once per thread. Its contents on {@link #get} are whatever the last use left.
 */
public final class Scratch {
    private final ThreadLocal<float[]> arrays = ThreadLocal.withInitial(() -> new float[0]);

    /** This thread's array, at least {@code size} long. */
    public float[] get(int size) {
        float[] a = arrays.get();
        if (a.length < size) {
            a = new float[size];
            arrays.set(a);
        }
        return a;
    }
}
