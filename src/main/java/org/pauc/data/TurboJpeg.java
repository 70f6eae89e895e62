package org.pauc.data;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * JPEG decoding through libjpeg-turbo's TurboJPEG API (Debian's libturbojpeg0), bound with FFM and found by its
 * soname, {@value #SONAME}. The system property {@code pauc.turbojpeg} may name the library file instead, or be
 * {@code off} to decode JPEG with ImageIO. Decoding can use the DCT-domain scaling factors (1/8 … 1): an image needed
 * at half its size costs about a quarter of a full decode. A handle and its native buffers belong to one thread.
 */
final class TurboJpeg {
    static final String SONAME = "libturbojpeg.so.0";
    private static final int TJPF_RGB = 0;

    private static final Api API = load();

    private record Api(MethodHandle init, MethodHandle header, MethodHandle decompress, MethodHandle error,
                       MethodHandle destroy, double[] factors, int[] nums, int[] denoms) {}

    /** A decoder's native state, one per thread. */
    private static final class State {
        MemorySegment handle;
        MemorySegment in = MemorySegment.NULL;
        MemorySegment out = MemorySegment.NULL;
        final MemorySegment dims = Arena.ofAuto().allocate(ValueLayout.JAVA_INT, 4);

        State() throws Throwable {
            handle = newHandle();
        }

        private static MemorySegment newHandle() throws Throwable {
            MemorySegment h = (MemorySegment) API.init().invokeExact();
            if (h.equals(MemorySegment.NULL)) {
                throw new IllegalStateException("tjInitDecompress failed");
            }
            return h;
        }

        /**
         * After a failed call the handle is not reliable (libjpeg-turbo 2.1 then reports "two SOI markers" for
         * the next, good image): the error is read, then the handle replaced.
         */
        String failure() {
            String message = error(this);
            try {
                int rc = (int) API.destroy().invokeExact(handle);
                handle = newHandle();
            } catch (Throwable t) {
                throw new IllegalStateException("libjpeg-turbo: " + t.getMessage(), t);
            }
            return message;
        }

        MemorySegment input(byte[] bytes) {
            if (in.byteSize() < bytes.length) {
                in = Arena.ofAuto().allocate(Math.max(bytes.length, 2 * in.byteSize()));
            }
            MemorySegment.copy(bytes, 0, in, ValueLayout.JAVA_BYTE, 0, bytes.length);
            return in;
        }

        MemorySegment output(long bytes) {
            if (out.byteSize() < bytes) {
                out = Arena.ofAuto().allocate(Math.max(bytes, 2 * out.byteSize()));
            }
            return out;
        }
    }

    private static final ThreadLocal<State> STATE = ThreadLocal.withInitial(() -> {
        try {
            return new State();
        } catch (Throwable t) {
            throw new IllegalStateException("libjpeg-turbo: " + t.getMessage(), t);
        }
    });

    private TurboJpeg() {}

    /** Whether the library was found (and not turned off). */
    static boolean available() {
        return API != null;
    }

    private static Api load() {
        String choice = System.getProperty("pauc.turbojpeg", SONAME);
        if (choice.equals("off")) {
            return null;
        }
        try {
            SymbolLookup lib = SymbolLookup.libraryLookup(choice, Arena.global());
            Linker linker = Linker.nativeLinker();
            ValueLayout ptr = ValueLayout.ADDRESS;
            ValueLayout.OfInt i32 = ValueLayout.JAVA_INT;
            ValueLayout u64 = ValueLayout.JAVA_LONG;
            MethodHandle init = linker.downcallHandle(lib.findOrThrow("tjInitDecompress"), FunctionDescriptor.of(ptr));
            MethodHandle header = linker.downcallHandle(lib.findOrThrow("tjDecompressHeader3"),
                    FunctionDescriptor.of(i32, ptr, ptr, u64, ptr, ptr, ptr, ptr));
            MethodHandle decompress = linker.downcallHandle(lib.findOrThrow("tjDecompress2"),
                    FunctionDescriptor.of(i32, ptr, ptr, u64, ptr, i32, i32, i32, i32, i32));
            MethodHandle error = linker.downcallHandle(lib.findOrThrow("tjGetErrorStr2"), FunctionDescriptor.of(ptr, ptr));
            MethodHandle destroy = linker.downcallHandle(lib.findOrThrow("tjDestroy"), FunctionDescriptor.of(i32, ptr));
            MethodHandle factorsFn = linker.downcallHandle(lib.findOrThrow("tjGetScalingFactors"),
                    FunctionDescriptor.of(ptr, ptr));
            MemorySegment count = Arena.global().allocate(i32);
            MemorySegment table = ((MemorySegment) factorsFn.invokeExact(count)).reinterpret(8L * count.get(i32, 0));
            int n = count.get(i32, 0);
            double[] factors = new double[n];
            int[] nums = new int[n];
            int[] denoms = new int[n];
            for (int i = 0; i < n; i++) {
                nums[i] = table.get(i32, 8L * i);
                denoms[i] = table.get(i32, 8L * i + 4);
                factors[i] = (double) nums[i] / denoms[i];
            }
            return new Api(init, header, decompress, error, destroy, factors, nums, denoms);
        } catch (Throwable t) {
            return null;
        }
    }

    /** A JPEG's header: its size, before any pixel is decoded. */
    static Encoded open(byte[] bytes, String where) throws DataException {
        State s = STATE.get();
        MemorySegment in = s.input(bytes);
        int rc;
        try {
            rc = (int) API.header().invokeExact(s.handle, in, (long) bytes.length, s.dims, s.dims.asSlice(4),
                    s.dims.asSlice(8), s.dims.asSlice(12));
        } catch (Throwable t) {
            throw new DataException(where + ": libjpeg-turbo failed: " + t.getMessage());
        }
        if (rc != 0) {
            throw new DataException(where + ": unreadable JPEG (" + s.failure() + ")");
        }
        int w = s.dims.get(ValueLayout.JAVA_INT, 0);
        int h = s.dims.get(ValueLayout.JAVA_INT, 4);
        Codec.checkClaim(where, h, w, bytes.length);
        return new Encoded() {
            @Override
            public int h() {
                return h;
            }

            @Override
            public int w() {
                return w;
            }

            @Override
            public Picture decode(double scale) throws DataException {
                return TurboJpeg.decode(bytes, where, h, w, scale);
            }
        };
    }

    private static Picture decode(byte[] bytes, String where, int h, int w, double scale) throws DataException {
        int pick = -1;
        for (int i = 0; i < API.factors().length; i++) {
            if (API.factors()[i] >= scale && API.factors()[i] <= 1
                    && (pick < 0 || API.factors()[i] < API.factors()[pick])) {
                pick = i;
            }
        }
        int sw = pick < 0 ? w : scaled(w, API.nums()[pick], API.denoms()[pick]);
        int sh = pick < 0 ? h : scaled(h, API.nums()[pick], API.denoms()[pick]);
        State s = STATE.get();
        MemorySegment in = s.input(bytes);
        MemorySegment out = s.output(3L * sw * sh);
        int rc;
        try {
            rc = (int) API.decompress().invokeExact(s.handle, in, (long) bytes.length, out, sw, 3 * sw, sh, TJPF_RGB, 0);
        } catch (Throwable t) {
            throw new DataException(where + ": libjpeg-turbo failed: " + t.getMessage());
        }
        if (rc != 0) {
            throw new DataException(where + ": corrupt JPEG (" + s.failure() + ")");
        }
        byte[] rgb = out.asSlice(0, 3L * sw * sh).toArray(ValueLayout.JAVA_BYTE);
        return Picture.of(rgb, sh, sw, 3);
    }

    /** TJSCALED: ⌈dim·num/denom⌉. */
    private static int scaled(int dim, int num, int denom) {
        return (int) (((long) dim * num + denom - 1) / denom);
    }

    private static String error(State s) {
        try {
            MemorySegment m = (MemorySegment) API.error().invokeExact(s.handle);
            return m.reinterpret(1024).getString(0).strip();
        } catch (Throwable t) {
            return "no message";
        }
    }
}
