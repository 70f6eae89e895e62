package org.pauc.cuda;

import static org.pauc.cuda.Native.INT;
import static org.pauc.cuda.Native.LONG;
import static org.pauc.cuda.Native.PTR;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

/** cuBLAS v2 entry points: handles and SGEMM (column-major; see {@link GemmCall} for the row-major mapping). */
final class Cublas {
    static final int OP_N = 0;
    static final int OP_T = 1;
    /** cudaDataType_t CUDA_R_32F and CUDA_R_16BF; cublasComputeType_t CUBLAS_COMPUTE_32F; CUBLAS_GEMM_DEFAULT. */
    static final int R_32F = 0;
    static final int R_16BF = 14;
    static final int COMPUTE_32F = 68;
    static final int GEMM_DEFAULT = -1;

    private final MethodHandle create, destroy, setStream, sgemm, gemmEx, statusString, getVersion;

    Cublas(SymbolLookup lib) {
        String l = "libcublas";
        create = Native.fn(lib, l, "cublasCreate_v2", INT, PTR);
        destroy = Native.fn(lib, l, "cublasDestroy_v2", INT, PTR);
        setStream = Native.fn(lib, l, "cublasSetStream_v2", INT, PTR, PTR);
        sgemm = Native.fn(lib, l, "cublasSgemm_v2", INT, PTR, INT, INT, INT, INT, INT, PTR, LONG, INT, LONG, INT, PTR,
                LONG, INT);
        gemmEx = Native.fn(lib, l, "cublasGemmEx", INT, PTR, INT, INT, INT, INT, INT, PTR, LONG, INT, INT, LONG, INT, INT,
                PTR, LONG, INT, INT, INT, INT);
        statusString = Native.fn(lib, l, "cublasGetStatusString", PTR, INT);
        getVersion = Native.fn(lib, l, "cublasGetVersion_v2", INT, PTR, PTR);
    }

    String describe(int status) {
        return Native.describe(statusString, status, "cublasStatus");
    }

    private void check(String call, int status) {
        if (status != 0) {
            throw new CudaException(call + " failed: " + describe(status));
        }
    }

    MemorySegment createHandle(MemorySegment stream) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(PTR);
            check("cublasCreate_v2", (int) create.invoke(out));
            MemorySegment h = out.get(PTR, 0);
            check("cublasSetStream_v2", (int) setStream.invoke(h, stream));
            return h;
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    void destroyHandle(MemorySegment h) {
        try {
            check("cublasDestroy_v2", (int) destroy.invoke(h));
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    int version(MemorySegment h) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(INT);
            check("cublasGetVersion_v2", (int) getVersion.invoke(h, out));
            return out.get(INT, 0);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /** A column-major SGEMM; alpha and beta live in the host segment scalars (alpha at 0, beta at 4). */
    void sgemm(MemorySegment h, GemmCall c, MemorySegment scalars, long a, long b, long cPtr) {
        try {
            check("cublasSgemm_v2(" + c + ")", (int) sgemm.invoke(h, c.transa(), c.transb(), c.m(), c.n(), c.k(),
                    scalars, a, c.lda(), b, c.ldb(), scalars.asSlice(4), cPtr, c.ldc()));
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /** A column-major GEMM on bfloat16 A and B with float C and float accumulation (CUBLAS_COMPUTE_32F). */
    void gemmBf16(MemorySegment h, GemmCall c, MemorySegment scalars, long a, long b, long cPtr) {
        try {
            check("cublasGemmEx(" + c + ", bf16)", (int) gemmEx.invoke(h, c.transa(), c.transb(), c.m(), c.n(), c.k(),
                    scalars, a, R_16BF, c.lda(), b, R_16BF, c.ldb(), scalars.asSlice(4), cPtr, R_32F, c.ldc(), COMPUTE_32F,
                    GEMM_DEFAULT));
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }
}
