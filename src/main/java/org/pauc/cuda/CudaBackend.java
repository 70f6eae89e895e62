package org.pauc.cuda;

import static org.pauc.cuda.Native.INT;
import static org.pauc.cuda.Native.PTR;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.pauc.backend.Backend;
import org.pauc.backend.Buffer;
import org.pauc.oracle.layers.ConvShape;
import org.pauc.oracle.layers.PoolShape;

/**
 * The CUDA backend: device memory from a pool, one stream, pinned staging for transfers, GEMM through cuBLAS,
 * convolution as im2col + cuBLAS, and every other op a kernel of {@code kernels.cu} (compiled by NVRTC at run time).
 * Each op must match the oracle within float rounding; {@code pauc verify --backend cuda} checks it. Calls are
 * serialised (one stream, shared scratch); any thread may call, the context is made current on each.
 */
public final class CudaBackend implements Backend {
    /** The largest im2col matrix per convolution chunk, in floats (the batch is cut into chunks of images). */
    static final long COL_LIMIT = 1L << 26;
    private static final int THREADS = 256;
    private static final Map<String, List<KernelSignatures.Kind>> SIGNATURES =
            KernelSignatures.parse(CudaRuntime.kernelSource());

    /** Device memory: floats or 32-bit ids. Closing returns it to the backend's pool. */
    final class DeviceBuffer implements Buffer {
        final long ptr;
        final int size;
        final boolean index;
        final long bytes;
        private boolean closed;

        DeviceBuffer(long ptr, int size, boolean index, long bytes) {
            this.ptr = ptr;
            this.size = size;
            this.index = index;
            this.bytes = bytes;
        }

        @Override
        public int size() {
            return size;
        }

        @Override
        public boolean isIndex() {
            return index;
        }

        @Override
        public void close() {
            synchronized (CudaBackend.this) {
                if (!closed) {
                    closed = true;
                    release(this);
                }
            }
        }

        @Override
        public String toString() {
            return "cuda buffer of " + size + (index ? " ids" : " floats");
        }
    }

    private final CudaRuntime rt;
    private final MemorySegment stream;
    private final Map<Long, ArrayDeque<Long>> pool = new HashMap<>();
    private final Set<Long> owned = new HashSet<>();
    private final Map<String, long[]> scratch = new HashMap<>(); // name → {ptr, bytes}
    private final ThreadLocal<MemorySegment> handle = new ThreadLocal<>();
    private final List<MemorySegment> handles = new ArrayList<>();
    private MemorySegment staging;
    private long stagingBytes;
    private final Arena scalars = Arena.ofShared();
    private final MemorySegment gemmScalars = scalars.allocate(8, 8);
    private boolean closed;

    public CudaBackend() {
        rt = CudaRuntime.get();
        rt.makeCurrent();
        stream = rt.driver.streamCreate();
        rt.function("add_f32"); // compile the kernels now: a compile error surfaces at creation
    }

    @Override
    public String name() {
        return "cuda";
    }

    @Override
    public synchronized String description() {
        int v = rt.driverVersion;
        return "cuda (float32, " + rt.deviceName + ", " + rt.arch() + ", driver " + v / 1000 + "." + (v % 1000) / 10
                + ", cuBLAS " + rt.cublas.version(cublas()) + ", NVRTC " + rt.nvrtc.version() + ")";
    }

    private void enter() {
        if (closed) {
            throw new IllegalStateException("cuda backend: used after close()");
        }
        rt.makeCurrent();
    }

    private MemorySegment cublas() {
        MemorySegment h = handle.get();
        if (h == null) {
            h = rt.cublas.createHandle(stream);
            handle.set(h);
            handles.add(h);
        }
        return h;
    }

    // ---- memory ----

    private static long rounded(long bytes) {
        return Math.max(256, (bytes + 255) & ~255L);
    }

