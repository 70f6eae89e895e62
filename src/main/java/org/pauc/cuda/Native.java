package org.pauc.cuda;

import java.lang.foreign.AddressLayout;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/** Downcall handles for C functions. Device pointers and sizes travel as {@code long}, handles as addresses. */
final class Native {
    static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;
    static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT;
    static final ValueLayout.OfDouble DOUBLE = ValueLayout.JAVA_DOUBLE;
    static final AddressLayout PTR = ValueLayout.ADDRESS;

    private Native() {}

    static MethodHandle fn(SymbolLookup lib, String library, String name, MemoryLayout ret, MemoryLayout... args) {
        MemorySegment sym = lib.find(name).orElseThrow(
                () -> new CudaException(library + " has no symbol " + name + " (too old a version?)"));
        FunctionDescriptor fd = ret == null ? FunctionDescriptor.ofVoid(args) : FunctionDescriptor.of(ret, args);
        return Linker.nativeLinker().downcallHandle(sym, fd);
    }

    /** A NUL-terminated C string at address p (empty when p is NULL). */
    static String cString(MemorySegment p) {
        if (p == null || p.equals(MemorySegment.NULL)) {
            return "";
        }
        return p.reinterpret(Long.MAX_VALUE).getString(0);
    }

    /** A downcall that returns a status code (0: success). */
    @FunctionalInterface
    interface StatusCall {
        int invoke() throws Throwable;
    }

    /** The status a call returned; a failure of the downcall itself comes back unchecked. */
    static int status(StatusCall c) {
        try {
            return c.invoke();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * A library's own text for a status code, from its {@code const char* fn(int)} (nvrtcGetErrorString,
     * cublasGetStatusString, cudnnGetErrorString, ncclGetErrorString), or "TYPE code" when that call fails.
     */
    static String describe(MethodHandle errorString, int code, String type) {
        try {
            return cString((MemorySegment) errorString.invoke(code));
        } catch (Throwable t) {
            return type + " " + code;
        }
    }

    /** Rethrows a Throwable from MethodHandle.invoke as an unchecked exception. */
    static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new CudaException("native call failed: " + t);
    }
}
