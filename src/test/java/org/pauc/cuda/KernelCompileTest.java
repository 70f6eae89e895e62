package org.pauc.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Every CUDA source pauc ships is compiled by NVIDIA's NVRTC (the redistributable library, no GPU needed) through
 * pauc's own {@link Nvrtc} binding, with the options the backend uses, for the architectures of the GPUs pauc
 * targets. The kernels found in the compiled CUBIN, and the size of each one's parameters, are held against the
 * signatures {@link KernelSignatures} reads from the source and checks every launch against.
 */
class KernelCompileTest {
    static final List<String> ARCHITECTURES = List.of("sm_80", "sm_90");

    /** NVRTC found as a user's would be with -Dpauc.cuda.libnvrtc=PATH: its builtins come from the same folder. */
    static Nvrtc nvrtc() {
        return new Nvrtc(Redist.open(NativeLibs.NVRTC, "libnvrtc.so.12"));
    }

    @Test
    void everyKernelCompilesForEachTargetAndMatchesItsSignature() {
        Nvrtc nvrtc = nvrtc();
        assertTrue(nvrtc.version().startsWith("12."), nvrtc.version());
        Map<String, List<KernelSignatures.Kind>> signatures = KernelSignatures.parse(CudaRuntime.kernelSource());
        for (String arch : ARCHITECTURES) {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment cubin = nvrtc.compile(CudaRuntime.kernelSource(), CudaRuntime.KERNELS,
                        CudaRuntime.compileOptions(arch), a);
                Map<String, Integer> compiled = Cubin.kernelParameterBytes(cubin.toArray(ValueLayout.JAVA_BYTE));
                assertEquals(signatures.keySet(), compiled.keySet(), arch + ": the kernels of the CUBIN");
                for (var e : signatures.entrySet()) {
                    assertEquals(parameterBytes(e.getValue()), compiled.get(e.getKey()),
                            arch + ": parameter bytes of " + e.getKey() + " " + e.getValue());
                }
            }
        }
    }

    /** The bytes of a kernel's parameters as CUDA lays them out: each at its natural alignment, no tail padding. */
    static int parameterBytes(List<KernelSignatures.Kind> kinds) {
        int offset = 0;
        for (KernelSignatures.Kind k : kinds) {
            int size = switch (k) {
                case INT, FLOAT -> 4;
                case LONG, DOUBLE, POINTER -> 8;
            };
            offset = (offset + size - 1) / size * size + size;
        }
        return offset;
    }

    @Test
    void aKernelThatDoesNotCompileFailsWithNvrtcsLog() {
        Nvrtc nvrtc = nvrtc();
        try (Arena a = Arena.ofConfined()) {
            var e = assertThrows(CudaException.class, () -> nvrtc.compile(
                    "extern \"C\" __global__ void broken(int n, float* x) { x[0] = undefined_name; }", "broken.cu",
                    CudaRuntime.compileOptions("sm_90"), a));
            assertTrue(e.getMessage().contains("undefined_name") && !e.getMessage().contains("\n"), e.getMessage());
        }
    }

    @Test
    void theCubinReaderSeesAKernelAndItsParameters() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cubin = nvrtc().compile("extern \"C\" __global__ void k(int n, double* x, float s) {"
                    + " if (n > 0) x[0] = s; }", "k.cu", CudaRuntime.compileOptions("sm_80"), a);
            assertEquals(Map.of("k", 20), Cubin.kernelParameterBytes(cubin.toArray(ValueLayout.JAVA_BYTE)));
        }
    }

    /** The little of a CUBIN (an ELF file) that the check needs. */
    static final class Cubin {
        private static final int SHT_SYMTAB = 2;
        private static final int STT_FUNC = 2;
        private static final int EIATTR_CBANK_PARAM_SIZE = 0x19;
        private static final int EIFMT_HVAL = 3;
        private static final int EIFMT_SVAL = 4;
        private static final int STB_GLOBAL = 1;

        /** Kernel name → the size of its parameter space, from the functions of the symbol table and .nv.info.NAME. */
        static Map<String, Integer> kernelParameterBytes(byte[] elf) {
            ByteBuffer b = ByteBuffer.wrap(elf).order(ByteOrder.LITTLE_ENDIAN);
            if (b.getInt(0) != 0x464c457f || elf[4] != 2) {
                throw new IllegalArgumentException("not a 64-bit ELF file");
            }
            long shoff = b.getLong(0x28);
            int shentsize = b.getShort(0x3a) & 0xffff;
            int shnum = b.getShort(0x3c) & 0xffff;
            int shstrndx = b.getShort(0x3e) & 0xffff;
            Map<String, Integer> params = new TreeMap<>();
            Map<String, int[]> sections = new TreeMap<>();
            int[] symtab = null;
            for (int i = 0; i < shnum; i++) {
                int h = (int) (shoff + (long) i * shentsize);
                int[] sec = {b.getInt(h), b.getInt(h + 4), (int) b.getLong(h + 0x18), (int) b.getLong(h + 0x20),
                    b.getInt(h + 0x28)};
                String name = string(elf, section(b, shoff, shentsize, shstrndx)[2] + sec[0]);
                sections.put(name, sec);
                if (sec[1] == SHT_SYMTAB) {
                    symtab = sec;
                }
            }
            if (symtab == null) {
                throw new IllegalArgumentException("no symbol table");
            }
            int strtab = section(b, shoff, shentsize, symtab[4])[2];
            for (int off = symtab[2]; off + 24 <= symtab[2] + symtab[3]; off += 24) {
                if ((elf[off + 4] & 0xf) == STT_FUNC && (elf[off + 4] & 0xff) >> 4 == STB_GLOBAL) {
                    String fn = string(elf, strtab + b.getInt(off));
                    int[] info = sections.get(".nv.info." + fn);
                    params.put(fn, info == null ? 0 : paramSize(b, info[2], info[3]));
                }
            }
            return params;
        }

        /** {name offset, type, file offset, size, link} of section i. */
        private static int[] section(ByteBuffer b, long shoff, int shentsize, int i) {
            int h = (int) (shoff + (long) i * shentsize);
            return new int[] {b.getInt(h), b.getInt(h + 4), (int) b.getLong(h + 0x18), (int) b.getLong(h + 0x20),
                b.getInt(h + 0x28)};
        }

        /**
         * EIATTR_CBANK_PARAM_SIZE of a kernel's .nv.info section. Each record is a format byte, an attribute byte and
         * a 16-bit field: the value itself (EIFMT_NVAL, _BVAL, _HVAL) or, for EIFMT_SVAL, the length of the value
         * that follows.
         */
        private static int paramSize(ByteBuffer b, int start, int size) {
            int p = start;
            while (p + 4 <= start + size) {
                int format = b.get(p) & 0xff;
                int attribute = b.get(p + 1) & 0xff;
                int field = b.getShort(p + 2) & 0xffff;
                p += 4;
                if (format == EIFMT_HVAL && attribute == EIATTR_CBANK_PARAM_SIZE) {
                    return field;
                }
                if (format == EIFMT_SVAL) {
                    p += field;
                }
            }
            return 0;
        }

        private static String string(byte[] elf, int at) {
            int end = at;
            while (elf[end] != 0) {
                end++;
            }
            return new String(elf, at, end - at, StandardCharsets.US_ASCII);
        }
    }
}
