package org.pauc.cuda;

import static org.pauc.cuda.Native.FLOAT;
import static org.pauc.cuda.Native.INT;
import static org.pauc.cuda.Native.LONG;
import static org.pauc.cuda.Native.PTR;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.List;
import org.pauc.oracle.layers.ConvShape;

/**
 * cuDNN 9's legacy convolution API (libcudnn.so.9, whose sub-libraries libcudnn_ops, _cnn, _graph, _engines_* and
 * _heuristic sit beside it): NHWC float tensors and filters, cross-correlation, an algorithm chosen once per shape by
 * cuDNN's heuristics, the workspace from the backend's pool. pauc's weights are kh×kw×cin×cout; cuDNN's NHWC filters
 * are cout×kh×kw×cin, so the backend transposes them on the device ({@code hwio_to_ohwi}).
 */
final class Cudnn {
    static final int DATA_FLOAT = 0;
    static final int TENSOR_NHWC = 1;
    static final int CROSS_CORRELATION = 1;
    /**
     * cudnnMathType_t: CUDNN_FMA_MATH, float FMA kernels only. CUDNN_DEFAULT_MATH (0) lets Ampere and later GPUs round
     * float inputs to TF32 (10-bit mantissa) on tensor cores: on an H200, 12 of fp32 verify's convolution checks failed
     * with it (largest absolute error 5e-2 in a weight gradient). TF32 is not float32, so pauc's fp32 does not use it.
     */
    static final int FMA_MATH = 3;
    /** cudnnMathType_t values that run tensor-core kernels (CUDNN_TENSOR_OP_MATH, ..._ALLOW_CONVERSION). */
    static final int TENSOR_OP_MATH = 1, TENSOR_OP_MATH_ALLOW_CONVERSION = 2;
    static final int STATUS_NOT_INITIALIZED = 1001;
    /** cudnnConvolution{Fwd,BwdData,BwdFilter}AlgoPerf_t: algo, status, time, memory, determinism, mathType, reserved[3]. */
    static final StructLayout ALGO_PERF = MemoryLayout.structLayout(INT.withName("algo"), INT.withName("status"),
            FLOAT.withName("time"), MemoryLayout.paddingLayout(4), LONG.withName("memory"), INT.withName("determinism"),
            INT.withName("mathType"), MemoryLayout.sequenceLayout(3, INT).withName("reserved"), MemoryLayout.paddingLayout(4));
    /** Byte offsets of the perf fields {@link #choose} reads. */
    private static final long ALGO = offset("algo"), STATUS = offset("status"), DETERMINISM = offset("determinism"),
            MATH_TYPE = offset("mathType");

    private static long offset(String field) {
        return ALGO_PERF.byteOffset(MemoryLayout.PathElement.groupElement(field));
    }

    /** Every symbol the binding uses, so a test can check that each resolves. */
    static final List<String> SYMBOLS = List.of("cudnnGetVersion", "cudnnGetErrorString", "cudnnCreate", "cudnnDestroy",
            "cudnnSetStream", "cudnnCreateTensorDescriptor", "cudnnSetTensor4dDescriptor", "cudnnDestroyTensorDescriptor",
            "cudnnCreateFilterDescriptor", "cudnnSetFilter4dDescriptor", "cudnnDestroyFilterDescriptor",
            "cudnnCreateConvolutionDescriptor", "cudnnSetConvolution2dDescriptor", "cudnnSetConvolutionMathType",
            "cudnnGetConvolutionMathType", "cudnnDestroyConvolutionDescriptor", "cudnnGetConvolution2dForwardOutputDim",
            "cudnnGetConvolutionForwardAlgorithm_v7", "cudnnGetConvolutionForwardWorkspaceSize", "cudnnConvolutionForward",
            "cudnnGetConvolutionBackwardDataAlgorithm_v7", "cudnnGetConvolutionBackwardDataWorkspaceSize",
            "cudnnConvolutionBackwardData", "cudnnGetConvolutionBackwardFilterAlgorithm_v7",
            "cudnnGetConvolutionBackwardFilterWorkspaceSize", "cudnnConvolutionBackwardFilter");

