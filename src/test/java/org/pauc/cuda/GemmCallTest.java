package org.pauc.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The row-major → column-major mapping of GEMM, checked without a GPU: the mapped call is executed by a plain
 * column-major SGEMM written from the BLAS definition and compared with a row-major product computed directly.
 */
class GemmCallTest {

    /** BLAS sgemm, column-major: C = α·op(A)·op(B) + β·C, op(A) m×k, op(B) k×n, C m×n with leading dimension ldc. */
    static void columnMajorSgemm(GemmCall c, float alpha, float[] a, float[] b, float beta, float[] out) {
        for (int j = 0; j < c.n(); j++) {
            for (int i = 0; i < c.m(); i++) {
                double s = 0;
                for (int p = 0; p < c.k(); p++) {
                    float x = c.transa() == Cublas.OP_T ? a[p + i * c.lda()] : a[i + p * c.lda()];
                    float y = c.transb() == Cublas.OP_T ? b[j + p * c.ldb()] : b[p + j * c.ldb()];
                    s += (double) x * y;
                }
                out[i + j * c.ldc()] = (float) (alpha * s + beta * out[i + j * c.ldc()]);
            }
        }
    }

    /** Row-major C = α·op(A)·op(B) + β·C straight from the definition. */
    static void rowMajor(boolean ta, boolean tb, int m, int n, int k, float alpha, float[] a, int lda, float[] b, int ldb,
                         float beta, float[] c, int ldc) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0; p < k; p++) {
                    float x = ta ? a[p * lda + i] : a[i * lda + p];
                    float y = tb ? b[j * ldb + p] : b[p * ldb + j];
                    s += (double) x * y;
                }
                c[i * ldc + j] = (float) (alpha * s + beta * c[i * ldc + j]);
            }
        }
    }

    private static float[] random(int n, SplittableRandom r) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) r.nextDouble(-1, 1);
        }
        return x;
    }

    @Test
    void everyTransposeAndPaddedLeadingDimensionMatchesTheRowMajorProduct() {
        SplittableRandom r = new SplittableRandom(5);
        int[][] shapes = {{7, 5, 3}, {1, 9, 4}, {6, 1, 2}, {4, 4, 1}, {13, 8, 11}};
        for (int[] sh : shapes) {
            int m = sh[0];
            int n = sh[1];
            int k = sh[2];
            for (int t = 0; t < 4; t++) {
                boolean ta = (t & 1) != 0;
                boolean tb = (t & 2) != 0;
                for (int pad : new int[] {0, 3}) {
                    int lda = (ta ? m : k) + pad;
                    int ldb = (tb ? k : n) + pad;
                    int ldc = n + pad;
                    float[] a = random((ta ? k : m) * lda, r);
                    float[] b = random((tb ? n : k) * ldb, r);
                    float[] c0 = random(m * ldc, r);
                    float[] want = c0.clone();
                    rowMajor(ta, tb, m, n, k, 0.7f, a, lda, b, ldb, 0.3f, want, ldc);
                    float[] got = c0.clone();
                    GemmCall call = GemmCall.rowMajor(ta, tb, m, n, k, lda, ldb, ldc);
                    // cuBLAS's A operand is the row-major B and its B operand the row-major A
                    columnMajorSgemm(call, 0.7f, b, a, 0.3f, got);
                    assertArrayEquals(want, got, 1e-5f, call + " for " + m + "x" + n + "x" + k + (ta ? " T" : " N")
                            + (tb ? "T" : "N"));
                }
            }
        }
    }

    @Test
    void packedLeadingDimensionsFollowTheStorageShapes() {
        GemmCall c = GemmCall.rowMajor(true, false, 3, 5, 7);
        assertEquals(new GemmCall(Cublas.OP_N, Cublas.OP_T, 5, 3, 7, 5, 3, 5), c);
        GemmCall d = GemmCall.rowMajor(false, true, 3, 5, 7);
        assertEquals(new GemmCall(Cublas.OP_T, Cublas.OP_N, 5, 3, 7, 7, 7, 5), d);
    }
}
