// CUDA C kernels of the cuda backend (org.pauc.cuda.CudaBackend), compiled at run time by NVRTC to CUBIN for
// the device's own architecture. Each kernel names the oracle function it must match (org.pauc.oracle.* and
// org.pauc.oracle.layers.Layers); `pauc verify --backend cuda` checks every one. Reductions use a fixed launch
// shape and a fixed order (warp shuffles, then shared memory), never atomics on floats, so a run repeats bit for
// bit on the same device. Tensors are row-major, images NHWC, as everywhere in pauc.

#define NEG_INF (-__int_as_float(0x7f800000))

// ---- block reductions (blockDim.x a multiple of 32, at most 1024) ----
// Warp shuffles, then the warps' partial results in shared memory: a fixed order, the same on every run.

struct Sum {
    template <class T> __device__ T operator()(T a, T b) const { return a + b; }
};
struct Max {
    __device__ float operator()(float a, float b) const { return fmaxf(a, b); }
};

template <class T, class Op> __device__ T block_reduce(T v, T identity, Op op) {
    __shared__ T sh[32];
    int lane = threadIdx.x & 31, wid = threadIdx.x >> 5;
    for (int o = 16; o > 0; o >>= 1) v = op(v, __shfl_down_sync(0xffffffffu, v, o));
    __syncthreads();
    if (lane == 0) sh[wid] = v;
    __syncthreads();
    int nw = (blockDim.x + 31) >> 5;
    v = (int) threadIdx.x < nw ? sh[threadIdx.x] : identity;
    if (wid == 0) {
        for (int o = 16; o > 0; o >>= 1) v = op(v, __shfl_down_sync(0xffffffffu, v, o));
        if (lane == 0) sh[0] = v;
    }
    __syncthreads();
    T r = sh[0];
    __syncthreads();
    return r;
}

__device__ double block_sum_d(double v) { return block_reduce(v, 0.0, Sum()); }
__device__ float block_max_f(float v) { return block_reduce(v, NEG_INF, Max()); }
__device__ int block_sum_i(int v) { return block_reduce(v, 0, Sum()); }

// ---- element-wise (Layers.add, relu, reluBackward, sgd, ema) ----

extern "C" __global__ void add_f32(int n, const float* a, const float* b, float* y) {
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) y[i] = a[i] + b[i];
}

extern "C" __global__ void relu_f32(int n, const float* x, float* y) {
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) y[i] = fmaxf(x[i], 0.f);
}

extern "C" __global__ void relu_backward(int n, const float* y, const float* dy, float* dx) {
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) dx[i] = y[i] > 0.f ? dy[i] : 0.f;
}

// g = grad + wd·p; v ← μ·v + g; p ← p − lr·v  (PyTorch's SGD)
extern "C" __global__ void sgd_step(int n, float* p, const float* grad, float* vel, float lr, float mom, float wd) {
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
        float g = grad[i] + wd * p[i];
        float v = mom * vel[i] + g;
        vel[i] = v;
        p[i] -= lr * v;
    }
}

// θ_k ← m·θ_k + (1 − m)·θ_q
extern "C" __global__ void ema_step(int n, float* t, const float* s, float m) {
    float r = 1.f - m;
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) t[i] = r * s[i] + m * t[i];
}

// y[r, ch] += b[ch]: the bias of linear and conv2d
extern "C" __global__ void add_bias(int rows, int c, const float* b, float* y) {
    long total = (long) rows * c;
    for (long i = blockIdx.x * (long) blockDim.x + threadIdx.x; i < total; i += (long) gridDim.x * blockDim.x)
        y[i] += b[i % c];
}

