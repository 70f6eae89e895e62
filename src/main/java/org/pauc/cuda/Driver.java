package org.pauc.cuda;

import static org.pauc.cuda.Native.INT;
import static org.pauc.cuda.Native.LONG;
import static org.pauc.cuda.Native.PTR;

import java.lang.foreign.AddressLayout;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * The CUDA driver API entry points the backend uses, bound by their versioned names ({@code _v2}) where the plain
 * name is a legacy ABI. Every call checks its CUresult and throws {@link CudaException} naming the call and the
 * driver's own error name and string.
 */
final class Driver {
    static final int ATTR_CC_MAJOR = 75;
    static final int ATTR_CC_MINOR = 76;
    static final int ATTR_SM_COUNT = 16;
    static final int CUDA_ERROR_NO_DEVICE = 100;

    private final MethodHandle cuInit, cuDeviceGetCount, cuDeviceGet, cuDeviceGetAttribute, cuDeviceGetName,
            cuDevicePrimaryCtxRetain, cuCtxSetCurrent, cuStreamCreate, cuStreamSynchronize, cuMemAlloc, cuMemFree,
            cuMemAllocHost, cuMemFreeHost, cuMemcpyHtoDAsync, cuMemcpyDtoHAsync, cuMemcpyDtoDAsync, cuMemsetD32Async,
            cuModuleLoadData, cuModuleGetFunction, cuLaunchKernel, cuGetErrorString, cuGetErrorName,
            cuDriverGetVersion;

    Driver(SymbolLookup lib) {
        String l = "libcuda";
        cuInit = Native.fn(lib, l, "cuInit", INT, INT);
        cuDriverGetVersion = Native.fn(lib, l, "cuDriverGetVersion", INT, PTR);
        cuDeviceGetCount = Native.fn(lib, l, "cuDeviceGetCount", INT, PTR);
        cuDeviceGet = Native.fn(lib, l, "cuDeviceGet", INT, PTR, INT);
        cuDeviceGetAttribute = Native.fn(lib, l, "cuDeviceGetAttribute", INT, PTR, INT, INT);
        cuDeviceGetName = Native.fn(lib, l, "cuDeviceGetName", INT, PTR, INT, INT);
        cuDevicePrimaryCtxRetain = Native.fn(lib, l, "cuDevicePrimaryCtxRetain", INT, PTR, INT);
        cuCtxSetCurrent = Native.fn(lib, l, "cuCtxSetCurrent", INT, PTR);
        cuStreamCreate = Native.fn(lib, l, "cuStreamCreate", INT, PTR, INT);
        cuStreamSynchronize = Native.fn(lib, l, "cuStreamSynchronize", INT, PTR);
        cuMemAlloc = Native.fn(lib, l, "cuMemAlloc_v2", INT, PTR, LONG);
        cuMemFree = Native.fn(lib, l, "cuMemFree_v2", INT, LONG);
        cuMemAllocHost = Native.fn(lib, l, "cuMemAllocHost_v2", INT, PTR, LONG);
        cuMemFreeHost = Native.fn(lib, l, "cuMemFreeHost", INT, PTR);
        cuMemcpyHtoDAsync = Native.fn(lib, l, "cuMemcpyHtoDAsync_v2", INT, LONG, PTR, LONG, PTR);
        cuMemcpyDtoHAsync = Native.fn(lib, l, "cuMemcpyDtoHAsync_v2", INT, PTR, LONG, LONG, PTR);
        cuMemcpyDtoDAsync = Native.fn(lib, l, "cuMemcpyDtoDAsync_v2", INT, LONG, LONG, LONG, PTR);
        cuMemsetD32Async = Native.fn(lib, l, "cuMemsetD32Async", INT, LONG, INT, LONG, PTR);
        cuModuleLoadData = Native.fn(lib, l, "cuModuleLoadData", INT, PTR, PTR);
        cuModuleGetFunction = Native.fn(lib, l, "cuModuleGetFunction", INT, PTR, PTR, PTR);
        cuLaunchKernel = Native.fn(lib, l, "cuLaunchKernel", INT, PTR, INT, INT, INT, INT, INT, INT, INT, PTR, PTR, PTR);
        cuGetErrorString = Native.fn(lib, l, "cuGetErrorString", INT, INT, PTR);
        cuGetErrorName = Native.fn(lib, l, "cuGetErrorName", INT, INT, PTR);
    }

