package org.pauc.cuda;

import static org.pauc.cuda.DeviceMemory.ids;
import static org.pauc.cuda.DeviceMemory.ptr;
import static org.pauc.cuda.DeviceMemory.range;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.HashMap;
import java.util.Map;
import org.pauc.backend.Backend;
import org.pauc.backend.Buffer;
import org.pauc.backend.Compute;
import org.pauc.backend.DeviceCollective;
import org.pauc.dist.Collective;
import org.pauc.hostmath.FixedPoint;
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
    private final CudaRuntime rt;
    private final MemorySegment stream;
    private final DeviceMemory mem;
    private final KernelLauncher kernels;
    private final boolean bf16;
    /** cuDNN for the convolutions, or null: im2col + cuBLAS ({@link ConvSelection}). */
    private final Cudnn cudnn;
    private MemorySegment cudnnHandle;
    /** cuDNN's descriptors and algorithms per convolution geometry, chosen once. */
    private final Map<ConvShape, Cudnn.Plan> plans = new HashMap<>();
    private boolean closed;

    public CudaBackend() {
        this(Compute.threads(1));
    }

    public CudaBackend(Compute compute) {
        bf16 = compute.precision() == Compute.Precision.BF16;
        cudnn = ConvSelection.choose(compute, Cudnn::open, System.err);
        rt = CudaRuntime.get();
        rt.makeCurrent();
        stream = rt.driver.streamCreate();
        mem = new DeviceMemory(rt, stream, this);
        kernels = new KernelLauncher(rt, stream);
        rt.function("add_f32"); // compile the kernels now: a compile error surfaces at creation
    }

    @Override
    public String name() {
        return "cuda";
    }

    @Override
    public synchronized String description() {
        int v = rt.driverVersion;
        return "cuda (" + (bf16 ? "bf16 GEMM inputs, float32 accumulation" : "float32") + ", "
                + (cudnn != null ? "cuDNN " + cudnn.version() : "im2col") + " convolutions, " + rt.deviceName + ", " + rt.arch() + ", driver " + v / 1000 + "." + (v % 1000) / 10
                + ", cuBLAS " + rt.cublas.version(kernels.cublas()) + ", NVRTC " + rt.nvrtc.version() + ")";
    }

    /**
     * NCCL among the processes of a run, when every process finds the library (they agree over the host collective,
     * so no process waits for a bootstrap the others skip); otherwise null, with one line saying why.
     */
    @Override
    public synchronized DeviceCollective deviceCollective(Collective hosts) {
        if (hosts.size() < 2) {
            return null;
        }
        Nccl found = null;
        String why = null;
        try {
            found = Nccl.open();
        } catch (NativeLibs.Missing | RuntimeException e) {
            why = e.getMessage();
        }
        double[] missing = {found == null ? 1 : 0};
        hosts.allReduceSum(missing, 0, 1);
        if (missing[0] > 0) {
            if (hosts.rank() == 0 || why != null) {
                System.err.println("pauc: NCCL is not usable on " + (int) missing[0] + " of " + hosts.size()
                        + " processes" + (why == null ? "" : " (" + why + ")") + ": gradients go through the host");
            }
            return null;
        }
        Nccl nccl = found;
        enter();
        MemorySegment comm = nccl.join(hosts, nccl.sharedId(hosts));
        float inverse = 1f / hosts.size();
        return new DeviceCollective() {
            @Override
            public void allReduceMean(Buffer b, int offset, int n) {
                synchronized (CudaBackend.this) {
                    enter();
                    long at = ptr(b) + 4L * offset;
                    nccl.allReduceSum(comm, at, n, stream);
                    kernels.elementwise("scale_f32", n, n, inverse, at);
                }
            }

            @Override
            public void close() {
                synchronized (CudaBackend.this) {
                    nccl.destroy(comm);
                }
            }
        };
    }

    private void enter() {
        if (closed) {
            throw new IllegalStateException("cuda backend: used after close()");
        }
        rt.makeCurrent();
    }

    @Override
    public synchronized Buffer allocate(int n) {
        enter();
        return mem.alloc(n, false);
    }

    @Override
    public synchronized Buffer allocateIndices(int n) {
        enter();
        return mem.alloc(n, true);
    }

    @Override
    public synchronized void upload(float[] src, int srcOffset, Buffer dst, int dstOffset, int n) {
        enter();
        range(dst, dstOffset, n, "upload");
        mem.fromHost(src, srcOffset, ValueLayout.JAVA_FLOAT, ptr(dst) + 4L * dstOffset, n);
    }

    @Override
    public synchronized void uploadIndices(int[] src, Buffer dst) {
        enter();
        range(dst, 0, src.length, "uploadIndices");
        mem.fromHost(src, 0, ValueLayout.JAVA_INT, ids(dst), src.length);
    }

    @Override
    public synchronized int[] downloadIndices(Buffer src) {
        enter();
        return mem.ints(ids(src), src.size());
    }

    @Override
    public synchronized void download(Buffer src, int srcOffset, float[] dst, int dstOffset, int n) {
        enter();
        range(src, srcOffset, n, "download");
        if (n == 0) {
            return;
        }
        MemorySegment.copy(mem.toHost(ptr(src) + 4L * srcOffset, 4L * n), ValueLayout.JAVA_FLOAT, 0, dst, dstOffset, n);
    }

    @Override
    public synchronized void copy(Buffer src, int srcOffset, Buffer dst, int dstOffset, int n) {
        enter();
        range(src, srcOffset, n, "copy");
        range(dst, dstOffset, n, "copy");
        if (n > 0) {
            rt.driver.copyDtoD(ptr(dst) + 4L * dstOffset, ptr(src) + 4L * srcOffset, 4L * n, stream);
        }
    }

    @Override
    public synchronized void fill(Buffer dst, float value) {
        enter();
        if (dst.size() > 0) {
            rt.driver.memsetD32(ptr(dst), Float.floatToRawIntBits(value), dst.size(), stream);
        }
    }

    @Override
    public synchronized void synchronize() {
        enter();
        rt.driver.streamSynchronize(stream);
    }

    // ---- linear algebra and layers ----

    @Override
    public synchronized void gemm(boolean ta, boolean tb, int m, int n, int k, float alpha, Buffer a, Buffer b,
                                  float beta, Buffer c) {
        enter();
        layerGemm(ta, tb, m, n, k, alpha, ptr(a), ta ? m : k, ptr(b), tb ? k : n, beta, ptr(c), n);
    }

    /** Images per im2col chunk so that the chunk's matrix stays under COL_LIMIT floats. */
    private static int chunkImages(ConvShape s) {
        long perImage = (long) s.oh() * s.ow() * s.patchSize();
        return (int) Math.max(1, Math.min(s.n(), COL_LIMIT / Math.max(1, perImage)));
    }

    private void im2col(ConvShape s, int n0, int images, long x, long col) {
        kernels.elementwise("im2col", (long) images * s.oh() * s.ow() * s.patchSize(), images, s.h(), s.w(), s.cin(), s.kh(),
                s.kw(), s.stride(), s.pad(), s.oh(), s.ow(), x + 4L * n0 * s.h() * s.w() * s.cin(), col);
    }

    @Override
    public synchronized void conv2d(ConvShape s, Buffer x, Buffer w, Buffer bias, Buffer y) {
        enter();
        if (cudnn != null && s.n() > 0) {
            Cudnn.Plan p = plan(s);
            long wt = cudnnWeights(s, ptr(w));
            cudnn.forward(cudnnHandle, p, ptr(x), wt, ptr(y), workspace(p.forward()), 0f);
            if (bias != null) {
                kernels.elementwise("add_bias", (long) s.patches() * s.cout(), s.patches(), s.cout(), ptr(bias), ptr(y));
            }
            return;
        }
        int chunk = chunkImages(s);
        int hw = s.oh() * s.ow();
        long col = mem.scratch("col", 4L * chunk * hw * s.patchSize());
        for (int n0 = 0; n0 < s.n(); n0 += chunk) {
            int images = Math.min(chunk, s.n() - n0);
            im2col(s, n0, images, ptr(x), col);
            layerGemm(false, false, images * hw, s.cout(), s.patchSize(), 1f, col, s.patchSize(), ptr(w), s.cout(), 0f,
                    ptr(y) + 4L * n0 * hw * s.cout(), s.cout());
        }
        if (bias != null) {
            kernels.elementwise("add_bias", (long) s.patches() * s.cout(), s.patches(), s.cout(), ptr(bias), ptr(y));
        }
    }

    @Override
    public synchronized void conv2dBackward(ConvShape s, Buffer x, Buffer w, Buffer dy, Buffer dx, Buffer dw,
                                            Buffer dbias) {
        enter();
        if (cudnn != null && s.n() > 0) {
            Cudnn.Plan p = plan(s);
            long dwt = mem.scratch("cudnn-dw", 4L * s.weightSize());
            cudnn.backwardFilter(cudnnHandle, p, ptr(x), ptr(dy), dwt, workspace(p.backwardFilter()));
            // cuDNN's cout × kh·kw·cin back to pauc's kh·kw·cin × cout
            kernels.elementwise("transpose_f32", s.weightSize(), s.cout(), s.patchSize(), dwt, ptr(dw));
            if (dx != null) {
                long wt = cudnnWeights(s, ptr(w));
                cudnn.backwardData(cudnnHandle, p, wt, ptr(dy), ptr(dx), workspace(p.backwardData()));
            }
            if (dbias != null) {
                columnSum(s.patches(), s.cout(), ptr(dy), ptr(dbias));
            }
            return;
        }
        int chunk = chunkImages(s);
        int hw = s.oh() * s.ow();
        long col = mem.scratch("col", 4L * chunk * hw * s.patchSize());
        if (s.n() == 0) {
            rt.driver.memsetD32(ptr(dw), 0, s.weightSize(), stream);
        }
        for (int n0 = 0; n0 < s.n(); n0 += chunk) {
            int images = Math.min(chunk, s.n() - n0);
            long dyc = ptr(dy) + 4L * n0 * hw * s.cout();
            im2col(s, n0, images, ptr(x), col);
            layerGemm(true, false, s.patchSize(), s.cout(), images * hw, 1f, col, s.patchSize(), dyc, s.cout(),
                    n0 == 0 ? 0f : 1f, ptr(dw), s.cout());
            if (dx != null) {
                layerGemm(false, true, images * hw, s.patchSize(), s.cout(), 1f, dyc, s.cout(), ptr(w), s.cout(), 0f, col,
                        s.patchSize());
                kernels.elementwise("col2im", (long) images * s.h() * s.w() * s.cin(), images, s.h(), s.w(), s.cin(), s.kh(),
                        s.kw(), s.stride(), s.pad(), s.oh(), s.ow(), col,
                        ptr(dx) + 4L * n0 * s.h() * s.w() * s.cin());
            }
        }
        if (dbias != null) {
            columnSum(s.patches(), s.cout(), ptr(dy), ptr(dbias));
        }
    }

    // ---- the E-step's k-means (oracle KMeansStep) ----

    @Override
    public boolean onDevice() {
        return true;
    }

    /** Rows of points per distance block: at most 2^28 dot products (1 GiB) at a time. */
    static int assignRows(int n, int k) {
        return (int) Math.max(1, Math.min(n, (1L << 28) / k));
    }

    @Override
    public synchronized void kmeansAssign(int n, int d, int k, Buffer x, Buffer c, Buffer assign, Buffer dist) {
        enter();
        if (n == 0) {
            return;
        }
        long xn = mem.scratch("kmeans-xnorm", 4L * n);
        long cn = mem.scratch("kmeans-cnorm", 4L * k);
        kernels.launch("row_dot", (n + 127) / 128, 1, 128, 1, n, d, ptr(x), ptr(x), 1f, xn, 1);
        kernels.launch("row_dot", (k + 127) / 128, 1, 128, 1, k, d, ptr(c), ptr(c), 1f, cn, 1);
        int rows = assignRows(n, k);
        long dots = mem.scratch("kmeans-dots", 4L * rows * k);
        for (int i0 = 0; i0 < n; i0 += rows) {
            int r = Math.min(rows, n - i0);
            kernels.sgemm(false, true, r, k, d, 1f, ptr(x) + 4L * i0 * d, d, ptr(c), d, 0f, dots, k);
            kernels.launch("row_argmin", r, 1, 256, 1, r, k, dots, xn + 4L * i0, cn, ids(assign) + 4L * i0,
                    ptr(dist) + 4L * i0);
        }
    }

    /** The fixed-point scale of sums of n values of x (a device array of m floats): hostmath.FixedPoint's rule. */
    private double fixedScale(long n, long x, int m) {
        long max = mem.scratch("kmeans-max", 4);
        kernels.launch("max_abs", 1, 1, 1024, 1, m, x, max);
        return FixedPoint.scale(n, mem.toHost(max, 4).get(ValueLayout.JAVA_FLOAT, 0));
    }

    /** Exact fixed-point sums of rows of width d by assignment, as floats (hostmath.FixedPoint's rule). */
    private void fixedSums(int n, int d, int k, long values, long assign, long sums, long counts) {
        double scale = fixedScale(n, values, n * d);
        long acc = mem.scratch("kmeans-acc", 8L * k * d);
        long cnt = mem.scratch("kmeans-counts", 4L * k);
        rt.driver.memsetD32(acc, 0, 2L * k * d, stream);
        rt.driver.memsetD32(cnt, 0, k, stream);
        kernels.elementwise("fixed_sums", (long) n * d, n, d, values, assign, scale, acc, cnt);
        kernels.elementwise("fixed_to_float", (long) k * d, k * d, acc, scale, sums);
        if (counts != 0) {
            kernels.elementwise("int_to_float", k, k, cnt, counts);
        }
    }

    @Override
    public synchronized void clusterSums(int n, int d, int k, Buffer x, Buffer assign, Buffer sums, Buffer counts) {
        enter();
        fixedSums(n, d, k, ptr(x), ids(assign), ptr(sums), ptr(counts));
    }

    @Override
    public synchronized void clusterDistanceSums(int n, int d, int k, Buffer x, Buffer c, Buffer assign, Buffer out) {
        enter();
        long r = mem.scratch("kmeans-distances", 4L * Math.max(1, n));
        kernels.launch("row_distance", (n + 127) / 128, 1, 128, 1, n, d, ptr(x), ptr(c), ids(assign), r);
        fixedSums(n, 1, k, r, ids(assign), ptr(out), 0);
    }

    /** cuDNN's descriptors and algorithms for a geometry, made on first use (the handle too). */
    private Cudnn.Plan plan(ConvShape s) {
        if (cudnnHandle == null) {
            cudnnHandle = cudnn.handle(stream);
        }
        return plans.computeIfAbsent(s, shape -> cudnn.plan(cudnnHandle, cudnn.new Descriptors(shape)));
    }

    /** The weights in cuDNN's NHWC filter layout, cout × kh·kw·cin, in scratch memory. */
    private long cudnnWeights(ConvShape s, long w) {
        long wt = mem.scratch("cudnn-w", 4L * s.weightSize());
        kernels.elementwise("transpose_f32", s.weightSize(), s.patchSize(), s.cout(), w, wt);
        return wt;
    }

    /** Scratch memory for an algorithm's workspace (the pool's, reused between calls). */
    private long workspace(Cudnn.Algo a) {
        return a.workspace() == 0 ? 0 : mem.scratch("cudnn-workspace", a.workspace());
    }

    /**
     * C = α·op(A)·op(B) + β·C for a layer (the GEMM op, convolutions, linear layers): under bf16, A and B are rounded
     * to bfloat16 in scratch memory first and cuBLAS accumulates in float. Loss terms use float GEMMs whatever the
     * precision.
     */
    private void layerGemm(boolean ta, boolean tb, int m, int n, int k, float alpha, long a, int lda, long b, int ldb,
                           float beta, long c, int ldc) {
        if (!bf16 || m == 0 || n == 0 || k == 0) {
            kernels.sgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
            return;
        }
        long aElems = ta ? (long) (k - 1) * lda + m : (long) (m - 1) * lda + k;
        long bElems = tb ? (long) (n - 1) * ldb + k : (long) (k - 1) * ldb + n;
        long a16 = mem.scratch("bf16-a", 2 * aElems);
        long b16 = mem.scratch("bf16-b", 2 * bElems);
        kernels.elementwise("f32_to_bf16", aElems, (int) aElems, a, a16);
        kernels.elementwise("f32_to_bf16", bElems, (int) bElems, b, b16);
        kernels.gemm(true, ta, tb, m, n, k, alpha, a16, lda, b16, ldb, beta, c, ldc);
    }

    // ---- column reductions (batch norm, bias gradients) ----

    private static int parts(int rows) {
        return Math.max(1, Math.min(1024, (rows + 255) / 256));
    }

    /** col_partial over rows × c; returns the scratch holding parts(rows)·c·2 doubles. */
    private long columnPartial(int rows, int c, int mode, long x, long mean, long invStd, long dy, long yrelu) {
        int parts = parts(rows);
        int perPart = (rows + parts - 1) / parts;
        long part = mem.scratch("part", 16L * parts * c);
        kernels.launch("col_partial", (c + 31) / 32, parts, 32, 8, rows, c, perPart, mode, x, mean, invStd, dy, yrelu, part);
        return part;
    }

    private void columnSum(int rows, int c, long x, long out) {
        long part = columnPartial(rows, c, 0, x, 0L, 0L, 0L, 0L);
        kernels.launch("col_finish", (c + 127) / 128, 1, 128, 1, parts(rows), c, 0, 1.0, part, out);
    }

    @Override
    public synchronized void batchNormTrain(int rows, int c, Buffer x, Buffer gamma, Buffer beta, Buffer y,
                                            Buffer saveMean, Buffer saveInvStd, Buffer runMean, Buffer runVar,
                                            float momentum, float eps, boolean relu) {
        enter();
        int cb = (c + 127) / 128;
        long part = columnPartial(rows, c, 0, ptr(x), 0L, 0L, 0L, 0L);
        kernels.launch("col_finish", cb, 1, 128, 1, parts(rows), c, 0, 1.0 / rows, part, ptr(saveMean));
        part = columnPartial(rows, c, 1, ptr(x), ptr(saveMean), 0L, 0L, 0L);
        kernels.launch("bn_stats", cb, 1, 128, 1, parts(rows), c, rows, part, ptr(saveMean), momentum, eps, ptr(saveInvStd),
                ptr(runMean), ptr(runVar));
        kernels.elementwise("bn_apply", (long) rows * c, rows, c, ptr(x), ptr(saveMean), ptr(gamma), ptr(saveInvStd), 0L, eps,
                ptr(beta), relu ? 1 : 0, ptr(y));
    }

    @Override
    public synchronized void batchNormEval(int rows, int c, Buffer x, Buffer gamma, Buffer beta, Buffer runMean,
                                           Buffer runVar, float eps, boolean relu, Buffer y) {
        enter();
        kernels.elementwise("bn_apply", (long) rows * c, rows, c, ptr(x), ptr(runMean), ptr(gamma), 0L, ptr(runVar), eps, ptr(beta),
                relu ? 1 : 0, ptr(y));
    }

    @Override
    public synchronized void batchNormBackward(int rows, int c, Buffer x, Buffer gamma, Buffer beta, Buffer saveMean,
                                               Buffer saveInvStd, Buffer dy, Buffer reluOutput, Buffer dx,
                                               Buffer dgamma, Buffer dbeta) {
        enter();
        long part = columnPartial(rows, c, 2, ptr(x), ptr(saveMean), ptr(saveInvStd), ptr(dy), ptr(reluOutput));
        long coef = mem.scratch("bncoef", 12L * c);
        kernels.launch("bn_backward_stats", (c + 127) / 128, 1, 128, 1, parts(rows), c, rows, part, ptr(gamma), ptr(saveInvStd),
                ptr(dgamma), ptr(dbeta), coef);
        if (dx != null) {
            kernels.elementwise("bn_backward_apply", (long) rows * c, rows, c, ptr(x), ptr(saveMean), ptr(dy), ptr(reluOutput), coef,
                    ptr(dx));
        }
    }

    @Override
    public synchronized void add(int n, Buffer a, Buffer b, Buffer y) {
        enter();
        kernels.elementwise("add_f32", n, n, ptr(a), ptr(b), ptr(y));
    }

    @Override
    public synchronized void relu(int n, Buffer x, Buffer y) {
        enter();
        kernels.elementwise("relu_f32", n, n, ptr(x), ptr(y));
    }

    @Override
    public synchronized void reluBackward(int n, Buffer y, Buffer dy, Buffer dx) {
        enter();
        kernels.elementwise("relu_backward", n, n, ptr(y), ptr(dy), ptr(dx));
    }

    /** A pooling kernel over {@code total} elements: the shape's eight integers, then the given buffers. */
    private void pool(String kernel, PoolShape s, long total, Long... buffers) {
        Object[] args = new Object[8 + buffers.length];
        Object[] dims = {s.n(), s.h(), s.w(), s.c(), s.k(), s.stride(), s.oh(), s.ow()};
        System.arraycopy(dims, 0, args, 0, 8);
        System.arraycopy(buffers, 0, args, 8, buffers.length);
        kernels.elementwise(kernel, total, args);
    }

    @Override
    public synchronized void maxPool(PoolShape s, Buffer x, Buffer y) {
        enter();
        pool("maxpool_fwd", s, s.outputSize(), ptr(x), ptr(y));
    }

    @Override
    public synchronized void maxPoolBackward(PoolShape s, Buffer x, Buffer dy, Buffer dx) {
        enter();
        pool("maxpool_bwd", s, s.inputSize(), ptr(x), ptr(dy), ptr(dx));
    }

    @Override
    public synchronized void avgPool(PoolShape s, Buffer x, Buffer y) {
        enter();
        pool("avgpool_fwd", s, s.outputSize(), ptr(x), ptr(y));
    }

    @Override
    public synchronized void avgPoolBackward(PoolShape s, Buffer dy, Buffer dx) {
        enter();
        pool("avgpool_bwd", s, s.inputSize(), ptr(dy), ptr(dx));
    }

    @Override
    public synchronized void globalAvgPool(int n, int hw, int c, Buffer x, Buffer y) {
        enter();
        kernels.elementwise("gap_fwd", (long) n * c, n, hw, c, ptr(x), ptr(y));
    }

    @Override
    public synchronized void globalAvgPoolBackward(int n, int hw, int c, Buffer dy, Buffer dx) {
        enter();
        kernels.elementwise("gap_bwd", (long) n * hw * c, n, hw, c, ptr(dy), ptr(dx));
    }

    @Override
    public synchronized void linear(int n, int in, int out, Buffer x, Buffer w, Buffer b, Buffer y) {
        enter();
        layerGemm(false, true, n, out, in, 1f, ptr(x), in, ptr(w), in, 0f, ptr(y), out);
        if (b != null) {
            kernels.elementwise("add_bias", (long) n * out, n, out, ptr(b), ptr(y));
        }
    }

    @Override
    public synchronized void linearBackward(int n, int in, int out, Buffer x, Buffer w, Buffer dy, Buffer dx,
                                            Buffer dw, Buffer db) {
        enter();
        if (dx != null) {
            layerGemm(false, false, n, in, out, 1f, ptr(dy), out, ptr(w), in, 0f, ptr(dx), in);
        }
        layerGemm(true, false, out, in, n, 1f, ptr(dy), out, ptr(x), in, 0f, ptr(dw), in);
        if (db != null) {
            columnSum(n, out, ptr(dy), ptr(db));
        }
    }

    private static int rowBlock(int cols) {
        return cols >= 256 ? 256 : cols > 64 ? 128 : 64;
    }

    @Override
    public synchronized void l2Normalize(int rows, int cols, Buffer x, Buffer y, float eps) {
        enter();
        if (rows > 0 && cols > 0) {
            kernels.launch("l2norm_fwd", rows, 1, rowBlock(cols), 1, rows, cols, ptr(x), ptr(y), eps);
        }
    }

    @Override
    public synchronized void l2NormalizeBackward(int rows, int cols, Buffer x, Buffer dy, Buffer dx, float eps) {
        enter();
        if (rows > 0 && cols > 0) {
            kernels.launch("l2norm_bwd", rows, 1, rowBlock(cols), 1, rows, cols, ptr(x), ptr(dy), ptr(dx), eps);
        }
    }

    // ---- losses ----

    /** Σ of n per-row losses and hits, summed on the host in row order. */
    private Scored rowTotals(long loss, long hits, int n) {
        double[] l = mem.doubles(loss, n);
        int[] h = mem.ints(hits, n);
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
            kernels.launch("softmax_xent", rows, 1, 256, 1, rows, width, width, logits, target, coef, loss, hits);
        }
    }

    @Override
    public synchronized Scored infoNce(int n, int d, int r, Buffer q, Buffer k, Buffer queue, float tau, Buffer dq,
                                       float scale) {
        enter();
        int width = r + 1;
        long l = mem.scratch("logits", 4L * n * width);
        long loss = mem.scratch("rowloss", 8L * n);
        long hits = mem.scratch("rowhit", 4L * n);
        float invTau = 1f / tau;
        if (n > 0) {
            kernels.launch("row_dot", (n + 127) / 128, 1, 128, 1, n, d, ptr(q), ptr(k), invTau, l, width);
        }
        kernels.sgemm(false, true, n, r, d, invTau, ptr(q), d, ptr(queue), d, 0f, l + 4, width);
        crossEntropy(n, width, l, 0L, scale / (n * tau), loss, hits);
        if (dq != null) {
            kernels.elementwise("row_axpy", (long) n * d, n, d, l, width, ptr(k), ptr(dq));
            kernels.sgemm(false, false, n, d, r, 1f, l + 4, width, ptr(queue), d, 1f, ptr(dq), d);
        }
        return rowTotals(loss, hits, n);
    }

    /** Reads the flag a kernel set for an out-of-range id: 0 when none, else 1 + the first bad position. */
    private int badFlag(long flag) {
        return mem.ints(flag, 1)[0];
    }

    @Override
    public synchronized Scored protoNce(int n, int d, int kc, int s, Buffer q, Buffer c, Buffer phi, Buffer pos,
                                        Buffer neg, Buffer dq, float scale) {
        enter();
        int width = n + s;
        long cols = mem.scratch("protocols", 4L * width * d);
        long flag = mem.scratch("flag", 4);
        rt.driver.memsetD32(flag, 0, 1, stream);
        kernels.elementwise("gather_protos", (long) width * d, n, s, d, kc, ids(pos), s > 0 ? ids(neg) : 0L, ptr(c), ptr(phi), cols,
                flag);
        int bad = badFlag(flag);
        if (bad != 0) {
            int j = bad - 1;
            int id = j < n ? mem.ints(ids(pos) + 4L * j, 1)[0] : mem.ints(ids(neg) + 4L * (j - n), 1)[0];
            throw new IllegalArgumentException("proto_nce: prototype id " + id + " out of range [0, " + kc + ")");
        }
        long target = mem.scratch("iota", 4L * Math.max(1, n));
        if (n > 0) {
            kernels.launch("iota", (n + 255) / 256, 1, 256, 1, n, target);
        }
        long l = mem.scratch("logits", 4L * n * width);
        long loss = mem.scratch("rowloss", 8L * n);
        long hits = mem.scratch("rowhit", 4L * n);
        kernels.sgemm(false, true, n, width, d, 1f, ptr(q), d, cols, d, 0f, l, width);
        crossEntropy(n, width, l, target, scale / n, loss, hits);
        if (dq != null) {
            kernels.sgemm(false, false, n, d, width, 1f, l, width, cols, d, 1f, ptr(dq), d);
        }
        return rowTotals(loss, hits, n);
    }

    @Override
    public synchronized double align(int n, int d, int kc, Buffer v, Buffer c, Buffer pos, float alpha, Buffer dv,
                                     float scale) {
        enter();
        long loss = mem.scratch("rowloss", 8L * n);
        long flag = mem.scratch("flag", 4);
        rt.driver.memsetD32(flag, 0, 1, stream);
        if (n > 0) {
            kernels.launch("align_rows", n, 1, 64, 1, n, d, kc, ptr(v), ptr(c), ids(pos), alpha, scale / n, ptr(dv), loss, flag);
        }
        int bad = badFlag(flag);
        if (bad != 0) {
            int i = bad - 1;
            throw new IllegalArgumentException("align: pos[" + i + "] = " + mem.ints(ids(pos) + 4L * i, 1)[0]
                    + " out of range [0, " + kc + ")");
        }
        double[] l = mem.doubles(loss, n);
        double total = 0;
        for (double x : l) {
            total += x;
        }
        return total / n;
    }

    @Override
    public synchronized double uniformity(int n, int d, Buffer v, float t, Buffer dv, float scale) {
        Backend.requirePairs(n);
        enter();
        long s = mem.scratch("pairs", 4L * n * n);
        long lse = mem.scratch("scalar", 8);
        kernels.elementwise("pair_sq", (long) n * n, n, d, ptr(v), t, s);
        kernels.launch("logsumexp_all", 1, 1, 1024, 1, (long) n * n, s, lse);
        if (dv != null) {
            kernels.elementwise("uniformity_grad", (long) n * d, n, d, ptr(v), s, lse, -2f * t * scale, ptr(dv));
        }
        return mem.doubles(lse, 1)[0] + Math.log(2.0 / ((double) n * (n - 1)));
    }

    /** Standardised columns (oracle Standardize) into scratch zh (n×d) and sigma (d). */
    private void standardize(int n, int d, long z, float eps, long zh, long sigma) {
        kernels.launch("standardize_cols", d, 1, 256, 1, n, d, z, eps, zh, sigma);
    }

    /** Σ of the d×d loss terms and the gradient coefficients g for a correlation matrix m. */
    private double correlationTerms(int d, boolean cross, long m, float lambdaOff, float scaleOverN, long g) {
        long term = mem.scratch("terms", 8L * d * d);
        long sum = mem.scratch("scalar", 8);
        kernels.launch("corr_terms", (d * d + 255) / 256, 1, 256, 1, d, cross ? 1 : 0, m, lambdaOff, scaleOverN, term, g);
        kernels.launch("sum_all", 1, 1, 1024, 1, (long) d * d, term, sum);
        return mem.doubles(sum, 1)[0];
    }

    @Override
    public synchronized double correlation(int n, int d, Buffer z, float eps, Buffer dz, float scale) {
        enter();
        long zh = mem.scratch("zha", 4L * n * d);
        long sigma = mem.scratch("sa", 4L * d);
        long r = mem.scratch("corr", 4L * d * d);
        long g = mem.scratch("corrg", 4L * d * d);
        standardize(n, d, ptr(z), eps, zh, sigma);
        kernels.sgemm(true, false, d, d, n, 1f / n, zh, d, zh, d, 0f, r, d);
        double total = correlationTerms(d, false, r, 0f, scale / n, g);
        if (dz != null) {
            long dzh = mem.scratch("dzh", 4L * n * d);
            kernels.sgemm(false, false, n, d, d, 1f, zh, d, g, d, 0f, dzh, d);
            kernels.launch("standardize_backward", d, 1, 256, 1, n, d, zh, sigma, dzh, ptr(dz));
        }
        return total;
    }

    @Override
    public synchronized double crossCorrelation(int n, int d, Buffer za, Buffer zb, float lambdaOff, float eps,
                                                Buffer dza, Buffer dzb, float scale) {
        enter();
        long zha = mem.scratch("zha", 4L * n * d);
        long zhb = mem.scratch("zhb", 4L * n * d);
        long sa = mem.scratch("sa", 4L * d);
        long sb = mem.scratch("sb", 4L * d);
        long cm = mem.scratch("corr", 4L * d * d);
        long g = mem.scratch("corrg", 4L * d * d);
        standardize(n, d, ptr(za), eps, zha, sa);
        standardize(n, d, ptr(zb), eps, zhb, sb);
        kernels.sgemm(true, false, d, d, n, 1f / n, zha, d, zhb, d, 0f, cm, d);
        double total = correlationTerms(d, true, cm, lambdaOff, scale / n, g);
        long dzh = mem.scratch("dzh", 4L * n * d);
        if (dza != null) {
            kernels.sgemm(false, true, n, d, d, 1f, zhb, d, g, d, 0f, dzh, d);
            kernels.launch("standardize_backward", d, 1, 256, 1, n, d, zha, sa, dzh, ptr(dza));
        }
        if (dzb != null) {
            kernels.sgemm(false, false, n, d, d, 1f, zha, d, g, d, 0f, dzh, d);
            kernels.launch("standardize_backward", d, 1, 256, 1, n, d, zhb, sb, dzh, ptr(dzb));
        }
        return total;
    }

    // ---- optimisation ----

    @Override
    public synchronized void sgd(int n, Buffer param, Buffer grad, Buffer velocity, float lr, float momentum,
                                 float weightDecay) {
        enter();
        kernels.elementwise("sgd_step", n, n, ptr(param), ptr(grad), ptr(velocity), lr, momentum, weightDecay);
    }

    @Override
    public synchronized void ema(int n, Buffer target, Buffer source, float m) {
        enter();
        kernels.elementwise("ema_step", n, n, ptr(target), ptr(source), m);
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        rt.makeCurrent();
        rt.driver.streamSynchronize(stream);
        closed = true;
        plans.values().forEach(p -> p.d().close());
        plans.clear();
        if (cudnnHandle != null) {
            cudnn.destroy(cudnnHandle);
        }
        kernels.close();
        mem.close();
    }
}