// ---- column reductions over rows × c (batch norm statistics, bias gradients) ----
// Block (32, 8): 32 channels × 8 row lanes; grid (ceil(c/32), parts). Part p covers rows
// [p·rowsPerPart, min(rows, (p+1)·rowsPerPart)). part[(p·c + ch)·2 + {0,1}] receives two sums in double:
//   mode 0: Σ x,                     —
//   mode 1: Σ (x − mean)²,           —
//   mode 2: Σ g,                      Σ g·(x − mean)·invStd   with g = dy, or 0 where the fused ReLU output ≤ 0
extern "C" __global__ void col_partial(int rows, int c, int rowsPerPart, int mode, const float* x, const float* mean,
                                       const float* invStd, const float* dy, const float* yrelu, double* part) {
    __shared__ double s1[8][32];
    __shared__ double s2[8][32];
    int ch = blockIdx.x * 32 + threadIdx.x;
    int r0 = blockIdx.y * rowsPerPart;
    int r1 = min(rows, r0 + rowsPerPart);
    double a = 0.0, b = 0.0;
    if (ch < c) {
        float mu = mode == 0 ? 0.f : mean[ch];
        float is = mode == 2 ? invStd[ch] : 0.f;
        for (int r = r0 + threadIdx.y; r < r1; r += 8) {
            long i = (long) r * c + ch;
            if (mode == 0) {
                a += x[i];
            } else if (mode == 1) {
                float d = x[i] - mu;
                a += (double) d * d;
            } else {
                float g = dy[i];
                if (yrelu != 0 && yrelu[i] <= 0.f) g = 0.f;
                a += g;
                b += (double) g * ((x[i] - mu) * is);
            }
        }
    }
    s1[threadIdx.y][threadIdx.x] = a;
    s2[threadIdx.y][threadIdx.x] = b;
    __syncthreads();
    if (threadIdx.y == 0 && ch < c) {
        double ta = 0.0, tb = 0.0;
        for (int k = 0; k < 8; k++) {
            ta += s1[k][threadIdx.x];
            tb += s2[k][threadIdx.x];
        }
        part[((long) blockIdx.y * c + ch) * 2] = ta;
        part[((long) blockIdx.y * c + ch) * 2 + 1] = tb;
    }
}

// out[ch] = scale · Σ_p part[p][ch][which], in part order
extern "C" __global__ void col_finish(int parts, int c, int which, double scale, const double* part, float* out) {
    int ch = blockIdx.x * blockDim.x + threadIdx.x;
    if (ch >= c) return;
    double s = 0.0;
    for (int p = 0; p < parts; p++) s += part[((long) p * c + ch) * 2 + which];
    out[ch] = (float) (s * scale);
}

// Batch statistics (Layers.batchStats): invStd = 1/sqrt(Σ(x−μ)²/rows + eps); running statistics with the
// unbiased variance, r ← (1 − momentum)·r + momentum·batch.
extern "C" __global__ void bn_stats(int parts, int c, int rows, const double* part, const float* mean, float momentum,
                                    float eps, float* invStd, float* runMean, float* runVar) {
    int ch = blockIdx.x * blockDim.x + threadIdx.x;
    if (ch >= c) return;
    double ss = 0.0;
    for (int p = 0; p < parts; p++) ss += part[((long) p * c + ch) * 2];
    invStd[ch] = (float) (1.0 / sqrt(ss / rows + (double) eps));
    double unbiased = rows > 1 ? ss / (rows - 1) : ss;
    runMean[ch] = (float) ((1.0 - momentum) * runMean[ch] + (double) momentum * mean[ch]);
    runVar[ch] = (float) ((1.0 - momentum) * runVar[ch] + (double) momentum * unbiased);
}

// y = (x − mean)·γ·s + β, s = invStd (train) or 1/sqrt(runVar + eps) (eval); then max(·, 0) with relu
// (Layers.batchNormApply, Layers.relu)
extern "C" __global__ void bn_apply(int rows, int c, const float* x, const float* mean, const float* gamma,
                                    const float* invStd, const float* runVar, float eps, const float* beta, int relu,
                                    float* y) {
    long total = (long) rows * c;
    for (long i = blockIdx.x * (long) blockDim.x + threadIdx.x; i < total; i += (long) gridDim.x * blockDim.x) {
        int ch = (int) (i % c);
        float s = invStd != 0 ? invStd[ch] : (float) (1.0 / sqrt((double) runVar[ch] + (double) eps));
        float v = (x[i] - mean[ch]) * (gamma[ch] * s) + beta[ch];
        y[i] = relu ? fmaxf(v, 0.f) : v;
    }
}

// From the sums Σg and Σg·x̂ (col_partial mode 2): dβ = Σg, dγ = Σg·x̂ and the coefficients of
// dx = k·(g − mean(g)) − k·invStd·mean(g·x̂)·(x − μ), k = γ·invStd (Layers.batchNormBackward)
extern "C" __global__ void bn_backward_stats(int parts, int c, int rows, const double* part, const float* gamma,
                                             const float* invStd, float* dgamma, float* dbeta, float* coef) {
    int ch = blockIdx.x * blockDim.x + threadIdx.x;
    if (ch >= c) return;
    double sg = 0.0, sgx = 0.0;
    for (int p = 0; p < parts; p++) {
        sg += part[((long) p * c + ch) * 2];
        sgx += part[((long) p * c + ch) * 2 + 1];
    }
    if (dbeta != 0) dbeta[ch] = (float) sg;
    if (dgamma != 0) dgamma[ch] = (float) sgx;
    double k = (double) gamma[ch] * invStd[ch];
    coef[ch] = (float) k;
    coef[c + ch] = (float) (sg / rows);
    coef[2 * c + ch] = (float) (k * sgx / rows * invStd[ch]);
}

