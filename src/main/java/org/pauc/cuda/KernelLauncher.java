package org.pauc.cuda;

import static org.pauc.cuda.Native.INT;
import static org.pauc.cuda.Native.PTR;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Launching work on the backend's stream: the kernels of {@code kernels.cu} (each launch's arguments checked against
 * the kernel's signature first, {@link KernelSignatures}) and GEMM through cuBLAS, with one cuBLAS handle per calling
 * thread.
 */
final class KernelLauncher implements AutoCloseable {
    static final int THREADS = 256;
    private static final Map<String, List<KernelSignatures.Kind>> SIGNATURES =
            KernelSignatures.parse(CudaRuntime.kernelSource());

    private final CudaRuntime rt;
    private final MemorySegment stream;
    private final ThreadLocal<MemorySegment> handle = new ThreadLocal<>();
    private final List<MemorySegment> handles = new ArrayList<>();
    private final Arena scalars = Arena.ofShared();
    private final MemorySegment gemmScalars = scalars.allocate(8, 8);

    KernelLauncher(CudaRuntime rt, MemorySegment stream) {
        this.rt = rt;
        this.stream = stream;
    }

    /** This thread's cuBLAS handle on the stream. */
    MemorySegment cublas() {
        MemorySegment h = handle.get();
        if (h == null) {
            h = rt.cublas.createHandle(stream);
            handle.set(h);
            handles.add(h);
        }
        return h;
    }

    static int grid(long n) {
        return (int) Math.max(1, Math.min((n + THREADS - 1) / THREADS, 16384));
    }

    /** Launches kernel name on a gx×gy grid of bx×by blocks; args are Integer, Float, Double or Long (pointers). */
    void launch(String name, int gx, int gy, int bx, int by, Object... args) {
        KernelSignatures.check(name, SIGNATURES.get(name), args);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment params = a.allocate(PTR, args.length);
            for (int i = 0; i < args.length; i++) {
                MemorySegment v = switch (args[i]) {
                    case Integer x -> a.allocateFrom(INT, x);
                    case Float x -> a.allocateFrom(ValueLayout.JAVA_FLOAT, x);
                    case Double x -> a.allocateFrom(ValueLayout.JAVA_DOUBLE, x);
                    case Long x -> a.allocateFrom(ValueLayout.JAVA_LONG, x);
                    default -> throw new IllegalArgumentException("kernel " + name + ": argument " + i + " of type "
                            + args[i].getClass().getSimpleName());
                };
                params.setAtIndex(PTR, i, v);
            }
            rt.driver.launch(name, rt.function(name), gx, gy, 1, bx, by, 1, 0, stream, params);
        }
    }

    /** A grid-stride element-wise kernel over n elements. */
    void elementwise(String name, long n, Object... args) {
        if (n > 0) {
            launch(name, grid(n), 1, THREADS, 1, args);
        }
    }

    /** Row-major C = α·op(A)·op(B) + β·C with explicit leading dimensions (cuBLAS, see {@link GemmCall}). */
    void sgemm(boolean ta, boolean tb, int m, int n, int k, float alpha, long a, int lda, long b, int ldb,
                       float beta, long c, int ldc) {
        gemm(false, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }

    /** As {@link #sgemm}, with A and B in bfloat16 when {@code bf16} (C and the accumulation stay float). */
    void gemm(boolean bf16, boolean ta, boolean tb, int m, int n, int k, float alpha, long a, int lda, long b, int ldb,
              float beta, long c, int ldc) {
        if (m == 0 || n == 0) {
            return;
        }
        if (k == 0) {
            if (ldc != n) {
                throw new IllegalArgumentException("cuda gemm: k = 0 with a strided C");
            }
            if (beta == 0f) {
                rt.driver.memsetD32(c, 0, (long) m * n, stream);
            } else {
                elementwise("scale_f32", (long) m * n, m * n, beta, c);
            }
            return;
        }
        GemmCall call = GemmCall.rowMajor(ta, tb, m, n, k, lda, ldb, ldc);
        gemmScalars.set(ValueLayout.JAVA_FLOAT, 0, alpha);
        gemmScalars.set(ValueLayout.JAVA_FLOAT, 4, beta);
        if (bf16) {
            rt.cublas.gemmBf16(cublas(), call, gemmScalars, b, a, c);
        } else {
            rt.cublas.sgemm(cublas(), call, gemmScalars, b, a, c);
        }
    }

    @Override
    public void close() {
        for (MemorySegment h : handles) {
            rt.cublas.destroyHandle(h);
        }
        handles.clear();
        scalars.close();
    }
}
