package org.pauc.cuda;

import static org.pauc.cuda.Native.INT;
import static org.pauc.cuda.Native.PTR;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.List;

/** NVRTC: compiles CUDA C source to CUBIN for one architecture; failures carry the program log. */
final class Nvrtc {
    private final MethodHandle createProgram, compileProgram, logSize, log, cubinSize, cubin, destroyProgram,
            errorString, version;

    Nvrtc(SymbolLookup lib) {
        String l = "libnvrtc";
        createProgram = Native.fn(lib, l, "nvrtcCreateProgram", INT, PTR, PTR, PTR, INT, PTR, PTR);
        compileProgram = Native.fn(lib, l, "nvrtcCompileProgram", INT, PTR, INT, PTR);
        logSize = Native.fn(lib, l, "nvrtcGetProgramLogSize", INT, PTR, PTR);
        log = Native.fn(lib, l, "nvrtcGetProgramLog", INT, PTR, PTR);
        cubinSize = Native.fn(lib, l, "nvrtcGetCUBINSize", INT, PTR, PTR);
        cubin = Native.fn(lib, l, "nvrtcGetCUBIN", INT, PTR, PTR);
        destroyProgram = Native.fn(lib, l, "nvrtcDestroyProgram", INT, PTR);
        errorString = Native.fn(lib, l, "nvrtcGetErrorString", PTR, INT);
        version = Native.fn(lib, l, "nvrtcVersion", INT, PTR, PTR);
    }

    private String describe(int code) {
        return Native.describe(errorString, code, "nvrtcResult");
    }

    private void check(String call, int code) {
        if (code != 0) {
            throw new CudaException(call + " failed: " + describe(code));
        }
    }

    /** "major.minor". */
    String version() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment ma = a.allocate(INT);
            MemorySegment mi = a.allocate(INT);
            check("nvrtcVersion", (int) version.invoke(ma, mi));
            return ma.get(INT, 0) + "." + mi.get(INT, 0);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /** Compiles source (named name) with the options; returns the CUBIN in the given arena. */
    MemorySegment compile(String source, String name, List<String> options, Arena out) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment progOut = a.allocate(PTR);
            check("nvrtcCreateProgram", (int) createProgram.invoke(progOut, a.allocateFrom(source), a.allocateFrom(name),
                    0, MemorySegment.NULL, MemorySegment.NULL));
            MemorySegment prog = progOut.get(PTR, 0);
            try {
                MemorySegment opts = a.allocate(PTR, options.size());
                for (int i = 0; i < options.size(); i++) {
                    opts.setAtIndex(PTR, i, a.allocateFrom(options.get(i)));
                }
                int r = (int) compileProgram.invoke(prog, options.size(), opts);
                if (r != 0) {
                    throw new CudaException("nvrtcCompileProgram(" + name + ", " + String.join(" ", options)
                            + ") failed: " + describe(r) + "; log: " + programLog(prog, a).strip().replace('\n', ' '));
                }
                MemorySegment size = a.allocate(Native.LONG);
                check("nvrtcGetCUBINSize", (int) cubinSize.invoke(prog, size));
                MemorySegment bin = out.allocate(size.get(Native.LONG, 0), 16);
                check("nvrtcGetCUBIN", (int) cubin.invoke(prog, bin));
                return bin;
            } finally {
                progOut.set(PTR, 0, prog);
                destroyProgram.invoke(progOut);
            }
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    private String programLog(MemorySegment prog, Arena a) throws Throwable {
        MemorySegment size = a.allocate(Native.LONG);
        if ((int) logSize.invoke(prog, size) != 0) {
            return "(no log)";
        }
        long n = size.get(Native.LONG, 0);
        if (n <= 1) {
            return "(empty)";
        }
        MemorySegment buf = a.allocate(n);
        log.invoke(prog, buf);
        return buf.getString(0);
    }
}