extern "C" __global__ void bn_backward_apply(int rows, int c, const float* x, const float* mean, const float* dy,
                                             const float* yrelu, const float* coef, float* dx) {
    long total = (long) rows * c;
    for (long i = blockIdx.x * (long) blockDim.x + threadIdx.x; i < total; i += (long) gridDim.x * blockDim.x) {
        int ch = (int) (i % c);
        float g = dy[i];
        if (yrelu != 0 && yrelu[i] <= 0.f) g = 0.f;
        dx[i] = (g - coef[c + ch]) * coef[ch] - (x[i] - mean[ch]) * coef[2 * c + ch];
    }
}

// ---- pooling (Layers.maxPool / avgPool / globalAvgPool and their backward passes) ----
// Backward passes gather: each input element sums over the windows that contain it (no atomics).

// i = ((b·d1 + y)·d2 + x)·d3 + ch, decoded
__device__ void decode(long i, int d1, int d2, int d3, int* b, int* y, int* x, int* ch) {
    *ch = (int) (i % d3);
    long t = i / d3;
    *x = (int) (t % d2);
    t /= d2;
    *y = (int) (t % d1);
    *b = (int) (t / d1);
}

// The window positions o (0 ≤ o < on) whose span [o·stride, o·stride + k) contains input position i: [*o0, *o1]
__device__ void windows(int i, int k, int stride, int on, int* o0, int* o1) {
    *o0 = i >= k ? (i - k) / stride + 1 : 0;
    *o1 = min(on - 1, i / stride);
}

__device__ long max_in_window(const float* x, int h, int w, int c, int k, int stride, int n, int oy, int ox, int ch) {
    long best = (((long) n * h + oy * stride) * w + ox * stride) * c + ch;
    for (int ky = 0; ky < k; ky++)
        for (int kx = 0; kx < k; kx++) {
            long i = (((long) n * h + oy * stride + ky) * w + ox * stride + kx) * c + ch;
            if (x[i] > x[best]) best = i;  // first maximum in window order on ties, as the oracle
        }
    return best;
}

extern "C" __global__ void maxpool_fwd(int n, int h, int w, int c, int k, int stride, int oh, int ow, const float* x,
                                       float* y) {
    long total = (long) n * oh * ow * c;
    for (long i = blockIdx.x * (long) blockDim.x + threadIdx.x; i < total; i += (long) gridDim.x * blockDim.x) {
        int b, oy, ox, ch;
        decode(i, oh, ow, c, &b, &oy, &ox, &ch);
        y[i] = x[max_in_window(x, h, w, c, k, stride, b, oy, ox, ch)];
    }
}

extern "C" __global__ void maxpool_bwd(int n, int h, int w, int c, int k, int stride, int oh, int ow, const float* x,
                                       const float* dy, float* dx) {
    long total = (long) n * h * w * c;
    for (long i = blockIdx.x * (long) blockDim.x + threadIdx.x; i < total; i += (long) gridDim.x * blockDim.x) {
        int b, iy, ix, ch, oy0, oy1, ox0, ox1;
        decode(i, h, w, c, &b, &iy, &ix, &ch);
        windows(iy, k, stride, oh, &oy0, &oy1);
        windows(ix, k, stride, ow, &ox0, &ox1);
        float g = 0.f;
        for (int oy = oy0; oy <= oy1; oy++)
            for (int ox = ox0; ox <= ox1; ox++)
                if (max_in_window(x, h, w, c, k, stride, b, oy, ox, ch) == i) g += dy[(((long) b * oh + oy) * ow + ox) * c + ch];
        dx[i] = g;
    }
}