    /** The driver's name and description of a CUresult, e.g. "CUDA_ERROR_OUT_OF_MEMORY: out of memory". */
    String describe(int code) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = a.allocate(PTR);
            String name = (int) cuGetErrorName.invoke(code, p) == 0 ? Native.cString(p.get(PTR, 0)) : "CUresult " + code;
            String text = (int) cuGetErrorString.invoke(code, p) == 0 ? Native.cString(p.get(PTR, 0)) : "";
            return text.isEmpty() ? name : name + ": " + text;
        } catch (Throwable t) {
            return "CUresult " + code;
        }
    }

    void check(String call, int code) {
        if (code != 0) {
            throw new CudaException(call + " failed: " + describe(code));
        }
    }

    /** A native call returning a CUresult. */
    @FunctionalInterface
    interface Call {
        int invoke() throws Throwable;
    }

    /** A native call that writes its result through the pointer {@code out} and returns a CUresult. */
    @FunctionalInterface
    interface OutCall {
        int invoke(MemorySegment out) throws Throwable;
    }

    /** Runs a call and checks its CUresult. */
    private void run(String name, Call c) {
        check(name, Native.status(c::invoke));
    }

    /** Runs a call with an out-parameter of the given layout, checks it, and reads the result. */
    private Object out(String name, ValueLayout layout, OutCall c) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment o = a.allocate(layout);
            int code;
            try {
                code = c.invoke(o);
            } catch (Throwable t) {
                throw Native.rethrow(t);
            }
            check(name, code);
            return switch (layout) {
                case ValueLayout.OfInt i -> o.get(i, 0);
                case ValueLayout.OfLong l -> o.get(l, 0);
                case AddressLayout p -> o.get(p, 0);
                default -> throw new IllegalArgumentException("unsupported out layout " + layout);
            };
        }
    }

    /** cuInit(0); the raw CUresult, so that "no device" can be told apart. */
    int init() {
        try {
            return (int) cuInit.invoke(0);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    int driverVersion() {
        return (int) out("cuDriverGetVersion", INT, o -> (int) cuDriverGetVersion.invoke(o));
    }

    int deviceCount() {
        return (int) out("cuDeviceGetCount", INT, o -> (int) cuDeviceGetCount.invoke(o));
    }

    int device(int ordinal) {
        return (int) out("cuDeviceGet", INT, o -> (int) cuDeviceGet.invoke(o, ordinal));
    }

    int attribute(int attr, int dev) {
        return (int) out("cuDeviceGetAttribute", INT, o -> (int) cuDeviceGetAttribute.invoke(o, attr, dev));
    }

    String deviceName(int dev) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment name = a.allocate(256);
            run("cuDeviceGetName", () -> (int) cuDeviceGetName.invoke(name, 256, dev));
            return name.getString(0);
        }
    }

    MemorySegment primaryContext(int dev) {
        return (MemorySegment) out("cuDevicePrimaryCtxRetain", PTR, o -> (int) cuDevicePrimaryCtxRetain.invoke(o, dev));
    }

    void setCurrent(MemorySegment ctx) {
        run("cuCtxSetCurrent", () -> (int) cuCtxSetCurrent.invoke(ctx));
    }

    MemorySegment streamCreate() {
        return (MemorySegment) out("cuStreamCreate", PTR, o -> (int) cuStreamCreate.invoke(o, 0));
    }

    void streamSynchronize(MemorySegment stream) {
        run("cuStreamSynchronize", () -> (int) cuStreamSynchronize.invoke(stream));
    }

    long memAlloc(long bytes) {
        return (long) out("cuMemAlloc_v2(" + bytes + " bytes)", LONG, o -> (int) cuMemAlloc.invoke(o, bytes));
    }

    void memFree(long ptr) {
        run("cuMemFree_v2", () -> (int) cuMemFree.invoke(ptr));
    }

    /** Page-locked host memory of the given size. */
    MemorySegment memAllocHost(long bytes) {
        return ((MemorySegment) out("cuMemAllocHost_v2", PTR, o -> (int) cuMemAllocHost.invoke(o, bytes))).reinterpret(bytes);
    }

    void memFreeHost(MemorySegment p) {
        run("cuMemFreeHost", () -> (int) cuMemFreeHost.invoke(p));
    }

    void copyHtoD(long dst, MemorySegment src, long bytes, MemorySegment stream) {
        run("cuMemcpyHtoDAsync_v2", () -> (int) cuMemcpyHtoDAsync.invoke(dst, src, bytes, stream));
    }

    void copyDtoH(MemorySegment dst, long src, long bytes, MemorySegment stream) {
        run("cuMemcpyDtoHAsync_v2", () -> (int) cuMemcpyDtoHAsync.invoke(dst, src, bytes, stream));
    }

    void copyDtoD(long dst, long src, long bytes, MemorySegment stream) {
        run("cuMemcpyDtoDAsync_v2", () -> (int) cuMemcpyDtoDAsync.invoke(dst, src, bytes, stream));
    }

    void memsetD32(long dst, int value, long count, MemorySegment stream) {
        run("cuMemsetD32Async", () -> (int) cuMemsetD32Async.invoke(dst, value, count, stream));
    }

    MemorySegment moduleLoadData(MemorySegment image) {
        return (MemorySegment) out("cuModuleLoadData", PTR, o -> (int) cuModuleLoadData.invoke(o, image));
    }

    MemorySegment function(MemorySegment module, String name) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cName = a.allocateFrom(name);
            return (MemorySegment) out("cuModuleGetFunction(" + name + ")", PTR,
                    o -> (int) cuModuleGetFunction.invoke(o, module, cName));
        }
    }

    void launch(String name, MemorySegment f, int gx, int gy, int gz, int bx, int by, int bz, int shared,
                MemorySegment stream, MemorySegment params) {
        run("cuLaunchKernel(" + name + ")",
                () -> (int) cuLaunchKernel.invoke(f, gx, gy, gz, bx, by, bz, shared, stream, params, MemorySegment.NULL));
    }
}