    private long take(long bytes) {
        ArrayDeque<Long> free = pool.get(bytes);
        if (free != null && !free.isEmpty()) {
            return free.pop();
        }
        long p = rt.driver.memAlloc(bytes);
        owned.add(p);
        return p;
    }

    private void release(DeviceBuffer b) {
        if (!closed) {
            pool.computeIfAbsent(b.bytes, k -> new ArrayDeque<>()).push(b.ptr);
        }
    }

    private DeviceBuffer alloc(int n, boolean index) {
        enter();
        if (n < 0) {
            throw new IllegalArgumentException("cuda backend: negative buffer size " + n);
        }
        long bytes = rounded(4L * n);
        DeviceBuffer b = new DeviceBuffer(take(bytes), n, index, bytes);
        rt.driver.memsetD32(b.ptr, 0, bytes / 4, stream);
        return b;
    }

    @Override
    public synchronized Buffer allocate(int n) {
        return alloc(n, false);
    }

    @Override
    public synchronized Buffer allocateIndices(int n) {
        return alloc(n, true);
    }

    /** Scratch memory reused by every op (stream order keeps uses apart); grows as needed. */
    private long scratch(String name, long bytes) {
        long[] s = scratch.get(name);
        if (s == null || s[1] < bytes) {
            if (s != null) {
                rt.driver.streamSynchronize(stream);
                rt.driver.memFree(s[0]);
            }
            long size = rounded(Math.max(bytes, s == null ? 0 : s[1] * 2));
            s = new long[] {rt.driver.memAlloc(size), size};
            scratch.put(name, s);
        }
        return s[0];
    }

    private MemorySegment staging(long bytes) {
        if (staging == null || stagingBytes < bytes) {
            if (staging != null) {
                rt.driver.streamSynchronize(stream);
                rt.driver.memFreeHost(staging);
            }
            stagingBytes = rounded(Math.max(bytes, 2 * stagingBytes));
            staging = rt.driver.memAllocHost(stagingBytes);
        }
        return staging;
    }

    private static DeviceBuffer dev(Buffer b, boolean index, String what) {
        if (!(b instanceof DeviceBuffer d)) {
            throw new IllegalArgumentException("cuda backend: " + what + " is not a cuda buffer: " + b);
        }
        if (d.index != index) {
            throw new IllegalArgumentException("cuda backend: " + what + " must be a " + (index ? "id" : "float")
                    + " buffer");
        }
        return d;
    }

    /** Device address of a float buffer (0 for null). */
    private static long p(Buffer b) {
        return b == null ? 0L : dev(b, false, "argument").ptr;
    }

    private static long ids(Buffer b) {
        return dev(b, true, "id argument").ptr;
    }

    private static void range(Buffer b, int offset, int n, String op) {
        if (offset < 0 || n < 0 || (long) offset + n > b.size()) {
            throw new IllegalArgumentException("cuda " + op + ": range [" + offset + ", " + ((long) offset + n)
                    + ") outside a buffer of " + b.size());
        }
    }

    @Override
    public synchronized void upload(float[] src, int srcOffset, Buffer dst, int dstOffset, int n) {
        enter();
        range(dst, dstOffset, n, "upload");
        fromHost(src, srcOffset, ValueLayout.JAVA_FLOAT, p(dst) + 4L * dstOffset, n);
    }

    /** n elements of a Java array through the pinned staging buffer to device memory at ptr. */
    private void fromHost(Object array, int offset, ValueLayout layout, long ptr, int n) {
        if (n == 0) {
            return;
        }
        MemorySegment s = staging(4L * n);
        MemorySegment.copy(array, offset, s, layout, 0, n);
        rt.driver.copyHtoD(ptr, s, 4L * n, stream);
        rt.driver.streamSynchronize(stream);
    }

    @Override
    public synchronized void uploadIndices(int[] src, Buffer dst) {
        enter();
        range(dst, 0, src.length, "uploadIndices");
        fromHost(src, 0, ValueLayout.JAVA_INT, ids(dst), src.length);
    }