    private final MethodHandle getVersion, errorString, create, destroy, setStream, createTensor, setTensor4d,
            destroyTensor, createFilter, setFilter4d, destroyFilter, createConv, setConv2d, setMathType, getMathType,
            destroyConv, outputDim, fwdAlgo, fwdWorkspace, forward, bwdDataAlgo, bwdDataWorkspace, backwardData, bwdFilterAlgo,
            bwdFilterWorkspace, backwardFilter;

    /**
     * The sub-libraries libcudnn.so.9 opens by soname on its first call; when one is missing it aborts the process
     * (it prints "Unable to load any of {libcudnn_graph.so.9 …}" and calls abort()), so they are checked first.
     */
    static final List<String> SUB_LIBRARIES = List.of("libcudnn_graph.so.9", "libcudnn_ops.so.9", "libcudnn_cnn.so.9",
            "libcudnn_heuristic.so.9", "libcudnn_engines_precompiled.so.9", "libcudnn_engines_runtime_compiled.so.9");

    /** Binds the library; throws (one line) when a sub-library it needs cannot be loaded, before any cuDNN call. */
    Cudnn(SymbolLookup lib) {
        for (String sub : SUB_LIBRARIES) {
            try {
                SymbolLookup.libraryLookup(sub, Arena.global());
            } catch (IllegalArgumentException e) {
                throw new CudaException("cuDNN's " + sub + " cannot be loaded (it must sit beside libcudnn.so.9 or on "
                        + "the loader's path): " + e.getMessage());
            }
        }
        String l = "libcudnn";
        getVersion = Native.fn(lib, l, "cudnnGetVersion", LONG);
        errorString = Native.fn(lib, l, "cudnnGetErrorString", PTR, INT);
        create = Native.fn(lib, l, "cudnnCreate", INT, PTR);
        destroy = Native.fn(lib, l, "cudnnDestroy", INT, PTR);
        setStream = Native.fn(lib, l, "cudnnSetStream", INT, PTR, PTR);
        createTensor = Native.fn(lib, l, "cudnnCreateTensorDescriptor", INT, PTR);
        setTensor4d = Native.fn(lib, l, "cudnnSetTensor4dDescriptor", INT, PTR, INT, INT, INT, INT, INT, INT);
        destroyTensor = Native.fn(lib, l, "cudnnDestroyTensorDescriptor", INT, PTR);
        createFilter = Native.fn(lib, l, "cudnnCreateFilterDescriptor", INT, PTR);
        setFilter4d = Native.fn(lib, l, "cudnnSetFilter4dDescriptor", INT, PTR, INT, INT, INT, INT, INT, INT);
        destroyFilter = Native.fn(lib, l, "cudnnDestroyFilterDescriptor", INT, PTR);
        createConv = Native.fn(lib, l, "cudnnCreateConvolutionDescriptor", INT, PTR);
        setConv2d = Native.fn(lib, l, "cudnnSetConvolution2dDescriptor", INT, PTR, INT, INT, INT, INT, INT, INT, INT, INT);
        setMathType = Native.fn(lib, l, "cudnnSetConvolutionMathType", INT, PTR, INT);
        getMathType = Native.fn(lib, l, "cudnnGetConvolutionMathType", INT, PTR, PTR);
        destroyConv = Native.fn(lib, l, "cudnnDestroyConvolutionDescriptor", INT, PTR);
        outputDim = Native.fn(lib, l, "cudnnGetConvolution2dForwardOutputDim", INT, PTR, PTR, PTR, PTR, PTR, PTR, PTR);
        fwdAlgo = Native.fn(lib, l, "cudnnGetConvolutionForwardAlgorithm_v7", INT, PTR, PTR, PTR, PTR, PTR, INT, PTR, PTR);
        fwdWorkspace = Native.fn(lib, l, "cudnnGetConvolutionForwardWorkspaceSize", INT, PTR, PTR, PTR, PTR, PTR, INT, PTR);
        forward = Native.fn(lib, l, "cudnnConvolutionForward", INT, PTR, PTR, PTR, LONG, PTR, LONG, PTR, INT, LONG, LONG,
                PTR, PTR, LONG);
        bwdDataAlgo = Native.fn(lib, l, "cudnnGetConvolutionBackwardDataAlgorithm_v7", INT, PTR, PTR, PTR, PTR, PTR, INT,
                PTR, PTR);
        bwdDataWorkspace = Native.fn(lib, l, "cudnnGetConvolutionBackwardDataWorkspaceSize", INT, PTR, PTR, PTR, PTR, PTR,
                INT, PTR);
        backwardData = Native.fn(lib, l, "cudnnConvolutionBackwardData", INT, PTR, PTR, PTR, LONG, PTR, LONG, PTR, INT,
                LONG, LONG, PTR, PTR, LONG);
        bwdFilterAlgo = Native.fn(lib, l, "cudnnGetConvolutionBackwardFilterAlgorithm_v7", INT, PTR, PTR, PTR, PTR, PTR,
                INT, PTR, PTR);
        bwdFilterWorkspace = Native.fn(lib, l, "cudnnGetConvolutionBackwardFilterWorkspaceSize", INT, PTR, PTR, PTR, PTR,
                PTR, INT, PTR);
        backwardFilter = Native.fn(lib, l, "cudnnConvolutionBackwardFilter", INT, PTR, PTR, PTR, LONG, PTR, LONG, PTR, INT,
                LONG, LONG, PTR, PTR, LONG);
    }