extern "C" __global__ void avgpool_fwd(int n, int h, int w, int c, int k, int stride, int oh, int ow, const float* x,
                                       float* y) {
    long total = (long) n * oh * ow * c;
    float inv = 1.f / (k * k);
    for (long i = blockIdx.x * (long) blockDim.x + threadIdx.x; i < total; i += (long) gridDim.x * blockDim.x) {
        int b, oy, ox, ch;
        decode(i, oh, ow, c, &b, &oy, &ox, &ch);
        float s = 0.f;
        for (int ky = 0; ky < k; ky++)
            for (int kx = 0; kx < k; kx++) s += x[(((long) b * h + oy * stride + ky) * w + ox * stride + kx) * c + ch];
        y[i] = s * inv;
    }
}

extern "C" __global__ void avgpool_bwd(int n, int h, int w, int c, int k, int stride, int oh, int ow, const float* dy,
                                       float* dx) {
    long total = (long) n * h * w * c;
    float inv = 1.f / (k * k);
    for (long i = blockIdx.x * (long) blockDim.x + threadIdx.x; i < total; i += (long) gridDim.x * blockDim.x) {
        int b, iy, ix, ch, oy0, oy1, ox0, ox1;
        decode(i, h, w, c, &b, &iy, &ix, &ch);
        windows(iy, k, stride, oh, &oy0, &oy1);
        windows(ix, k, stride, ow, &ox0, &ox1);
        float g = 0.f;
        for (int oy = oy0; oy <= oy1; oy++)
            for (int ox = ox0; ox <= ox1; ox++) g += dy[(((long) b * oh + oy) * ow + ox) * c + ch];
        dx[i] = g * inv;
    }
}

extern "C" __global__ void gap_fwd(int n, int hw, int c, const float* x, float* y) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n * c) return;
    int b = i / c, ch = i % c;
    float s = 0.f;
    for (int p = 0; p < hw; p++) s += x[((long) b * hw + p) * c + ch];
    y[i] = s * (1.f / hw);
}

extern "C" __global__ void gap_bwd(int n, int hw, int c, const float* dy, float* dx) {
    long total = (long) n * hw * c;
    float inv = 1.f / hw;
    for (long i = blockIdx.x * (long) blockDim.x + threadIdx.x; i < total; i += (long) gridDim.x * blockDim.x) {
        int ch = (int) (i % c);
        long b = i / ((long) hw * c);
        dx[i] = dy[b * c + ch] * inv;
    }
}

// ---- convolution as im2col + cuBLAS (Layers.conv2d, conv2dBackward) ----
// col[(b·oh + oy)·ow + ox][(ky·kw + kx)·cin + ci] = x[b, oy·stride − pad + ky, ox·stride − pad + kx, ci] (0 outside);
// the column order matches the weights' kh×kw×cin×cout layout.

extern "C" __global__ void im2col(int n, int h, int w, int cin, int kh, int kw, int stride, int pad, int oh, int ow,
                                  const float* x, float* col) {
    long ps = (long) kh * kw * cin;
    long total = (long) n * oh * ow * ps;
    for (long i = blockIdx.x * (long) blockDim.x + threadIdx.x; i < total; i += (long) gridDim.x * blockDim.x) {
        long p = i / ps;
        int q = (int) (i % ps);
        int ci = q % cin;
        int kx = (q / cin) % kw;
        int ky = q / (cin * kw);
        int ox = (int) (p % ow);
        int oy = (int) ((p / ow) % oh);
        int b = (int) (p / ((long) ow * oh));
        int iy = oy * stride - pad + ky, ix = ox * stride - pad + kx;
        col[i] = (iy >= 0 && iy < h && ix >= 0 && ix < w) ? x[(((long) b * h + iy) * w + ix) * cin + ci] : 0.f;
    }
}

// dx[b, iy, ix, ci] = Σ over the patches that read it of dcol
extern "C" __global__ void col2im(int n, int h, int w, int cin, int kh, int kw, int stride, int pad, int oh, int ow,
                                  const float* dcol, float* dx) {
    long ps = (long) kh * kw * cin;
    long total = (long) n * h * w * cin;
    for (long i = blockIdx.x * (long) blockDim.x + threadIdx.x; i < total; i += (long) gridDim.x * blockDim.x) {
        int b, iy, ix, ci;
        decode(i, h, w, cin, &b, &iy, &ix, &ci);
        float g = 0.f;
        for (int ky = 0; ky < kh; ky++) {
            int yy = iy + pad - ky;
            if (yy < 0 || yy % stride != 0) continue;
            int oy = yy / stride;
            if (oy >= oh) continue;
            for (int kx = 0; kx < kw; kx++) {
                int xx = ix + pad - kx;
                if (xx < 0 || xx % stride != 0) continue;
                int ox = xx / stride;
                if (ox >= ow) continue;
                g += dcol[(((long) b * oh + oy) * ow + ox) * ps + (ky * kw + kx) * cin + ci];
            }
        }
        dx[i] = g;
    }
}

