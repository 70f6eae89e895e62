package org.pauc.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pauc.backend.Backend;
import org.pauc.backend.Backends;
import org.pauc.backend.Buffer;
import org.pauc.config.TrainConfig;
import org.pauc.nn.Dims;
import org.pauc.nn.Models;
import org.pauc.nn.Network;
import org.pauc.oracle.layers.ConvShape;

/**
 * cuDNN's host side, without a GPU: NVIDIA's library (the redistributable) loads with its sub-libraries through
 * pauc's binding, every bound symbol resolves, and the descriptors pauc builds for every convolution of ResNet-18 (both
 * stems) and ResNet-50 give the output shape of pauc's own {@link ConvShape}. The algorithms, the workspace and the
 * convolutions themselves need a device ({@code bench/gpu-verify.sh}).
 */
class CudnnTest {
    static Cudnn cudnn() {
        return new Cudnn(Redist.open(NativeLibs.CUDNN, "libcudnn.so.9"));
    }

    @Test
    void everyBoundSymbolResolvesAndTheVersionIsRead() throws Exception {
        Cudnn c = cudnn();
        assertTrue(c.version().startsWith("9."), c.version());
        SymbolLookup lib = SymbolLookup.libraryLookup(Redist.dir().resolve("libcudnn.so.9"), Arena.global());
        for (String s : Cudnn.SYMBOLS) {
            assertTrue(lib.find(s).isPresent(), s);
        }
        assertEquals(26, Cudnn.SYMBOLS.size());
        assertEquals(48, Cudnn.ALGO_PERF.byteSize(), "cudnnConvolutionFwdAlgoPerf_t");
    }

    @Test
    void aHandleNeedsADevice() throws Exception {
        var e = assertThrows(Cudnn.Failure.class, () -> cudnn().handle(MemorySegment.NULL));
        assertEquals(Cudnn.STATUS_NOT_INITIALIZED, e.status, e.getMessage());
        assertTrue(e.getMessage().startsWith("cudnnCreate failed: "), e.getMessage());
    }

    /**
     * The convolutions an encoder runs (alone or with the batch norm on their output), recorded by a backend that
     * computes everything else on the CPU.
     */
    static Set<ConvShape> convolutions(TrainConfig.Encoder encoder, Dims input, int n) {
        Set<ConvShape> seen = new LinkedHashSet<>();
        try (Backend cpu = Backends.create("cpu", 1)) {
            Backend recording = (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(),
                    new Class<?>[] {Backend.class}, (proxy, m, args) -> {
                        if (m.getName().equals("conv2d") || m.getName().equals("conv2dBatchNorm")) {
                            seen.add((ConvShape) args[0]);
                            return null;
                        }
                        try {
                            return m.invoke(cpu, args);
                        } catch (InvocationTargetException e) {
                            throw e.getCause();
                        }
                    });
            try (Network net = Models.create(encoder, recording, 0, input, 16); Buffer x = cpu.allocate(n * input.size())) {
                net.forward(recording, x, n, false);
            }
        }
        return seen;
    }

    @Test
    void theDescriptorsOfEveryResNetConvolutionGiveConvShapesOutput() throws Exception {
        Cudnn c = cudnn();
        int checked = 0;
        for (var e : Map.of(TrainConfig.Encoder.RESNET18, new Dims(32, 32, 3), TrainConfig.Encoder.RESNET18_IMAGENET,
                new Dims(224, 224, 3), TrainConfig.Encoder.RESNET50, new Dims(224, 224, 3)).entrySet()) {
            Set<ConvShape> shapes = convolutions(e.getKey(), e.getValue(), 2);
            assertTrue(shapes.size() >= 6, e.getKey() + ": " + shapes);
            for (ConvShape s : shapes) {
                try (Cudnn.Descriptors d = c.new Descriptors(s)) {
                    assertArrayEquals(new int[] {s.n(), s.cout(), s.oh(), s.ow()}, d.outputDims(), e.getKey() + " " + s);
                    assertEquals(Cudnn.FMA_MATH, d.mathType(), "float FMA math, no TF32: " + s);
                    checked++;
                }
            }
        }
        assertTrue(checked >= 30, "distinct convolutions checked: " + checked);
    }

    /** cuDNN aborts the process when a sub-library is missing; pauc checks them first and says which, in one line. */
    @Test
    void aMissingSubLibraryIsAnErrorNotAnAbort(@TempDir Path dir) throws Exception {
        Path alone = Files.copy(Redist.dir().resolve("libcudnn.so.9"), dir.resolve("libcudnn.so.9"));
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                CudnnGuardProbe.class.getName(), alone.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        assertTrue(out.startsWith("refused: cuDNN's libcudnn_graph.so.9 cannot be loaded"), out);
        assertEquals(1, out.strip().lines().count(), out);
    }

    @Test
    void aDescriptorDisagreeingWithConvShapeWouldBeSeen() throws Exception {
        ConvShape s = new ConvShape(2, 7, 9, 3, 5, 3, 3, 2, 1);
        try (Cudnn.Descriptors d = cudnn().new Descriptors(s)) {
            assertArrayEquals(new int[] {2, 5, 4, 5}, d.outputDims());
        }
    }

    /**
     * From the heuristics' ranking: the best deterministic algorithm that runs in float FMA math, else the best that
     * runs, else 0; tensor-core (TF32) entries are passed over.
     */
    @Test
    void theBestRankedDeterministicFloatAlgorithmIsChosen() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment perf = a.allocate(Cudnn.ALGO_PERF, 5);
            // algo, status, determinism, math type
            int[][] rows = {{7, 0, 1, Cudnn.TENSOR_OP_MATH}, {6, 0, 0, Cudnn.FMA_MATH}, {1, 3, 1, Cudnn.FMA_MATH},
                    {5, 0, 1, Cudnn.TENSOR_OP_MATH_ALLOW_CONVERSION}, {4, 0, 1, Cudnn.FMA_MATH}};
            for (int i = 0; i < rows.length; i++) {
                MemorySegment p = perf.asSlice(i * Cudnn.ALGO_PERF.byteSize());
                p.set(ValueLayout.JAVA_INT, 0, rows[i][0]);
                p.set(ValueLayout.JAVA_INT, 4, rows[i][1]);
                p.set(ValueLayout.JAVA_INT, 24, rows[i][2]);
                p.set(ValueLayout.JAVA_INT, 28, rows[i][3]);
            }
            assertEquals(4, Cudnn.choose(perf, 5), "the first deterministic float one that runs");
            assertEquals(6, Cudnn.choose(perf, 2), "none deterministic in float math: the best float one that runs");
            assertEquals(0, Cudnn.choose(perf, 1), "only a tensor-core one: implicit GEMM");
            perf.set(ValueLayout.JAVA_INT, Cudnn.ALGO_PERF.byteSize() + 4, 9);
            assertEquals(0, Cudnn.choose(perf, 3), "none runs in float math: implicit GEMM");
            assertEquals(24, Cudnn.ALGO_PERF.byteOffset(MemoryLayout.PathElement.groupElement("determinism")));
            assertEquals(28, Cudnn.ALGO_PERF.byteOffset(MemoryLayout.PathElement.groupElement("mathType")));
        }
    }
}
