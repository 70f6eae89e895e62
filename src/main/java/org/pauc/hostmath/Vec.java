package org.pauc.hostmath;

import java.util.Arrays;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
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

    /** The lanes of v added in lane order (see {@link #sumLanes(FloatVector)}). */
    public static double sumLanes(DoubleVector v) {
        double[] lanes = DOUBLE_LANES.get();
        v.intoArray(lanes, 0);
        double s = 0;
        for (int i = 0; i < lanes.length; i++) {
            s += lanes[i];
        }
        return s;
    }

    private static final ThreadLocal<double[]> DOUBLE_LANES =
            ThreadLocal.withInitial(() -> new double[VectorWidth.DOUBLE.length()]);

    /** Below this e^x is under the smallest normal float; {@link #expNonPositive} gives 0 there. */
    static final float EXP_LOWEST = -87.33654f;
    private static final float LOG2E = 1.44269504f;
    /** 1.5·2^23: adding it rounds a float of magnitude under 2^22 to an integer, kept in the low bits. */
    private static final float ROUND = 12582912f;
    /** ln 2 = LN2_HI + LN2_LO; LN2_HI has 9 significant bits, so n·LN2_HI is exact for |n| ≤ 2^15. */
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;

    /**
     * e^x lane by lane for x ≤ 0 (the shifted logits of a softmax), within one ulp of the correctly rounded value on
     * [−87.3, 0] (VecTest measures it); below {@link #EXP_LOWEST} it gives 0. Only IEEE operations (fma, add,
     * multiply, integer add and shift), each defined lane by lane, so compiled and interpreted code give the same
     * bits, which the Vector API's own EXP does not promise. The method: e^x = 2^n·e^r with n = round(x·log₂e) and
     * r = x − n·ln 2 (ln 2 in two parts, so r is exact), e^r ≈ 1 + r + r²·P(r) with the minimax P of degree 5 on
     * [−ln 2/2, ln 2/2] from Cephes' expf, and 2^n built in the exponent bits.
     */
    public static FloatVector expNonPositive(FloatVector x) {
        FloatVector t = x.fma(LOG2E, ROUND);
        FloatVector n = t.sub(ROUND);
        FloatVector r = n.fma(FloatVector.broadcast(S, -LN2_HI), x);
        r = n.fma(FloatVector.broadcast(S, -LN2_LO), r);
        FloatVector p = r.fma(1.9875691500e-4f, 1.3981999507e-3f);
        p = p.fma(r, FloatVector.broadcast(S, 8.3334519073e-3f));
        p = p.fma(r, FloatVector.broadcast(S, 4.1665795894e-2f));
        p = p.fma(r, FloatVector.broadcast(S, 1.6666665459e-1f));
        p = p.fma(r, FloatVector.broadcast(S, 5.0000001201e-1f));
        FloatVector er = p.fma(r.mul(r), r).add(1f);
        // t's bits are ROUND's plus n: n + 127 in the exponent field is 2^n
        FloatVector twoN = t.reinterpretAsInts().add(127 - Float.floatToRawIntBits(ROUND))
                .lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        return er.mul(twoN).blend(0f, x.lt(EXP_LOWEST));
    }

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