    @Override
    public synchronized void download(Buffer src, int srcOffset, float[] dst, int dstOffset, int n) {
        enter();
        range(src, srcOffset, n, "download");
        if (n == 0) {
            return;
        }
        MemorySegment.copy(toHost(p(src) + 4L * srcOffset, 4L * n), ValueLayout.JAVA_FLOAT, 0, dst, dstOffset, n);
    }

    /** bytes of device memory at ptr, after the stream's work, in the staging buffer. */
    private MemorySegment toHost(long ptr, long bytes) {
        MemorySegment s = staging(bytes);
        rt.driver.copyDtoH(s, ptr, bytes, stream);
        rt.driver.streamSynchronize(stream);
        return s;
    }

    private double[] doubles(long ptr, int n) {
        double[] out = new double[n];
        if (n > 0) {
            MemorySegment.copy(toHost(ptr, 8L * n), ValueLayout.JAVA_DOUBLE, 0, out, 0, n);
        }
        return out;
    }

    private int[] ints(long ptr, int n) {
        int[] out = new int[n];
        if (n > 0) {
            MemorySegment.copy(toHost(ptr, 4L * n), ValueLayout.JAVA_INT, 0, out, 0, n);
        }
        return out;
    }

    @Override
    public synchronized void copy(Buffer src, int srcOffset, Buffer dst, int dstOffset, int n) {
        enter();
        range(src, srcOffset, n, "copy");
        range(dst, dstOffset, n, "copy");
        if (n > 0) {
            rt.driver.copyDtoD(p(dst) + 4L * dstOffset, p(src) + 4L * srcOffset, 4L * n, stream);
        }
    }

    @Override
    public synchronized void fill(Buffer dst, float value) {
        enter();
        if (dst.size() > 0) {
            rt.driver.memsetD32(p(dst), Float.floatToRawIntBits(value), dst.size(), stream);
        }
    }

    @Override
    public synchronized void synchronize() {
        enter();
        rt.driver.streamSynchronize(stream);
    }

    // ---- launching ----

    private static int grid(long n) {
        return (int) Math.max(1, Math.min((n + THREADS - 1) / THREADS, 16384));
    }