// ---- l2_normalize (oracle L2Normalize): one block per row ----

extern "C" __global__ void l2norm_fwd(int rows, int cols, const float* x, float* y, float eps) {
    int r = blockIdx.x;
    const float* xr = x + (long) r * cols;
    double s = 0.0;
    for (int j = threadIdx.x; j < cols; j += blockDim.x) s += (double) xr[j] * xr[j];
    s = block_sum_d(s);
    float inv = (float) (1.0 / fmax(sqrt(s), (double) eps));
    for (int j = threadIdx.x; j < cols; j += blockDim.x) y[(long) r * cols + j] = xr[j] * inv;
}

// dx = (dy − y·(y·dy))/||x|| above eps, dy/eps below
extern "C" __global__ void l2norm_bwd(int rows, int cols, const float* x, const float* dy, float* dx, float eps) {
    int r = blockIdx.x;
    const float* xr = x + (long) r * cols;
    const float* gr = dy + (long) r * cols;
    double s = 0.0, sd = 0.0;
    for (int j = threadIdx.x; j < cols; j += blockDim.x) {
        s += (double) xr[j] * xr[j];
        sd += (double) xr[j] * gr[j];
    }
    s = block_sum_d(s);
    sd = block_sum_d(sd);
    double norm = sqrt(s);
    if (norm >= eps) {
        float inv = (float) (1.0 / norm);
        float ydy = (float) (sd / norm);
        for (int j = threadIdx.x; j < cols; j += blockDim.x) dx[(long) r * cols + j] = (gr[j] - xr[j] * inv * ydy) * inv;
    } else {
        for (int j = threadIdx.x; j < cols; j += blockDim.x) dx[(long) r * cols + j] = gr[j] / eps;
    }
}

// ---- softmax cross-entropy pieces of info_nce and proto_nce ----

// out[i·ldo] = scale · a_i·b_i  (the positive logit q_i·k_i/τ of info_nce)
extern "C" __global__ void row_dot(int n, int d, const float* a, const float* b, float scale, float* out, int ldo) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    float s = 0.f;
    for (int j = 0; j < d; j++) s += a[(long) i * d + j] * b[(long) i * d + j];
    out[(long) i * ldo] = s * scale;
}

// dq[i, :] += l[i·ldl] · k[i, :]
extern "C" __global__ void row_axpy(int n, int d, const float* l, int ldl, const float* k, float* dq) {
    long total = (long) n * d;
    for (long i = blockIdx.x * (long) blockDim.x + threadIdx.x; i < total; i += (long) gridDim.x * blockDim.x)
        dq[i] += l[(i / d) * ldl] * k[i];
}

// One block per row of logits l (rows × width, row stride ld), target column target[i] (or 0 when target is null):
// rowLoss[i] = logsumexp(l_i) − l_i[t]; rowHit[i] = 1 when t is the first largest logit; then l_i is replaced by
// coef·(softmax(l_i) − onehot(t)), the gradient of coef·rowLoss (oracle CrossEntropy).
extern "C" __global__ void softmax_xent(int rows, int width, int ld, float* l, const int* target, float coef,
                                        double* rowLoss, int* rowHit) {
    int r = blockIdx.x;
    float* lr = l + (long) r * ld;
    int t = target != 0 ? target[r] : 0;
    float m = NEG_INF;
    for (int j = threadIdx.x; j < width; j += blockDim.x) m = fmaxf(m, lr[j]);
    m = block_max_f(m);
    float lt = lr[t];
    int before = 0;
    for (int j = threadIdx.x; j < t; j += blockDim.x) before += lr[j] >= lt ? 1 : 0;
    before = block_sum_i(before);
    double s = 0.0;
    for (int j = threadIdx.x; j < width; j += blockDim.x) {
        float e = expf(lr[j] - m);
        lr[j] = e;
        s += e;
    }
    s = block_sum_d(s);
    float norm = (float) (coef / s);
    for (int j = threadIdx.x; j < width; j += blockDim.x) lr[j] = lr[j] * norm - (j == t ? coef : 0.f);
    if (threadIdx.x == 0) {
        rowLoss[r] = (double) m + log(s) - (double) lt;
        rowHit[r] = (before == 0 && lt >= m) ? 1 : 0;
    }
}

