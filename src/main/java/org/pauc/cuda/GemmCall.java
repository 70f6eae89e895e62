package org.pauc.cuda;

/**
 * The column-major cuBLAS SGEMM that computes a row-major product. A row-major matrix with leading dimension ld is
 * the column-major transpose with the same ld, so row-major C = op(A)·op(B) (m×n) is column-major
 * Cᵀ = op(B)ᵀ·op(A)ᵀ (n×m): the call takes B first, then A, with m and n swapped and each transpose flag kept
 * (a row-major operand stored transposed is, read column-major, untransposed: the flags cancel out twice).
 */
record GemmCall(int transa, int transb, int m, int n, int k, int lda, int ldb, int ldc) {

    /**
     * Row-major C (m×n, leading dimension ldc) = op(A)·op(B) with A stored k×m when ta (else m×k), leading
     * dimension lda, and B stored n×k when tb (else k×n), leading dimension ldb. The returned call's A operand is
     * the row-major B and its B operand the row-major A.
     */
    static GemmCall rowMajor(boolean ta, boolean tb, int m, int n, int k, int lda, int ldb, int ldc) {
        return new GemmCall(tb ? Cublas.OP_T : Cublas.OP_N, ta ? Cublas.OP_T : Cublas.OP_N, n, m, k, ldb, lda, ldc);
    }

    /** Packed leading dimensions: lda = ta ? m : k, ldb = tb ? k : n, ldc = n. */
    static GemmCall rowMajor(boolean ta, boolean tb, int m, int n, int k) {
        return rowMajor(ta, tb, m, n, k, ta ? m : k, tb ? k : n, n);
    }

    @Override
    public String toString() {
        return (transa == Cublas.OP_T ? "T" : "N") + (transb == Cublas.OP_T ? "T" : "N") + " m=" + m + " n=" + n
                + " k=" + k + " lda=" + lda + " ldb=" + ldb + " ldc=" + ldc;
    }
}