    /** The library found as the other NVIDIA libraries are (-Dpauc.cuda.libcudnn, PAUC_LIBCUDNN, the usual folders). */
    static Cudnn open() throws NativeLibs.Missing {
        return new Cudnn(NativeLibs.open(NativeLibs.CUDNN));
    }

    /** Thrown for a cuDNN status other than success; {@link #status} is the code. */
    static final class Failure extends CudaException {
        final int status;

        Failure(String message, int status) {
            super(message);
            this.status = status;
        }
    }

    private void check(String call, int code) {
        if (code != 0) {
            throw new Failure(call + " failed: " + Native.describe(errorString, code, "cudnnStatus_t"), code);
        }
    }

    private void call(String name, Native.StatusCall c) {
        check(name, Native.status(c));
    }

    /** "major.minor.patch" from cudnnGetVersion (major·10000 + minor·100 + patch in cuDNN 9). */
    String version() {
        long v;
        try {
            v = (long) getVersion.invoke();
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
        return v / 10000 + "." + v / 100 % 100 + "." + v % 100;
    }

    /** A handle on the current device, its work queued on {@code stream}. */
    MemorySegment handle(MemorySegment stream) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(PTR);
            call("cudnnCreate", () -> (int) create.invoke(out));
            MemorySegment h = out.get(PTR, 0);
            call("cudnnSetStream", () -> (int) setStream.invoke(h, stream));
            return h;
        }
    }

    void destroy(MemorySegment handle) {
        call("cudnnDestroy", () -> (int) destroy.invoke(handle));
    }

    /** The descriptors of one convolution geometry; host objects, usable without a device. */
    final class Descriptors implements AutoCloseable {
        final ConvShape shape;
        final MemorySegment x;
        final MemorySegment y;
        final MemorySegment w;
        final MemorySegment conv;

        Descriptors(ConvShape s) {
            shape = s;
            try (Arena a = Arena.ofConfined()) {
                MemorySegment out = a.allocate(PTR);
                call("cudnnCreateTensorDescriptor", () -> (int) createTensor.invoke(out));
                x = out.get(PTR, 0);
                call("cudnnCreateTensorDescriptor", () -> (int) createTensor.invoke(out));
                y = out.get(PTR, 0);
                call("cudnnCreateFilterDescriptor", () -> (int) createFilter.invoke(out));
                w = out.get(PTR, 0);
                call("cudnnCreateConvolutionDescriptor", () -> (int) createConv.invoke(out));
                conv = out.get(PTR, 0);
            }
            // dimensions are given as N, C, H, W whatever the memory format
            call("cudnnSetTensor4dDescriptor", () -> (int) setTensor4d.invoke(x, TENSOR_NHWC, DATA_FLOAT, s.n(), s.cin(),
                    s.h(), s.w()));
            call("cudnnSetFilter4dDescriptor", () -> (int) setFilter4d.invoke(w, DATA_FLOAT, TENSOR_NHWC, s.cout(), s.cin(),
                    s.kh(), s.kw()));
            call("cudnnSetConvolution2dDescriptor", () -> (int) setConv2d.invoke(conv, s.pad(), s.pad(), s.stride(),
                    s.stride(), 1, 1, CROSS_CORRELATION, DATA_FLOAT));
            call("cudnnSetConvolutionMathType", () -> (int) setMathType.invoke(conv, FMA_MATH));
            int[] out = outputDims();
            call("cudnnSetTensor4dDescriptor", () -> (int) setTensor4d.invoke(y, TENSOR_NHWC, DATA_FLOAT, out[0], out[1],
                    out[2], out[3]));
        }

        /** The math type set on the convolution descriptor (cudnnMathType_t). */
        int mathType() {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment m = a.allocate(INT);
                call("cudnnGetConvolutionMathType", () -> (int) getMathType.invoke(conv, m));
                return m.get(INT, 0);
            }
        }

        /** cuDNN's output dimensions N, C, H, W for this geometry. */
        int[] outputDims() {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment d = a.allocate(INT, 4);
                call("cudnnGetConvolution2dForwardOutputDim", () -> (int) outputDim.invoke(conv, x, w, d,
                        d.asSlice(4), d.asSlice(8), d.asSlice(12)));
                return d.toArray(INT);
            }
        }

        @Override
        public void close() {
            call("cudnnDestroyTensorDescriptor", () -> (int) destroyTensor.invoke(x));
            call("cudnnDestroyTensorDescriptor", () -> (int) destroyTensor.invoke(y));
            call("cudnnDestroyFilterDescriptor", () -> (int) destroyFilter.invoke(w));
            call("cudnnDestroyConvolutionDescriptor", () -> (int) destroyConv.invoke(conv));
        }
    }

    /** An algorithm for one direction of a convolution, and its workspace in bytes. */
    record Algo(int id, long workspace) {}

    /** How many of the heuristics' ranked algorithms are looked at. */
    static final int CANDIDATES = 8;
    static final int DETERMINISTIC = 1;

    /**
     * The algorithm to use from the heuristics' ranking (perf results, count of them): the best-ranked one that runs
     * in float FMA math and is deterministic (cuDNN's atomics-based algorithms are not, and a run must repeat on its
     * device), else the best such one that runs, else algorithm 0 (implicit GEMM, always available). Entries that
     * need tensor-core math are passed over: they would not run float32.
     */
    static int choose(MemorySegment perf, int count) {
        int runs = -1;
        for (int i = 0; i < count; i++) {
            MemorySegment p = perf.asSlice(i * ALGO_PERF.byteSize(), ALGO_PERF.byteSize());
            int math = p.get(INT, MATH_TYPE);
            if (p.get(INT, STATUS) != 0 || math == TENSOR_OP_MATH || math == TENSOR_OP_MATH_ALLOW_CONVERSION) {
                continue;
            }
            if (p.get(INT, DETERMINISM) == DETERMINISTIC) {
                return p.get(INT, ALGO);
            }
            if (runs < 0) {
                runs = p.get(INT, ALGO);
            }
        }
        return Math.max(runs, 0);
    }

    /** The algorithms of a geometry's forward, backward-data and backward-filter passes, chosen once. */
    record Plan(Descriptors d, Algo forward, Algo backwardData, Algo backwardFilter) {}

    Plan plan(MemorySegment handle, Descriptors d) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment count = a.allocate(INT);
            MemorySegment perf = a.allocate(ALGO_PERF, CANDIDATES);
            MemorySegment size = a.allocate(LONG);
            call("cudnnGetConvolutionForwardAlgorithm_v7", () -> (int) fwdAlgo.invoke(handle, d.x, d.w, d.conv, d.y,
                    CANDIDATES, count, perf));
            int f = choose(perf, count.get(INT, 0));
            call("cudnnGetConvolutionForwardWorkspaceSize", () -> (int) fwdWorkspace.invoke(handle, d.x, d.w, d.conv, d.y,
                    f, size));
            Algo fwd = new Algo(f, size.get(LONG, 0));
            call("cudnnGetConvolutionBackwardDataAlgorithm_v7", () -> (int) bwdDataAlgo.invoke(handle, d.w, d.y, d.conv,
                    d.x, CANDIDATES, count, perf));
            int bd = choose(perf, count.get(INT, 0));
            call("cudnnGetConvolutionBackwardDataWorkspaceSize", () -> (int) bwdDataWorkspace.invoke(handle, d.w, d.y,
                    d.conv, d.x, bd, size));
            Algo data = new Algo(bd, size.get(LONG, 0));
            call("cudnnGetConvolutionBackwardFilterAlgorithm_v7", () -> (int) bwdFilterAlgo.invoke(handle, d.x, d.y,
                    d.conv, d.w, CANDIDATES, count, perf));
            int bf = choose(perf, count.get(INT, 0));
            call("cudnnGetConvolutionBackwardFilterWorkspaceSize", () -> (int) bwdFilterWorkspace.invoke(handle, d.x, d.y,
                    d.conv, d.w, bf, size));
            return new Plan(d, fwd, data, new Algo(bf, size.get(LONG, 0)));
        }
    }

    /** y = beta·y + conv(x, w) (w in cuDNN's cout×kh×kw×cin). */
    void forward(MemorySegment handle, Plan p, long x, long w, long y, long workspace, float beta) {
        scaled(beta, (alpha, b) -> call("cudnnConvolutionForward", () -> (int) forward.invoke(handle, alpha, p.d().x, x,
                p.d().w, w, p.d().conv, p.forward().id(), workspace, p.forward().workspace(), b, p.d().y, y)));
    }

    /** dx = dL/dx from dy. */
    void backwardData(MemorySegment handle, Plan p, long w, long dy, long dx, long workspace) {
        scaled(0f, (alpha, b) -> call("cudnnConvolutionBackwardData", () -> (int) backwardData.invoke(handle, alpha,
                p.d().w, w, p.d().y, dy, p.d().conv, p.backwardData().id(), workspace, p.backwardData().workspace(), b,
                p.d().x, dx)));
    }

    /** dw = dL/dw from x and dy (cuDNN's layout). */
    void backwardFilter(MemorySegment handle, Plan p, long x, long dy, long dw, long workspace) {
        scaled(0f, (alpha, b) -> call("cudnnConvolutionBackwardFilter", () -> (int) backwardFilter.invoke(handle, alpha,
                p.d().x, x, p.d().y, dy, p.d().conv, p.backwardFilter().id(), workspace, p.backwardFilter().workspace(), b,
                p.d().w, dw)));
    }

    private interface Scaled {
        void run(MemorySegment alpha, MemorySegment beta);
    }

    /** cuDNN's host-side scaling factors alpha = 1 and beta. */
    private static void scaled(float beta, Scaled body) {
        try (Arena a = Arena.ofConfined()) {
            body.run(a.allocateFrom(FLOAT, 1f), a.allocateFrom(FLOAT, beta));
        }
    }
}