// proto_nce's columns: cols[j] = C[id_j] / φ[id_j] for ids = pos ++ neg; an id outside [0, kc) is reported in
// bad[0] (as 1 + its column) and its column set to 0.
extern "C" __global__ void gather_protos(int n, int s, int d, int kc, const int* pos, const int* neg, const float* c,
                                         const float* phi, float* cols, int* bad) {
    long total = (long) (n + s) * d;
    for (long i = blockIdx.x * (long) blockDim.x + threadIdx.x; i < total; i += (long) gridDim.x * blockDim.x) {
        int j = (int) (i / d), a = (int) (i % d);
        int id = j < n ? pos[j] : neg[j - n];
        if (id < 0 || id >= kc) {
            cols[i] = 0.f;
            if (a == 0) atomicMax(bad, j + 1);
        } else {
            cols[i] = c[(long) id * d + a] / phi[id];
        }
    }
}

// 0, 1, …, n−1: proto_nce's target column of row i is i
extern "C" __global__ void iota(int n, int* y) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) y[i] = i;
}

// ---- align (oracle Align): L = mean_i ||v_i − C[pos_i]||^α, one block per row ----

extern "C" __global__ void align_rows(int n, int d, int kc, const float* v, const float* c, const int* pos, float alpha,
                                      float coef, float* dv, double* rowLoss, int* bad) {
    int i = blockIdx.x;
    int p = pos[i];
    if (p < 0 || p >= kc) {
        if (threadIdx.x == 0) {
            atomicMax(bad, i + 1);
            rowLoss[i] = 0.0;
        }
        return;
    }
    double sq = 0.0;
    for (int a = threadIdx.x; a < d; a += blockDim.x) {
        float r = v[(long) i * d + a] - c[(long) p * d + a];
        sq += (double) r * r;
    }
    sq = block_sum_d(sq);
    double norm = sqrt(sq);
    if (threadIdx.x == 0) rowLoss[i] = pow(norm, (double) alpha);
    if (dv != 0 && norm > 0) {
        float g = (float) (coef * alpha * pow(norm, (double) alpha - 2));
        for (int a = threadIdx.x; a < d; a += blockDim.x)
            dv[(long) i * d + a] += g * (v[(long) i * d + a] - c[(long) p * d + a]);
    }
}

// ---- uniformity (oracle Uniformity) ----

// s[i·n + j] = −t·||v_i − v_j||² for i < j, −∞ elsewhere
extern "C" __global__ void pair_sq(int n, int d, const float* v, float t, float* s) {
    long total = (long) n * n;
    for (long idx = blockIdx.x * (long) blockDim.x + threadIdx.x; idx < total; idx += (long) gridDim.x * blockDim.x) {
        int i = (int) (idx / n), j = (int) (idx % n);
        if (i >= j) {
            s[idx] = NEG_INF;
            continue;
        }
        double sq = 0.0;
        for (int a = 0; a < d; a++) {
            float diff = v[(long) i * d + a] - v[(long) j * d + a];
            sq += diff * diff;
        }
        s[idx] = (float) (-t * sq);
    }
}

// out[0] = log Σ exp(s) over the finite entries (one block)
extern "C" __global__ void logsumexp_all(long count, const float* s, double* out) {
    float m = NEG_INF;
    for (long i = threadIdx.x; i < count; i += blockDim.x) m = fmaxf(m, s[i]);
    m = block_max_f(m);
    double sum = 0.0;
    for (long i = threadIdx.x; i < count; i += blockDim.x) sum += exp((double) s[i] - m);
    sum = block_sum_d(sum);
    if (threadIdx.x == 0) out[0] = m + log(sum);
}

// dv[i, a] += coef · Σ_{j≠i} exp(s_ij − lse)·(v_ia − v_ja), s symmetric through its upper triangle
extern "C" __global__ void uniformity_grad(int n, int d, const float* v, const float* s, const double* lse, float coef,
                                           float* dv) {
    long total = (long) n * d;
    for (long idx = blockIdx.x * (long) blockDim.x + threadIdx.x; idx < total; idx += (long) gridDim.x * blockDim.x) {
        int i = (int) (idx / d), a = (int) (idx % d);
        double g = 0.0;
        for (int j = 0; j < n; j++) {
            if (j == i) continue;
            float sij = i < j ? s[(long) i * n + j] : s[(long) j * n + i];
            g += exp((double) sij - lse[0]) * (v[idx] - v[(long) j * d + a]);
        }
        dv[idx] += (float) (coef * g);
    }
}

