package org.pauc.hostmath;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/** Small vectorised loops over float arrays shared by the CPU kernels. */
public final class Vec {
    public static final VectorSpecies<Float> S = VectorWidth.FLOAT;
    public static final int L = S.length();

    private Vec() {}

    /**
     * The lanes of elements [i, min(i + L, n)): null for a whole vector, so that loops over channels use plain loads
     * and stores for full vectors (masked stores are slow on some processors) and a mask only for the last.
     */
    public static VectorMask<Float> lanes(int i, int n) {
        return i + L <= n ? null : S.indexInRange(i, n);
    }

    /** a[i …] as a vector, only the lanes of m (all when m is null). */
    public static FloatVector load(float[] a, int i, VectorMask<Float> m) {
        return m == null ? FloatVector.fromArray(S, a, i) : FloatVector.fromArray(S, a, i, m);
    }

    /** v into a[i …], only the lanes of m (all when m is null). */
    public static void store(FloatVector v, float[] a, int i, VectorMask<Float> m) {
        if (m == null) {
            v.intoArray(a, i);
        } else {
            v.intoArray(a, i, m);
        }
    }

    /** dst[d … d+n) += src[s … s+n). */
    public static void addInto(float[] src, int s, float[] dst, int d, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            FloatVector.fromArray(S, dst, d + i).add(FloatVector.fromArray(S, src, s + i)).intoArray(dst, d + i);
        }
        for (; i < n; i++) {
            dst[d + i] += src[s + i];
        }
    }

    /** dst[d … d+n) += a · src[s … s+n). */
    public static void axpy(float a, float[] src, int s, float[] dst, int d, int n) {
        int i = 0;
        FloatVector av = FloatVector.broadcast(S, a);
        for (int bound = S.loopBound(n); i < bound; i += L) {
            FloatVector.fromArray(S, src, s + i).fma(av, FloatVector.fromArray(S, dst, d + i)).intoArray(dst, d + i);
        }
        for (; i < n; i++) {
            dst[d + i] += a * src[s + i];
        }
    }

    /**
     * The lanes of v added in lane order. Not {@code reduceLanes(ADD)}: its compiled form adds in a tree and its
     * interpreted form in sequence, so a run's result would depend on when the JIT compiled the caller.
     */
    public static float sumLanes(FloatVector v) {
        float[] lanes = LANES.get();
        v.intoArray(lanes, 0);
        float s = 0;
        for (int i = 0; i < L; i++) {
            s += lanes[i];
        }
        return s;
    }

    private static final ThreadLocal<float[]> LANES = ThreadLocal.withInitial(() -> new float[L]);

    /** Σ a[a0 + i]·b[b0 + i] over n elements, vector lanes summed at the end (a fixed order). */
    public static float dot(float[] a, int a0, float[] b, int b0, int n) {
        FloatVector acc = FloatVector.zero(S);
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            acc = FloatVector.fromArray(S, a, a0 + i).fma(FloatVector.fromArray(S, b, b0 + i), acc);
        }
        float s = sumLanes(acc);
        for (; i < n; i++) {
            s += a[a0 + i] * b[b0 + i];
        }
        return s;
    }

    /** out[0 … size) = Σ_t partials[t·size …], the partials added in order t = 0, 1, …. */
    public static void sumPartials(float[] partials, int count, int size, float[] out) {
        if (count == 0) {
            Arrays.fill(out, 0, size, 0f);
            return;
        }
        System.arraycopy(partials, 0, out, 0, size);
        for (int t = 1; t < count; t++) {
            addInto(partials, t * size, out, 0, size);
        }
    }
}
