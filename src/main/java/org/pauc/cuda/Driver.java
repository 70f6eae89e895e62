package org.pauc.cuda;

import static org.pauc.cuda.Native.INT;
import static org.pauc.cuda.Native.LONG;
import static org.pauc.cuda.Native.PTR;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
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
            cuModuleLoadData, cuModuleGetFunction, cuLaunchKernel, cuGetErrorString, cuGetErrorName, cuMemGetInfo,
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
        cuMemGetInfo = Native.fn(lib, l, "cuMemGetInfo_v2", INT, PTR, PTR);
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

    /** cuInit(0); the raw CUresult, so that "no device" can be told apart. */
    int init() {
        try {
            return (int) cuInit.invoke(0);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    int driverVersion() {
        return intOut("cuDriverGetVersion", cuDriverGetVersion);
    }

    int deviceCount() {
        return intOut("cuDeviceGetCount", cuDeviceGetCount);
    }

    private int intOut(String call, MethodHandle h) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(INT);
            check(call, (int) h.invoke(out));
            return out.get(INT, 0);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    int device(int ordinal) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(INT);
            check("cuDeviceGet", (int) cuDeviceGet.invoke(out, ordinal));
            return out.get(INT, 0);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    int attribute(int attr, int dev) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(INT);
            check("cuDeviceGetAttribute", (int) cuDeviceGetAttribute.invoke(out, attr, dev));
            return out.get(INT, 0);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    String deviceName(int dev) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(256);
            check("cuDeviceGetName", (int) cuDeviceGetName.invoke(out, 256, dev));
            return out.getString(0);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    MemorySegment primaryContext(int dev) {
        return handleOut("cuDevicePrimaryCtxRetain", cuDevicePrimaryCtxRetain, dev);
    }

    private MemorySegment handleOut(String call, MethodHandle h, int arg) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(PTR);
            check(call, (int) h.invoke(out, arg));
            return out.get(PTR, 0);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    void setCurrent(MemorySegment ctx) {
        try {
            check("cuCtxSetCurrent", (int) cuCtxSetCurrent.invoke(ctx));
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    MemorySegment streamCreate() {
        return handleOut("cuStreamCreate", cuStreamCreate, 0);
    }

    void streamSynchronize(MemorySegment stream) {
        try {
            check("cuStreamSynchronize", (int) cuStreamSynchronize.invoke(stream));
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    long memAlloc(long bytes) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(LONG);
            int r = (int) cuMemAlloc.invoke(out, bytes);
            if (r != 0) {
                throw new CudaException("cuMemAlloc_v2(" + bytes + " bytes) failed: " + describe(r));
            }
            return out.get(LONG, 0);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    void memFree(long ptr) {
        try {
            check("cuMemFree_v2", (int) cuMemFree.invoke(ptr));
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /** Page-locked host memory of the given size. */
    MemorySegment memAllocHost(long bytes) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(PTR);
            check("cuMemAllocHost_v2", (int) cuMemAllocHost.invoke(out, bytes));
            return out.get(PTR, 0).reinterpret(bytes);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    void memFreeHost(MemorySegment p) {
        try {
            check("cuMemFreeHost", (int) cuMemFreeHost.invoke(p));
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    void copyHtoD(long dst, MemorySegment src, long bytes, MemorySegment stream) {
        try {
            check("cuMemcpyHtoDAsync_v2", (int) cuMemcpyHtoDAsync.invoke(dst, src, bytes, stream));
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    void copyDtoH(MemorySegment dst, long src, long bytes, MemorySegment stream) {
        try {
            check("cuMemcpyDtoHAsync_v2", (int) cuMemcpyDtoHAsync.invoke(dst, src, bytes, stream));
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    void copyDtoD(long dst, long src, long bytes, MemorySegment stream) {
        try {
            check("cuMemcpyDtoDAsync_v2", (int) cuMemcpyDtoDAsync.invoke(dst, src, bytes, stream));
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    void memsetD32(long dst, int value, long count, MemorySegment stream) {
        try {
            check("cuMemsetD32Async", (int) cuMemsetD32Async.invoke(dst, value, count, stream));
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    MemorySegment moduleLoadData(MemorySegment image) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(PTR);
            check("cuModuleLoadData", (int) cuModuleLoadData.invoke(out, image));
            return out.get(PTR, 0);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    MemorySegment function(MemorySegment module, String name) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(PTR);
            check("cuModuleGetFunction(" + name + ")", (int) cuModuleGetFunction.invoke(out, module, a.allocateFrom(name)));
            return out.get(PTR, 0);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    void launch(String name, MemorySegment f, int gx, int gy, int gz, int bx, int by, int bz, int shared,
                MemorySegment stream, MemorySegment params) {
        try {
            check("cuLaunchKernel(" + name + ")",
                    (int) cuLaunchKernel.invoke(f, gx, gy, gz, bx, by, bz, shared, stream, params, MemorySegment.NULL));
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /** {free, total} device memory in bytes. */
    long[] memInfo() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment f = a.allocate(LONG);
            MemorySegment t = a.allocate(LONG);
            check("cuMemGetInfo_v2", (int) cuMemGetInfo.invoke(f, t));
            return new long[] {f.get(LONG, 0), t.get(LONG, 0)};
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }
}