// ---- correlation and cross_correlation (oracle Standardize, Correlation, CrossCorrelation) ----

// One block per column: zh = (z − μ)/σ, σ = sqrt(mean (z − μ)² + eps)
extern "C" __global__ void standardize_cols(int n, int d, const float* z, float eps, float* zh, float* sigma) {
    int a = blockIdx.x;
    double s = 0.0;
    for (int i = threadIdx.x; i < n; i += blockDim.x) s += z[(long) i * d + a];
    double mu = block_sum_d(s) / n;
    double v = 0.0;
    for (int i = threadIdx.x; i < n; i += blockDim.x) {
        double c = z[(long) i * d + a] - mu;
        v += c * c;
    }
    v = block_sum_d(v);
    float sg = (float) sqrt(v / n + (double) eps);
    for (int i = threadIdx.x; i < n; i += blockDim.x) zh[(long) i * d + a] = (float) ((z[(long) i * d + a] - mu) / sg);
    if (threadIdx.x == 0) sigma[a] = sg;
}

// Per entry of the d×d matrix m: the loss term (term) and its gradient coefficient (g):
//   cross = 0 (correlation):        a ≠ b: m², g = 4·m·scale/N;        a = b: 0
//   cross = 1 (cross_correlation):  a = b: (1 − m)², g = −2(1 − m)·scale/N;  a ≠ b: λ·m², g = 2λ·m·scale/N
extern "C" __global__ void corr_terms(int d, int cross, const float* m, float lambdaOff, float scaleOverN, double* term,
                                      float* g) {
    int idx = blockIdx.x * blockDim.x + threadIdx.x;
    if (idx >= d * d) return;
    int a = idx / d, b = idx % d;
    float x = m[idx];
    if (cross) {
        if (a == b) {
            term[idx] = (1.0 - x) * (1.0 - x);
            g[idx] = -2 * (1 - x) * scaleOverN;
        } else {
            term[idx] = lambdaOff * (double) x * x;
            g[idx] = 2 * lambdaOff * x * scaleOverN;
        }
    } else {
        term[idx] = a != b ? (double) x * x : 0.0;
        g[idx] = a != b ? 4 * x * scaleOverN : 0.f;
    }
}

// out[0] = Σ x in a fixed order (one block)
extern "C" __global__ void sum_all(long count, const double* x, double* out) {
    double s = 0.0;
    for (long i = threadIdx.x; i < count; i += blockDim.x) s += x[i];
    s = block_sum_d(s);
    if (threadIdx.x == 0) out[0] = s;
}

// One block per column: dz += (dẑ − mean(dẑ) − ẑ·mean(dẑ ⊙ ẑ))/σ
extern "C" __global__ void standardize_backward(int n, int d, const float* zh, const float* sigma, const float* dzh,
                                                float* dz) {
    int a = blockIdx.x;
    double mg = 0.0, mgz = 0.0;
    for (int i = threadIdx.x; i < n; i += blockDim.x) {
        long k = (long) i * d + a;
        mg += dzh[k];
        mgz += (double) dzh[k] * zh[k];
    }
    mg = block_sum_d(mg) / n;
    mgz = block_sum_d(mgz) / n;
    for (int i = threadIdx.x; i < n; i += blockDim.x) {
        long k = (long) i * d + a;
        dz[k] += (float) ((dzh[k] - mg - zh[k] * mgz) / sigma[a]);
    }
}

// y = s·y (a product with k = 0 and β ≠ 0)
extern "C" __global__ void scale_f32(int n, float s, float* y) {
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) y[i] *= s;
}

// ---- bf16 inputs and cuDNN's filter layout ----

// y[i] = x[i] rounded to the nearest bfloat16 (ties to even), stored as its 16 bits; NaN stays a NaN
extern "C" __global__ void f32_to_bf16(int n, const float* x, unsigned short* y) {
    for (long i = blockIdx.x * (long) blockDim.x + threadIdx.x; i < n; i += (long) gridDim.x * blockDim.x) {
        unsigned int b = __float_as_uint(x[i]);
        if ((b & 0x7f800000u) == 0x7f800000u) {
            y[i] = (unsigned short) ((b >> 16) | ((b & 0x007fffffu) ? 0x40u : 0u));
        } else {
            y[i] = (unsigned short) ((b + 0x7fffu + ((b >> 16) & 1u)) >> 16);
        }
    }
}

