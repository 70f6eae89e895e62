package org.pauc.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The process-wide CUDA state: the three libraries, device 0 and its primary context, and the kernels of
 * {@code kernels.cu} compiled once per process by NVRTC to CUBIN for the device's architecture. Created on first
 * use; when anything is missing, {@link #unavailableReason()} says what, in one line.
 */
final class CudaRuntime {
    /** The kernel source, a class-path resource beside this class. */
    static final String KERNELS = "kernels.cu";

    private static volatile Object state; // a CudaRuntime, or the String reason it is unavailable

    final Driver driver;
    final Cublas cublas;
    final Nvrtc nvrtc;
    final int device;
    final MemorySegment context;
    final int ccMajor;
    final int ccMinor;
    final String deviceName;
    final int driverVersion;
    private final ThreadLocal<Boolean> current = ThreadLocal.withInitial(() -> false);
    private volatile MemorySegment module;
    private final Map<String, MemorySegment> functions = new ConcurrentHashMap<>();

    private CudaRuntime(Driver driver, Cublas cublas, Nvrtc nvrtc) {
        this.driver = driver;
        this.cublas = cublas;
        this.nvrtc = nvrtc;
        this.device = driver.device(0);
        this.context = driver.primaryContext(device);
        this.ccMajor = driver.attribute(Driver.ATTR_CC_MAJOR, device);
        this.ccMinor = driver.attribute(Driver.ATTR_CC_MINOR, device);
        this.deviceName = driver.deviceName(device);
        this.driverVersion = driver.driverVersion();
        makeCurrent();
    }

    /** The runtime, or an exception whose message is the one-line reason CUDA cannot be used here. */
    static CudaRuntime get() {
        Object s = load();
        if (s instanceof CudaRuntime r) {
            return r;
        }
        throw new IllegalStateException((String) s);
    }

    /** Null when CUDA can be used, else why not. */
    static String unavailableReason() {
        Object s = load();
        return s instanceof String why ? why : null;
    }

    private static Object load() {
        Object s = state;
        if (s == null) {
            synchronized (CudaRuntime.class) {
                s = state;
                if (s == null) {
                    s = create();
                    state = s;
                }
            }
        }
        return s;
    }

    private static Object create() {
        Driver driver;
        try {
            driver = new Driver(NativeLibs.open(NativeLibs.CUDA));
        } catch (NativeLibs.Missing e) {
            return "the CUDA driver library: " + e.getMessage();
        } catch (RuntimeException e) {
            return "the CUDA driver library: " + e.getMessage();
        }
        try {
            int r = driver.init();
            if (r == Driver.CUDA_ERROR_NO_DEVICE) {
                return "no CUDA device (cuInit: " + driver.describe(r) + ")";
            }
            if (r != 0) {
                return "cuInit failed: " + driver.describe(r);
            }
            if (driver.deviceCount() < 1) {
                return "no CUDA device (cuDeviceGetCount = 0)";
            }
        } catch (RuntimeException e) {
            return e.getMessage();
        }
        Cublas cublas;
        try {
            cublas = new Cublas(NativeLibs.open(NativeLibs.CUBLAS));
        } catch (NativeLibs.Missing | RuntimeException e) {
            return "cuBLAS: " + e.getMessage();
        }
        Nvrtc nvrtc;
        try {
            nvrtc = new Nvrtc(NativeLibs.open(NativeLibs.NVRTC));
        } catch (NativeLibs.Missing | RuntimeException e) {
            return "NVRTC: " + e.getMessage();
        }
        try {
            return new CudaRuntime(driver, cublas, nvrtc);
        } catch (RuntimeException e) {
            return e.getMessage();
        }
    }

    /** Makes the primary context current on the calling thread (once per thread). */
    void makeCurrent() {
        if (!current.get()) {
            driver.setCurrent(context);
            current.set(true);
        }
    }

    String arch() {
        return "sm_" + ccMajor + ccMinor;
    }

    /** The kernel source text. */
    static String kernelSource() {
        try (InputStream in = CudaRuntime.class.getResourceAsStream(KERNELS)) {
            if (in == null) {
                throw new IllegalStateException("the kernel source " + KERNELS + " is missing from the class path");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + KERNELS + ": " + e.getMessage());
        }
    }

    /** NVRTC's options for this device. */
    List<String> compileOptions() {
        return compileOptions(arch());
    }

    /** NVRTC's options for an architecture such as sm_90: those the backend compiles its kernels with. */
    static List<String> compileOptions(String arch) {
        return List.of("--gpu-architecture=" + arch, "--std=c++17");
    }

    /** The compiled function {@code name} (compiling the module on first use). */
    MemorySegment function(String name) {
        MemorySegment f = functions.get(name);
        if (f != null) {
            return f;
        }
        synchronized (this) {
            if (module == null) {
                try (Arena a = Arena.ofConfined()) {
                    MemorySegment cubin = nvrtc.compile(kernelSource(), KERNELS, compileOptions(), a);
                    module = driver.moduleLoadData(cubin);
                }
            }
            f = driver.function(module, name);
            functions.put(name, f);
            return f;
        }
    }
}
