package org.pauc.oracle.layers;

/**
 * Double-precision, scalar reference of every layer op of the backends: the oracle that the CPU and CUDA
 * kernels are verified against. Tensors are flat row-major arrays; images are NHWC; conv weights are
 * kh×kw×cin×cout; linear weights are out×in (PyTorch's layout), y = x·Wᵀ + b.
 * Backward functions return gradients w.r.t. every input (overwriting, never accumulating).
 */
public final class Layers {
    private Layers() {}

    /** C = α·op(A)·op(B) + β·C, row-major; op(A) is m×k, op(B) is k×n. */
    public static void gemm(boolean ta, boolean tb, int m, int n, int k, double alpha, double[] a, double[] b,
                            double beta, double[] c) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0; p < k; p++) {
                    double av = ta ? a[p * m + i] : a[i * k + p];
                    double bv = tb ? b[j * k + p] : b[p * n + j];
                    s += av * bv;
                }
                c[i * n + j] = alpha * s + (beta == 0 ? 0 : beta * c[i * n + j]);
            }
        }
    }

    // ---- conv2d: y[n,oy,ox,co] = b[co] + Σ_{ky,kx,ci} x[n, oy·s−p+ky, ox·s−p+kx, ci] · w[ky,kx,ci,co] ----

    public static double[] conv2d(ConvShape s, double[] x, double[] w, double[] bias) {
        double[] y = new double[s.outputSize()];
        int oh = s.oh();
        int ow = s.ow();
        for (int n = 0; n < s.n(); n++) {
            for (int oy = 0; oy < oh; oy++) {
                for (int ox = 0; ox < ow; ox++) {
                    for (int co = 0; co < s.cout(); co++) {
                        double acc = bias == null ? 0 : bias[co];
                        for (int ky = 0; ky < s.kh(); ky++) {
                            int iy = oy * s.stride() - s.pad() + ky;
                            for (int kx = 0; kx < s.kw(); kx++) {
                                int ix = ox * s.stride() - s.pad() + kx;
                                if (iy < 0 || iy >= s.h() || ix < 0 || ix >= s.w()) {
                                    continue;
                                }
                                for (int ci = 0; ci < s.cin(); ci++) {
                                    acc += x[((n * s.h() + iy) * s.w() + ix) * s.cin() + ci]
                                            * w[((ky * s.kw() + kx) * s.cin() + ci) * s.cout() + co];
                                }
                            }
                        }
                        y[((n * oh + oy) * ow + ox) * s.cout() + co] = acc;
                    }
                }
            }
        }
        return y;
    }

    /** Gradients of a convolution: dx (n×h×w×cin), dw (kh×kw×cin×cout), db (cout). */
    public record ConvGrads(double[] dx, double[] dw, double[] db) {}

    public static ConvGrads conv2dBackward(ConvShape s, double[] x, double[] w, double[] dy) {
        double[] dx = new double[s.inputSize()];
        double[] dw = new double[s.weightSize()];
        double[] db = new double[s.cout()];
        int oh = s.oh();
        int ow = s.ow();
        for (int n = 0; n < s.n(); n++) {
            for (int oy = 0; oy < oh; oy++) {
                for (int ox = 0; ox < ow; ox++) {
                    for (int co = 0; co < s.cout(); co++) {
                        double g = dy[((n * oh + oy) * ow + ox) * s.cout() + co];
                        db[co] += g;
                        for (int ky = 0; ky < s.kh(); ky++) {
                            int iy = oy * s.stride() - s.pad() + ky;
                            for (int kx = 0; kx < s.kw(); kx++) {
                                int ix = ox * s.stride() - s.pad() + kx;
                                if (iy < 0 || iy >= s.h() || ix < 0 || ix >= s.w()) {
                                    continue;
                                }
                                for (int ci = 0; ci < s.cin(); ci++) {
                                    int xi = ((n * s.h() + iy) * s.w() + ix) * s.cin() + ci;
                                    int wi = ((ky * s.kw() + kx) * s.cin() + ci) * s.cout() + co;
                                    dx[xi] += g * w[wi];
                                    dw[wi] += g * x[xi];
                                }
                            }
                        }
                    }
                }
            }
        }
        return new ConvGrads(dx, dw, db);
    }

    // ---- batch norm over rows × channels (channels last; 2-D BN uses rows = n·h·w) ----

    /** Batch statistics of a training-mode batch norm: mean and 1/sqrt(var + eps) with the biased variance. */
    public record BatchStats(double[] mean, double[] invStd, double[] unbiasedVar) {}

    public static BatchStats batchStats(int rows, int c, double[] x, double eps) {
        double[] mean = new double[c];
        double[] invStd = new double[c];
        double[] unbiased = new double[c];
        for (int ch = 0; ch < c; ch++) {
            double s = 0;
            for (int r = 0; r < rows; r++) {
                s += x[r * c + ch];
            }
            double mu = s / rows;
            double v = 0;
            for (int r = 0; r < rows; r++) {
                double d = x[r * c + ch] - mu;
                v += d * d;
            }
            mean[ch] = mu;
            invStd[ch] = 1 / Math.sqrt(v / rows + eps);
            unbiased[ch] = rows > 1 ? v / (rows - 1) : v;
        }
        return new BatchStats(mean, invStd, unbiased);
    }

    /** y = γ·(x − μ)·invStd + β per channel, with the given statistics (batch ones, or running ones in eval). */
    public static double[] batchNormApply(int rows, int c, double[] x, double[] gamma, double[] beta, double[] mean,
                                          double[] invStd) {
        double[] y = new double[rows * c];
        for (int r = 0; r < rows; r++) {
            for (int ch = 0; ch < c; ch++) {
                y[r * c + ch] = gamma[ch] * (x[r * c + ch] - mean[ch]) * invStd[ch] + beta[ch];
            }
        }
        return y;
    }

    /** PyTorch's running update: r ← (1 − m)·r + m·batch, with the unbiased batch variance. */
    public static void updateRunning(double[] runMean, double[] runVar, BatchStats st, double momentum) {
        for (int ch = 0; ch < runMean.length; ch++) {
            runMean[ch] = (1 - momentum) * runMean[ch] + momentum * st.mean()[ch];
            runVar[ch] = (1 - momentum) * runVar[ch] + momentum * st.unbiasedVar()[ch];
        }
    }

    /** Gradients of a training-mode batch norm: dx, dγ, dβ. */
    public record NormGrads(double[] dx, double[] dgamma, double[] dbeta) {}

    /**
     * x̂ = (x − μ)·invStd; dβ = Σ dy, dγ = Σ dy·x̂, dx = γ·invStd·(dy − mean(dy) − x̂·mean(dy·x̂)) per channel.
     */
    public static NormGrads batchNormBackward(int rows, int c, double[] x, double[] gamma, double[] mean,
                                              double[] invStd, double[] dy) {
        double[] dx = new double[rows * c];
        double[] dgamma = new double[c];
        double[] dbeta = new double[c];
        for (int ch = 0; ch < c; ch++) {
            for (int r = 0; r < rows; r++) {
                double xh = (x[r * c + ch] - mean[ch]) * invStd[ch];
                dbeta[ch] += dy[r * c + ch];
                dgamma[ch] += dy[r * c + ch] * xh;
            }
            for (int r = 0; r < rows; r++) {
                double xh = (x[r * c + ch] - mean[ch]) * invStd[ch];
                dx[r * c + ch] = gamma[ch] * invStd[ch]
                        * (dy[r * c + ch] - dbeta[ch] / rows - xh * dgamma[ch] / rows);
            }
        }
        return new NormGrads(dx, dgamma, dbeta);
    }

    // ---- activations and pooling ----

    public static double[] relu(double[] x) {
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = Math.max(x[i], 0);
        }
        return y;
    }

    /** dx = dy where the output was positive (PyTorch: the gradient at 0 is 0). */
    public static double[] reluBackward(double[] y, double[] dy) {
        double[] dx = new double[y.length];
        for (int i = 0; i < y.length; i++) {
            dx[i] = y[i] > 0 ? dy[i] : 0;
        }
        return dx;
    }

    private static int inIndex(PoolShape s, int n, int oy, int ox, int ky, int kx, int ch) {
        return ((n * s.h() + oy * s.stride() + ky) * s.w() + ox * s.stride() + kx) * s.c() + ch;
    }

    private static int outIndex(PoolShape s, int n, int oy, int ox, int ch) {
        return ((n * s.oh() + oy) * s.ow() + ox) * s.c() + ch;
    }

    /** Index of the window's maximum (the first one in row-major window order on ties). */
    private static int argmax(PoolShape s, double[] x, int n, int oy, int ox, int ch) {
        int best = inIndex(s, n, oy, ox, 0, 0, ch);
        for (int ky = 0; ky < s.k(); ky++) {
            for (int kx = 0; kx < s.k(); kx++) {
                int i = inIndex(s, n, oy, ox, ky, kx, ch);
                if (x[i] > x[best]) {
                    best = i;
                }
            }
        }
        return best;
    }

    public static double[] maxPool(PoolShape s, double[] x) {
        double[] y = new double[s.outputSize()];
        for (int n = 0; n < s.n(); n++) {
            for (int oy = 0; oy < s.oh(); oy++) {
                for (int ox = 0; ox < s.ow(); ox++) {
                    for (int ch = 0; ch < s.c(); ch++) {
                        y[outIndex(s, n, oy, ox, ch)] = x[argmax(s, x, n, oy, ox, ch)];
                    }
                }
            }
        }
        return y;
    }

    public static double[] maxPoolBackward(PoolShape s, double[] x, double[] dy) {
        double[] dx = new double[s.inputSize()];
        for (int n = 0; n < s.n(); n++) {
            for (int oy = 0; oy < s.oh(); oy++) {
                for (int ox = 0; ox < s.ow(); ox++) {
                    for (int ch = 0; ch < s.c(); ch++) {
                        dx[argmax(s, x, n, oy, ox, ch)] += dy[outIndex(s, n, oy, ox, ch)];
                    }
                }
            }
        }
        return dx;
    }

    public static double[] avgPool(PoolShape s, double[] x) {
        double[] y = new double[s.outputSize()];
        double inv = 1.0 / (s.k() * s.k());
        for (int n = 0; n < s.n(); n++) {
            for (int oy = 0; oy < s.oh(); oy++) {
                for (int ox = 0; ox < s.ow(); ox++) {
                    for (int ch = 0; ch < s.c(); ch++) {
                        double acc = 0;
                        for (int ky = 0; ky < s.k(); ky++) {
                            for (int kx = 0; kx < s.k(); kx++) {
                                acc += x[inIndex(s, n, oy, ox, ky, kx, ch)];
                            }
                        }
                        y[outIndex(s, n, oy, ox, ch)] = acc * inv;
                    }
                }
            }
        }
        return y;
    }

    public static double[] avgPoolBackward(PoolShape s, double[] dy) {
        double[] dx = new double[s.inputSize()];
        double inv = 1.0 / (s.k() * s.k());
        for (int n = 0; n < s.n(); n++) {
            for (int oy = 0; oy < s.oh(); oy++) {
                for (int ox = 0; ox < s.ow(); ox++) {
                    for (int ch = 0; ch < s.c(); ch++) {
                        double g = dy[outIndex(s, n, oy, ox, ch)] * inv;
                        for (int ky = 0; ky < s.k(); ky++) {
                            for (int kx = 0; kx < s.k(); kx++) {
                                dx[inIndex(s, n, oy, ox, ky, kx, ch)] += g;
                            }
                        }
                    }
                }
            }
        }
        return dx;
    }

    /** y[n, c] = mean over the hw positions of x[n, ·, c]. */
    public static double[] globalAvgPool(int n, int hw, int c, double[] x) {
        double[] y = new double[n * c];
        for (int i = 0; i < n; i++) {
            for (int p = 0; p < hw; p++) {
                for (int ch = 0; ch < c; ch++) {
                    y[i * c + ch] += x[(i * hw + p) * c + ch] / hw;
                }
            }
        }
        return y;
    }

    public static double[] globalAvgPoolBackward(int n, int hw, int c, double[] dy) {
        double[] dx = new double[n * hw * c];
        for (int i = 0; i < n; i++) {
            for (int p = 0; p < hw; p++) {
                for (int ch = 0; ch < c; ch++) {
                    dx[(i * hw + p) * c + ch] = dy[i * c + ch] / hw;
                }
            }
        }
        return dx;
    }

    // ---- linear: y = x·Wᵀ + b, W is out×in ----

    public static double[] linear(int n, int in, int out, double[] x, double[] w, double[] b) {
        double[] y = new double[n * out];
        gemm(false, true, n, out, in, 1, x, w, 0, y);
        if (b != null) {
            for (int i = 0; i < n; i++) {
                for (int o = 0; o < out; o++) {
                    y[i * out + o] += b[o];
                }
            }
        }
        return y;
    }

    /** Gradients of a linear layer: dx = dy·W, dW = dyᵀ·x, db = Σ_rows dy. */
    public record LinearGrads(double[] dx, double[] dw, double[] db) {}

    public static LinearGrads linearBackward(int n, int in, int out, double[] x, double[] w, double[] dy) {
        double[] dx = new double[n * in];
        double[] dw = new double[out * in];
        double[] db = new double[out];
        gemm(false, false, n, in, out, 1, dy, w, 0, dx);
        gemm(true, false, out, in, n, 1, dy, x, 0, dw);
        for (int i = 0; i < n; i++) {
            for (int o = 0; o < out; o++) {
                db[o] += dy[i * out + o];
            }
        }
        return new LinearGrads(dx, dw, db);
    }

    // ---- optimisation ----

    /**
     * SGD with momentum and weight decay, PyTorch's form: g = grad + wd·p; v ← μ·v + g; p ← p − lr·v
     * (v starts at zero, which equals PyTorch's first step v = g).
     */
    public static void sgd(double[] p, double[] grad, double[] velocity, double lr, double momentum, double wd) {
        for (int i = 0; i < p.length; i++) {
            double g = grad[i] + wd * p[i];
            velocity[i] = momentum * velocity[i] + g;
            p[i] -= lr * velocity[i];
        }
    }

    /** Momentum-encoder update: θ_k ← m·θ_k + (1 − m)·θ_q. */
    public static void ema(double[] target, double[] source, double m) {
        for (int i = 0; i < target.length; i++) {
            target[i] = m * target[i] + (1 - m) * source[i];
        }
    }
}