// t = aᵀ for a rows×cols row-major (pauc's kh·kw·cin × cout weights to cuDNN's cout × kh·kw·cin, and back)
extern "C" __global__ void transpose_f32(int rows, int cols, const float* a, float* t) {
    long total = (long) rows * cols;
    for (long i = blockIdx.x * (long) blockDim.x + threadIdx.x; i < total; i += (long) gridDim.x * blockDim.x) {
        long r = i / cols, c = i % cols;
        t[c * rows + r] = a[i];
    }
}

// ---- the E-step's k-means (oracle KMeansStep) ----

// per row of a block of points: the nearest centroid by ‖x‖² + ‖c‖² − 2x·c (lowest index on ties), one block per row
extern "C" __global__ void row_argmin(int rows, int k, const float* dots, const float* xnorm, const float* cnorm,
                                      int* assign, float* dist) {
    __shared__ float value[256];
    __shared__ int index[256];
    int r = blockIdx.x;
    if (r >= rows) return;
    float best = -NEG_INF;
    int at = 0x7fffffff;
    for (int j = threadIdx.x; j < k; j += blockDim.x) {
        float v = xnorm[r] + cnorm[j] - 2.f * dots[(long) r * k + j];
        if (v < best) { best = v; at = j; }
    }
    value[threadIdx.x] = best;
    index[threadIdx.x] = at;
    __syncthreads();
    for (int s = blockDim.x / 2; s > 0; s >>= 1) {
        if (threadIdx.x < s) {
            float v = value[threadIdx.x + s];
            int j = index[threadIdx.x + s];
            if (v < value[threadIdx.x] || (v == value[threadIdx.x] && j < index[threadIdx.x])) {
                value[threadIdx.x] = v;
                index[threadIdx.x] = j;
            }
        }
        __syncthreads();
    }
    if (threadIdx.x == 0) {
        assign[r] = index[0];
        dist[r] = fmaxf(0.f, value[0]);
    }
}

// out[0] = max |x_i| over n values (one block; max does not depend on the order)
extern "C" __global__ void max_abs(int n, const float* x, float* out) {
    float m = 0.f;
    for (int i = threadIdx.x; i < n; i += blockDim.x) m = fmaxf(m, fabsf(x[i]));
    m = block_max_f(m);
    if (threadIdx.x == 0) out[0] = m;
}

// acc[a_i·d + t] += rint(x[i·d + t]·scale) as 64-bit integers (exact, so the order of the atomics cannot change a
// bit, as hostmath.FixedPoint); counts[a_i] += 1 (ints)
extern "C" __global__ void fixed_sums(int n, int d, const float* x, const int* assign, double scale,
                                      unsigned long long* acc, int* counts) {
    long total = (long) n * d;
    for (long q = blockIdx.x * (long) blockDim.x + threadIdx.x; q < total; q += (long) gridDim.x * blockDim.x) {
        long i = q / d;
        int t = (int) (q % d);
        int a = assign[i];
        atomicAdd(&acc[(long) a * d + t], (unsigned long long) __double2ll_rn((double) x[q] * scale));
        if (t == 0) atomicAdd(&counts[a], 1);
    }
}

// out[q] = acc[q] / scale as a float (the inverse of fixed_sums' scaling)
extern "C" __global__ void fixed_to_float(int m, const long long* acc, double scale, float* out) {
    for (long q = blockIdx.x * (long) blockDim.x + threadIdx.x; q < m; q += (long) gridDim.x * blockDim.x)
        out[q] = (float) ((double) acc[q] / scale);
}

extern "C" __global__ void int_to_float(int m, const int* a, float* out) {
    for (long q = blockIdx.x * (long) blockDim.x + threadIdx.x; q < m; q += (long) gridDim.x * blockDim.x)
        out[q] = (float) a[q];
}

// r[i] = ‖x_i − c_{a_i}‖₂, one thread per row
extern "C" __global__ void row_distance(int n, int d, const float* x, const float* c, const int* assign, float* r) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    const float* xi = x + (long) i * d;
    const float* cj = c + (long) assign[i] * d;
    float s = 0.f;
    for (int t = 0; t < d; t++) {
        float diff = xi[t] - cj[t];
        s += diff * diff;
    }
    r[i] = sqrtf(s);
}