    /** Launches kernel name on a gx×gy grid of bx×by blocks; args are Integer, Float, Double or Long (pointers). */
    private void launch(String name, int gx, int gy, int bx, int by, Object... args) {
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
    private void elementwise(String name, long n, Object... args) {
        if (n > 0) {
            launch(name, grid(n), 1, THREADS, 1, args);
        }
    }

    /** Row-major C = α·op(A)·op(B) + β·C with explicit leading dimensions (cuBLAS, see {@link GemmCall}). */
    private void sgemm(boolean ta, boolean tb, int m, int n, int k, float alpha, long a, int lda, long b, int ldb,
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
        rt.cublas.sgemm(cublas(), call, gemmScalars, b, a, c);
    }

    // ---- linear algebra and layers ----

    @Override
    public synchronized void gemm(boolean ta, boolean tb, int m, int n, int k, float alpha, Buffer a, Buffer b,
                                  float beta, Buffer c) {
        enter();
        sgemm(ta, tb, m, n, k, alpha, p(a), ta ? m : k, p(b), tb ? k : n, beta, p(c), n);
    }

    /** Images per im2col chunk so that the chunk's matrix stays under COL_LIMIT floats. */
    private static int chunkImages(ConvShape s) {
        long perImage = (long) s.oh() * s.ow() * s.patchSize();
        return (int) Math.max(1, Math.min(s.n(), COL_LIMIT / Math.max(1, perImage)));
    }

    private void im2col(ConvShape s, int n0, int images, long x, long col) {
        elementwise("im2col", (long) images * s.oh() * s.ow() * s.patchSize(), images, s.h(), s.w(), s.cin(), s.kh(),
                s.kw(), s.stride(), s.pad(), s.oh(), s.ow(), x + 4L * n0 * s.h() * s.w() * s.cin(), col);
    }

    @Override
    public synchronized void conv2d(ConvShape s, Buffer x, Buffer w, Buffer bias, Buffer y) {
        enter();
        int chunk = chunkImages(s);
        int hw = s.oh() * s.ow();
        long col = scratch("col", 4L * chunk * hw * s.patchSize());
        for (int n0 = 0; n0 < s.n(); n0 += chunk) {
            int images = Math.min(chunk, s.n() - n0);
            im2col(s, n0, images, p(x), col);
            sgemm(false, false, images * hw, s.cout(), s.patchSize(), 1f, col, s.patchSize(), p(w), s.cout(), 0f,
                    p(y) + 4L * n0 * hw * s.cout(), s.cout());
        }
        if (bias != null) {
            elementwise("add_bias", (long) s.patches() * s.cout(), s.patches(), s.cout(), p(bias), p(y));
        }
    }

    @Override
    public synchronized void conv2dBackward(ConvShape s, Buffer x, Buffer w, Buffer dy, Buffer dx, Buffer dw,
                                            Buffer dbias) {
        enter();
        int chunk = chunkImages(s);
        int hw = s.oh() * s.ow();
        long col = scratch("col", 4L * chunk * hw * s.patchSize());
        if (s.n() == 0) {
            rt.driver.memsetD32(p(dw), 0, s.weightSize(), stream);
        }
        for (int n0 = 0; n0 < s.n(); n0 += chunk) {
            int images = Math.min(chunk, s.n() - n0);
            long dyc = p(dy) + 4L * n0 * hw * s.cout();
            im2col(s, n0, images, p(x), col);
            sgemm(true, false, s.patchSize(), s.cout(), images * hw, 1f, col, s.patchSize(), dyc, s.cout(),
                    n0 == 0 ? 0f : 1f, p(dw), s.cout());
            if (dx != null) {
                sgemm(false, true, images * hw, s.patchSize(), s.cout(), 1f, dyc, s.cout(), p(w), s.cout(), 0f, col,
                        s.patchSize());
                elementwise("col2im", (long) images * s.h() * s.w() * s.cin(), images, s.h(), s.w(), s.cin(), s.kh(),
                        s.kw(), s.stride(), s.pad(), s.oh(), s.ow(), col,
                        p(dx) + 4L * n0 * s.h() * s.w() * s.cin());
            }
        }
        if (dbias != null) {
            columnSum(s.patches(), s.cout(), p(dy), p(dbias));
        }
    }

    // ---- column reductions (batch norm, bias gradients) ----

    private static int parts(int rows) {
        return Math.max(1, Math.min(1024, (rows + 255) / 256));
    }

    /** col_partial over rows × c; returns the scratch holding parts(rows)·c·2 doubles. */
    private long columnPartial(int rows, int c, int mode, long x, long mean, long invStd, long dy, long yrelu) {
        int parts = parts(rows);
        int perPart = (rows + parts - 1) / parts;
        long part = scratch("part", 16L * parts * c);
        launch("col_partial", (c + 31) / 32, parts, 32, 8, rows, c, perPart, mode, x, mean, invStd, dy, yrelu, part);
        return part;
    }

    private void columnSum(int rows, int c, long x, long out) {
        long part = columnPartial(rows, c, 0, x, 0L, 0L, 0L, 0L);
        launch("col_finish", (c + 127) / 128, 1, 128, 1, parts(rows), c, 0, 1.0, part, out);
    }

    @Override
    public synchronized void batchNormTrain(int rows, int c, Buffer x, Buffer gamma, Buffer beta, Buffer y,
                                            Buffer saveMean, Buffer saveInvStd, Buffer runMean, Buffer runVar,
                                            float momentum, float eps, boolean relu) {
        enter();
        int cb = (c + 127) / 128;
        long part = columnPartial(rows, c, 0, p(x), 0L, 0L, 0L, 0L);
        launch("col_finish", cb, 1, 128, 1, parts(rows), c, 0, 1.0 / rows, part, p(saveMean));
        part = columnPartial(rows, c, 1, p(x), p(saveMean), 0L, 0L, 0L);
        launch("bn_stats", cb, 1, 128, 1, parts(rows), c, rows, part, p(saveMean), momentum, eps, p(saveInvStd),
                p(runMean), p(runVar));
        elementwise("bn_apply", (long) rows * c, rows, c, p(x), p(saveMean), p(gamma), p(saveInvStd), 0L, eps,
                p(beta), relu ? 1 : 0, p(y));
    }

    @Override
    public synchronized void batchNormEval(int rows, int c, Buffer x, Buffer gamma, Buffer beta, Buffer runMean,
                                           Buffer runVar, float eps, boolean relu, Buffer y) {
        enter();
        elementwise("bn_apply", (long) rows * c, rows, c, p(x), p(runMean), p(gamma), 0L, p(runVar), eps, p(beta),
                relu ? 1 : 0, p(y));
    }

    @Override
    public synchronized void batchNormBackward(int rows, int c, Buffer x, Buffer gamma, Buffer saveMean,
                                               Buffer saveInvStd, Buffer dy, Buffer reluOutput, Buffer dx,
                                               Buffer dgamma, Buffer dbeta) {
        enter();
        long part = columnPartial(rows, c, 2, p(x), p(saveMean), p(saveInvStd), p(dy), p(reluOutput));
        long coef = scratch("bncoef", 12L * c);
        launch("bn_backward_stats", (c + 127) / 128, 1, 128, 1, parts(rows), c, rows, part, p(gamma), p(saveInvStd),
                p(dgamma), p(dbeta), coef);
        if (dx != null) {
            elementwise("bn_backward_apply", (long) rows * c, rows, c, p(x), p(saveMean), p(dy), p(reluOutput), coef,
                    p(dx));
        }
    }

    @Override
    public synchronized void add(int n, Buffer a, Buffer b, Buffer y) {
        enter();
        elementwise("add_f32", n, n, p(a), p(b), p(y));
    }

    @Override
    public synchronized void relu(int n, Buffer x, Buffer y) {
        enter();
        elementwise("relu_f32", n, n, p(x), p(y));
    }

    @Override
    public synchronized void reluBackward(int n, Buffer y, Buffer dy, Buffer dx) {
        enter();
        elementwise("relu_backward", n, n, p(y), p(dy), p(dx));
    }

    /** A pooling kernel over {@code total} elements: the shape's eight integers, then the given buffers. */
    private void pool(String kernel, PoolShape s, long total, Long... buffers) {
        Object[] args = new Object[8 + buffers.length];
        Object[] dims = {s.n(), s.h(), s.w(), s.c(), s.k(), s.stride(), s.oh(), s.ow()};
        System.arraycopy(dims, 0, args, 0, 8);
        System.arraycopy(buffers, 0, args, 8, buffers.length);
        elementwise(kernel, total, args);
    }

    @Override
    public synchronized void maxPool(PoolShape s, Buffer x, Buffer y) {
        enter();
        pool("maxpool_fwd", s, s.outputSize(), p(x), p(y));
    }

    @Override
    public synchronized void maxPoolBackward(PoolShape s, Buffer x, Buffer dy, Buffer dx) {
        enter();
        pool("maxpool_bwd", s, s.inputSize(), p(x), p(dy), p(dx));
    }

    @Override
    public synchronized void avgPool(PoolShape s, Buffer x, Buffer y) {
        enter();
        pool("avgpool_fwd", s, s.outputSize(), p(x), p(y));
    }

    @Override
    public synchronized void avgPoolBackward(PoolShape s, Buffer dy, Buffer dx) {
        enter();
        pool("avgpool_bwd", s, s.inputSize(), p(dy), p(dx));
    }

    @Override
    public synchronized void globalAvgPool(int n, int hw, int c, Buffer x, Buffer y) {
        enter();
        elementwise("gap_fwd", (long) n * c, n, hw, c, p(x), p(y));
    }

    @Override
    public synchronized void globalAvgPoolBackward(int n, int hw, int c, Buffer dy, Buffer dx) {
        enter();
        elementwise("gap_bwd", (long) n * hw * c, n, hw, c, p(dy), p(dx));
    }

    @Override
    public synchronized void linear(int n, int in, int out, Buffer x, Buffer w, Buffer b, Buffer y) {
        enter();
        sgemm(false, true, n, out, in, 1f, p(x), in, p(w), in, 0f, p(y), out);
        if (b != null) {
            elementwise("add_bias", (long) n * out, n, out, p(b), p(y));
        }
    }

    @Override
    public synchronized void linearBackward(int n, int in, int out, Buffer x, Buffer w, Buffer dy, Buffer dx,
                                            Buffer dw, Buffer db) {
        enter();
        if (dx != null) {
            sgemm(false, false, n, in, out, 1f, p(dy), out, p(w), in, 0f, p(dx), in);
        }
        sgemm(true, false, out, in, n, 1f, p(dy), out, p(x), in, 0f, p(dw), in);
        if (db != null) {
            columnSum(n, out, p(dy), p(db));
        }
    }

    private static int rowBlock(int cols) {
        return cols >= 256 ? 256 : cols > 64 ? 128 : 64;
    }

    @Override
    public synchronized void l2Normalize(int rows, int cols, Buffer x, Buffer y, float eps) {
        enter();
        if (rows > 0 && cols > 0) {
            launch("l2norm_fwd", rows, 1, rowBlock(cols), 1, rows, cols, p(x), p(y), eps);
        }
    }

    @Override
    public synchronized void l2NormalizeBackward(int rows, int cols, Buffer x, Buffer dy, Buffer dx, float eps) {
        enter();
        if (rows > 0 && cols > 0) {
            launch("l2norm_bwd", rows, 1, rowBlock(cols), 1, rows, cols, p(x), p(dy), p(dx), eps);
        }
    }

    // ---- losses ----

    /** Σ of n per-row losses and hits, summed on the host in row order. */
    private Scored rowTotals(long loss, long hits, int n) {
        double[] l = doubles(loss, n);
        int[] h = ints(hits, n);
        double total = 0;
        int hit = 0;
        for (int i = 0; i < n; i++) {
            total += l[i];
            hit += h[i];
        }
        return new Scored(total / n, (double) hit / n);
    }

    private void crossEntropy(int rows, int width, long logits, long target, float coef, long loss, long hits) {
        if (rows > 0) {
            launch("softmax_xent", rows, 1, 256, 1, rows, width, width, logits, target, coef, loss, hits);
        }
    }

    @Override
    public synchronized Scored infoNce(int n, int d, int r, Buffer q, Buffer k, Buffer queue, float tau, Buffer dq,
                                       float scale) {
        enter();
        int width = r + 1;
        long l = scratch("logits", 4L * n * width);
        long loss = scratch("rowloss", 8L * n);
        long hits = scratch("rowhit", 4L * n);
        float invTau = 1f / tau;
        if (n > 0) {
            launch("row_dot", (n + 127) / 128, 1, 128, 1, n, d, p(q), p(k), invTau, l, width);
        }
        sgemm(false, true, n, r, d, invTau, p(q), d, p(queue), d, 0f, l + 4, width);
        crossEntropy(n, width, l, 0L, scale / (n * tau), loss, hits);
        if (dq != null) {
            elementwise("row_axpy", (long) n * d, n, d, l, width, p(k), p(dq));
            sgemm(false, false, n, d, r, 1f, l + 4, width, p(queue), d, 1f, p(dq), d);
        }
        return rowTotals(loss, hits, n);
    }

    /** Reads the flag a kernel set for an out-of-range id: 0 when none, else 1 + the first bad position. */
    private int badFlag(long flag) {
        return ints(flag, 1)[0];
    }

    @Override
    public synchronized Scored protoNce(int n, int d, int kc, int s, Buffer q, Buffer c, Buffer phi, Buffer pos,
                                        Buffer neg, Buffer dq, float scale) {
        enter();
        int width = n + s;
        long cols = scratch("protocols", 4L * width * d);
        long flag = scratch("flag", 4);
        rt.driver.memsetD32(flag, 0, 1, stream);
        elementwise("gather_protos", (long) width * d, n, s, d, kc, ids(pos), s > 0 ? ids(neg) : 0L, p(c), p(phi), cols,
                flag);
        int bad = badFlag(flag);
        if (bad != 0) {
            int j = bad - 1;
            int id = j < n ? ints(ids(pos) + 4L * j, 1)[0] : ints(ids(neg) + 4L * (j - n), 1)[0];
            throw new IllegalArgumentException("proto_nce: prototype id " + id + " out of range [0, " + kc + ")");
        }
        long target = scratch("iota", 4L * Math.max(1, n));
        if (n > 0) {
            launch("iota", (n + 255) / 256, 1, 256, 1, n, target);
        }
        long l = scratch("logits", 4L * n * width);
        long loss = scratch("rowloss", 8L * n);
        long hits = scratch("rowhit", 4L * n);
        sgemm(false, true, n, width, d, 1f, p(q), d, cols, d, 0f, l, width);
        crossEntropy(n, width, l, target, scale / n, loss, hits);
        if (dq != null) {
            sgemm(false, false, n, d, width, 1f, l, width, cols, d, 1f, p(dq), d);
        }
        return rowTotals(loss, hits, n);
    }

    @Override
    public synchronized double align(int n, int d, int kc, Buffer v, Buffer c, Buffer pos, float alpha, Buffer dv,
                                     float scale) {
        enter();
        long loss = scratch("rowloss", 8L * n);
        long flag = scratch("flag", 4);
        rt.driver.memsetD32(flag, 0, 1, stream);
        if (n > 0) {
            launch("align_rows", n, 1, 64, 1, n, d, kc, p(v), p(c), ids(pos), alpha, scale / n, p(dv), loss, flag);
        }
        int bad = badFlag(flag);
        if (bad != 0) {
            int i = bad - 1;
            throw new IllegalArgumentException("align: pos[" + i + "] = " + ints(ids(pos) + 4L * i, 1)[0]
                    + " out of range [0, " + kc + ")");
        }
        double[] l = doubles(loss, n);
        double total = 0;
        for (double x : l) {
            total += x;
        }
        return total / n;
    }

    @Override
    public synchronized double uniformity(int n, int d, Buffer v, float t, Buffer dv, float scale) {
        enter();
        if (n < 2) {
            throw new IllegalArgumentException("uniformity: needs at least 2 rows, got " + n);
        }
        long s = scratch("pairs", 4L * n * n);
        long lse = scratch("scalar", 8);
        elementwise("pair_sq", (long) n * n, n, d, p(v), t, s);
        launch("logsumexp_all", 1, 1, 1024, 1, (long) n * n, s, lse);
        if (dv != null) {
            elementwise("uniformity_grad", (long) n * d, n, d, p(v), s, lse, -2f * t * scale, p(dv));
        }
        return doubles(lse, 1)[0] + Math.log(2.0 / ((double) n * (n - 1)));
    }

    /** Standardised columns (oracle Standardize) into scratch zh (n×d) and sigma (d). */
    private void standardize(int n, int d, long z, float eps, long zh, long sigma) {
        launch("standardize_cols", d, 1, 256, 1, n, d, z, eps, zh, sigma);
    }

    /** Σ of the d×d loss terms and the gradient coefficients g for a correlation matrix m. */
    private double correlationTerms(int d, boolean cross, long m, float lambdaOff, float scaleOverN, long g) {
        long term = scratch("terms", 8L * d * d);
        long sum = scratch("scalar", 8);
        launch("corr_terms", (d * d + 255) / 256, 1, 256, 1, d, cross ? 1 : 0, m, lambdaOff, scaleOverN, term, g);
        launch("sum_all", 1, 1, 1024, 1, (long) d * d, term, sum);
        return doubles(sum, 1)[0];
    }

    @Override
    public synchronized double correlation(int n, int d, Buffer z, float eps, Buffer dz, float scale) {
        enter();
        long zh = scratch("zha", 4L * n * d);
        long sigma = scratch("sa", 4L * d);
        long r = scratch("corr", 4L * d * d);
        long g = scratch("corrg", 4L * d * d);
        standardize(n, d, p(z), eps, zh, sigma);
        sgemm(true, false, d, d, n, 1f / n, zh, d, zh, d, 0f, r, d);
        double total = correlationTerms(d, false, r, 0f, scale / n, g);
        if (dz != null) {
            long dzh = scratch("dzh", 4L * n * d);
            sgemm(false, false, n, d, d, 1f, zh, d, g, d, 0f, dzh, d);
            launch("standardize_backward", d, 1, 256, 1, n, d, zh, sigma, dzh, p(dz));
        }
        return total;
    }

    @Override
    public synchronized double crossCorrelation(int n, int d, Buffer za, Buffer zb, float lambdaOff, float eps,
                                                Buffer dza, Buffer dzb, float scale) {
        enter();
        long zha = scratch("zha", 4L * n * d);
        long zhb = scratch("zhb", 4L * n * d);
        long sa = scratch("sa", 4L * d);
        long sb = scratch("sb", 4L * d);
        long cm = scratch("corr", 4L * d * d);
        long g = scratch("corrg", 4L * d * d);
        standardize(n, d, p(za), eps, zha, sa);
        standardize(n, d, p(zb), eps, zhb, sb);
        sgemm(true, false, d, d, n, 1f / n, zha, d, zhb, d, 0f, cm, d);
        double total = correlationTerms(d, true, cm, lambdaOff, scale / n, g);
        long dzh = scratch("dzh", 4L * n * d);
        if (dza != null) {
            sgemm(false, true, n, d, d, 1f, zhb, d, g, d, 0f, dzh, d);
            launch("standardize_backward", d, 1, 256, 1, n, d, zha, sa, dzh, p(dza));
        }
        if (dzb != null) {
            sgemm(false, false, n, d, d, 1f, zha, d, g, d, 0f, dzh, d);
            launch("standardize_backward", d, 1, 256, 1, n, d, zhb, sb, dzh, p(dzb));
        }
        return total;
    }

    // ---- optimisation ----

    @Override
    public synchronized void sgd(int n, Buffer param, Buffer grad, Buffer velocity, float lr, float momentum,
                                 float weightDecay) {
        enter();
        elementwise("sgd_step", n, n, p(param), p(grad), p(velocity), lr, momentum, weightDecay);
    }

    @Override
    public synchronized void ema(int n, Buffer target, Buffer source, float m) {
        enter();
        elementwise("ema_step", n, n, p(target), p(source), m);
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        rt.makeCurrent();
        rt.driver.streamSynchronize(stream);
        closed = true;
        for (MemorySegment h : handles) {
            rt.cublas.destroyHandle(h);
        }
        handles.clear();
        for (long ptr : owned) {
            rt.driver.memFree(ptr);
        }
        owned.clear();
        pool.clear();
        for (long[] s : scratch.values()) {
            rt.driver.memFree(s[0]);
        }
        scratch.clear();
        if (staging != null) {
            rt.driver.memFreeHost(staging);
            staging = null;
        }
        scalars.close();
    }
}
