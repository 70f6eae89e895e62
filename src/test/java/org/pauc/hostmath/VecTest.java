package org.pauc.hostmath;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

class VecTest {
    /** Arguments of e^x: a dense sweep of [EXP_LOWEST, 0], the edges, and random values below EXP_LOWEST. */
    private static float[] arguments() {
        int sweep = 1 << 20;
        float[] x = new float[sweep + 4 * Vec.L + 1000];
        for (int i = 0; i < sweep; i++) {
            x[i] = Vec.EXP_LOWEST * i / (sweep - 1);
        }
        SplittableRandom rng = new SplittableRandom(7);
        int i = sweep;
        for (float edge : new float[] {0f, -0f, Float.MIN_VALUE * -1, -1e-30f, -0.34657359f, -0.6931472f,
                -1e-7f, Math.nextDown(Vec.EXP_LOWEST), Vec.EXP_LOWEST, -100f, -1e30f, Float.NEGATIVE_INFINITY}) {
            x[i++] = edge;
        }
        while (i < x.length) {
            x[i++] = (float) (-1000 * rng.nextDouble());
        }
        return x;
    }

    private static float[] expOf(float[] x) {
        float[] y = new float[x.length];
        int i = 0;
        for (; i + Vec.L <= x.length; i += Vec.L) {
            Vec.expNonPositive(FloatVector.fromArray(Vec.S, x, i)).intoArray(y, i);
        }
        float[] last = new float[Vec.L];
        System.arraycopy(x, i, last, 0, x.length - i);
        float[] out = new float[Vec.L];
        Vec.expNonPositive(FloatVector.fromArray(Vec.S, last, 0)).intoArray(out, 0);
        System.arraycopy(out, 0, y, i, x.length - i);
        return y;
    }

    @Test
    void expIsWithinOneUlpOfTheCorrectlyRoundedValueAndZeroBelowTheNormalFloats() {
        float[] x = arguments();
        float[] y = expOf(x);
        int worst = 0;
        for (int i = 0; i < x.length; i++) {
            if (x[i] < Vec.EXP_LOWEST) {
                assertEquals(0f, y[i], "e^" + x[i]);
                continue;
            }
            if (x[i] == 0) {
                assertEquals(1f, y[i], "e^" + x[i]);
            }
            float want = (float) Math.exp(x[i]);
            int ulps = Math.abs(Float.floatToIntBits(y[i]) - Float.floatToIntBits(want));
            worst = Math.max(worst, ulps);
            assertTrue(ulps <= 1, "e^" + x[i] + " = " + y[i] + ", correctly rounded " + want);
        }
        System.out.println("[vec] e^x on [" + Vec.EXP_LOWEST + ", 0]: at most " + worst + " ulp from Math.exp");
    }

    /**
     * The same steps in scalar Java (each lane operation is defined as the scalar one: Math.fma, +, ×, int + and
     * shift). Equal bits after the JIT compiled the vector code mean compiled and interpreted runs agree.
     */
    private static float expModel(float x) {
        float t = Math.fma(x, 1.44269504f, 12582912f);
        float n = t - 12582912f;
        float r = Math.fma(n, -0.693359375f, x);
        r = Math.fma(n, 2.12194440e-4f, r);
        float p = Math.fma(r, 1.9875691500e-4f, 1.3981999507e-3f);
        p = Math.fma(p, r, 8.3334519073e-3f);
        p = Math.fma(p, r, 4.1665795894e-2f);
        p = Math.fma(p, r, 1.6666665459e-1f);
        p = Math.fma(p, r, 5.0000001201e-1f);
        float er = Math.fma(p, r * r, r) + 1f;
        float twoN = Float.intBitsToFloat((Float.floatToRawIntBits(t) + 127 - Float.floatToRawIntBits(12582912f)) << 23);
        return x < Vec.EXP_LOWEST ? 0f : er * twoN;
    }

    @Test
    void compiledExpGivesTheBitsOfItsScalarDefinition() {
        float[] x = arguments();
        float[] y = null;
        for (int round = 0; round < 30; round++) {
            y = expOf(x);
        }
        for (int i = 0; i < x.length; i++) {
            assertEquals(Float.floatToRawIntBits(expModel(x[i])), Float.floatToRawIntBits(y[i]), "e^" + x[i]);
        }
    }

    @Test
    void doubleLanesAddInLaneOrder() {
        double[] lanes = new double[VectorWidth.DOUBLE.length()];
        lanes[0] = 1e16;
        lanes[lanes.length - 1] = -1e16;
        for (int i = 1; i < lanes.length - 1; i++) {
            lanes[i] = 1;
        }
        // in lane order each 1 rounds away against 1e16 (its ulp is 2, the tie goes to the even 1e16), so the sum is
        // 0; pairs first (a tree) would keep 1 + 1 = 2 where there are eight lanes
        assertEquals(0.0, Vec.sumLanes(DoubleVector.fromArray(VectorWidth.DOUBLE, lanes, 0)));
    }
}
