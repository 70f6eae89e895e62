package org.pauc.cpu;

import java.util.Arrays;
import java.util.function.IntConsumer;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import org.pauc.hostmath.Parallel;
import org.pauc.hostmath.Vec;
import org.pauc.oracle.layers.PoolShape;

/**
 * Element-wise and pooling kernels of the CPU backend; each matches the oracle function of the same name in
 * {@code Layers}. Element-wise loops run on fixed chunks in parallel.
 */
final class Elementwise {
    private static final int CHUNK = 1 << 14;

    private Elementwise() {}

    /** body(from, to) over [0, n) in fixed chunks. */
    interface Range {
        void run(int from, int to);
    }

    /**
     * Arrays of fewer elements are done on the caller's thread, chunk after chunk: a fork-join of the pool costs tens
     * of microseconds, about what one thread takes for an SGD update of this many parameters. The chunks are the same
     * either way.
     */
    private static final int FORK_ELEMENTS = 1 << 17;

    static void chunked(int n, Range body) {
        int chunks = (n + CHUNK - 1) / CHUNK;
        IntConsumer chunk = t -> body.run(t * CHUNK, Math.min(n, (t + 1) * CHUNK));
        if (n < FORK_ELEMENTS) {
            for (int t = 0; t < chunks; t++) {
                chunk.accept(t);
            }
        } else {
            Parallel.forEach(chunks, chunk);
        }
    }

    static void add(int n, float[] a, float[] b, float[] y) {
        chunked(n, (from, to) -> {
            int i = from;
            for (int bound = from + Vec.S.loopBound(to - from); i < bound; i += Vec.L) {
                FloatVector.fromArray(Vec.S, a, i).add(FloatVector.fromArray(Vec.S, b, i)).intoArray(y, i);
            }
            for (; i < to; i++) {
                y[i] = a[i] + b[i];
            }
        });
    }

    static void relu(int n, float[] x, float[] y) {
        chunked(n, (from, to) -> {
            int i = from;
            for (int bound = from + Vec.S.loopBound(to - from); i < bound; i += Vec.L) {
                FloatVector.fromArray(Vec.S, x, i).max(0f).intoArray(y, i);
            }
            for (; i < to; i++) {
                y[i] = Math.max(x[i], 0f);
            }
        });
    }

    static void reluBackward(int n, float[] y, float[] dy, float[] dx) {
        chunked(n, (from, to) -> {
            int i = from;
            for (int bound = from + Vec.S.loopBound(to - from); i < bound; i += Vec.L) {
                FloatVector g = FloatVector.fromArray(Vec.S, dy, i);
                g.blend(0f, FloatVector.fromArray(Vec.S, y, i).compare(VectorOperators.LE, 0f)).intoArray(dx, i);
            }
            for (; i < to; i++) {
                dx[i] = y[i] > 0 ? dy[i] : 0f;
            }
        });
    }

    /** g = grad + wd·p; v ← μ·v + g; p ← p − lr·v. */
    static void sgd(int n, float[] p, float[] grad, float[] vel, float lr, float momentum, float wd) {
        chunked(n, (from, to) -> {
            int i = from;
            FloatVector wdv = FloatVector.broadcast(Vec.S, wd);
            FloatVector mv = FloatVector.broadcast(Vec.S, momentum);
            FloatVector lrv = FloatVector.broadcast(Vec.S, -lr);
            for (int bound = from + Vec.S.loopBound(to - from); i < bound; i += Vec.L) {
                FloatVector pv = FloatVector.fromArray(Vec.S, p, i);
                FloatVector g = pv.fma(wdv, FloatVector.fromArray(Vec.S, grad, i));
                FloatVector v = FloatVector.fromArray(Vec.S, vel, i).fma(mv, g);
                v.intoArray(vel, i);
                v.fma(lrv, pv).intoArray(p, i);
            }
            for (; i < to; i++) {
                float g = grad[i] + wd * p[i];
                vel[i] = momentum * vel[i] + g;
                p[i] -= lr * vel[i];
            }
        });
    }

    /** t ← m·t + (1 − m)·s. */
    static void ema(int n, float[] target, float[] source, float m) {
        float r = 1 - m;
        chunked(n, (from, to) -> {
            int i = from;
            FloatVector mv = FloatVector.broadcast(Vec.S, m);
            FloatVector rv = FloatVector.broadcast(Vec.S, r);
            for (int bound = from + Vec.S.loopBound(to - from); i < bound; i += Vec.L) {
                FloatVector.fromArray(Vec.S, source, i).mul(rv).add(FloatVector.fromArray(Vec.S, target, i).mul(mv))
                        .intoArray(target, i);
            }
            for (; i < to; i++) {
                target[i] = r * source[i] + m * target[i];
            }
        });
    }

    static void globalAvgPool(int n, int hw, int c, float[] x, float[] y) {
        float inv = 1f / hw;
        Parallel.forEach(n, i -> {
            Arrays.fill(y, i * c, (i + 1) * c, 0f);
            for (int p = 0; p < hw; p++) {
                Vec.addInto(x, (i * hw + p) * c, y, i * c, c);
            }
            for (int ch = 0; ch < c; ch++) {
                y[i * c + ch] *= inv;
            }
        });
    }

    static void globalAvgPoolBackward(int n, int hw, int c, float[] dy, float[] dx) {
        float inv = 1f / hw;
        Parallel.forEach(n, i -> {
            for (int p = 0; p < hw; p++) {
                int o = (i * hw + p) * c;
                for (int ch = 0; ch < c; ch++) {
                    dx[o + ch] = dy[i * c + ch] * inv;
                }
            }
        });
    }

    private static int in(PoolShape s, int n, int oy, int ox, int ky, int kx) {
        return ((n * s.h() + oy * s.stride() + ky) * s.w() + ox * s.stride() + kx) * s.c();
    }

    private static int out(PoolShape s, int n, int oy, int ox) {
        return ((n * s.oh() + oy) * s.ow() + ox) * s.c();
    }

    /** Window maximum, the first one in row-major window order on ties (as the oracle). */
    static void maxPool(PoolShape s, float[] x, float[] y, float[] dy, float[] dx) {
        boolean backward = dx != null;
        Parallel.forEach(s.n(), n -> {
            if (backward) {
                Arrays.fill(dx, n * s.h() * s.w() * s.c(), (n + 1) * s.h() * s.w() * s.c(), 0f);
            }
            for (int oy = 0; oy < s.oh(); oy++) {
                for (int ox = 0; ox < s.ow(); ox++) {
                    for (int ch = 0; ch < s.c(); ch++) {
                        int best = in(s, n, oy, ox, 0, 0) + ch;
                        for (int ky = 0; ky < s.k(); ky++) {
                            for (int kx = 0; kx < s.k(); kx++) {
                                int i = in(s, n, oy, ox, ky, kx) + ch;
                                if (x[i] > x[best]) {
                                    best = i;
                                }
                            }
                        }
                        if (backward) {
                            dx[best] += dy[out(s, n, oy, ox) + ch];
                        } else {
                            y[out(s, n, oy, ox) + ch] = x[best];
                        }
                    }
                }
            }
        });
    }

    static void avgPool(PoolShape s, float[] x, float[] y) {
        float inv = 1f / (s.k() * s.k());
        Parallel.forEach(s.n(), n -> {
            for (int oy = 0; oy < s.oh(); oy++) {
                for (int ox = 0; ox < s.ow(); ox++) {
                    int o = out(s, n, oy, ox);
                    Arrays.fill(y, o, o + s.c(), 0f);
                    for (int ky = 0; ky < s.k(); ky++) {
                        for (int kx = 0; kx < s.k(); kx++) {
                            Vec.addInto(x, in(s, n, oy, ox, ky, kx), y, o, s.c());
                        }
                    }
                    for (int ch = 0; ch < s.c(); ch++) {
                        y[o + ch] *= inv;
                    }
                }
            }
        });
    }

    static void avgPoolBackward(PoolShape s, float[] dy, float[] dx) {
        float inv = 1f / (s.k() * s.k());
        Parallel.forEach(s.n(), n -> {
            Arrays.fill(dx, n * s.h() * s.w() * s.c(), (n + 1) * s.h() * s.w() * s.c(), 0f);
            for (int oy = 0; oy < s.oh(); oy++) {
                for (int ox = 0; ox < s.ow(); ox++) {
                    int o = out(s, n, oy, ox);
                    for (int ky = 0; ky < s.k(); ky++) {
                        for (int kx = 0; kx < s.k(); kx++) {
                            Vec.axpy(inv, dy, o, dx, in(s, n, oy, ox, ky, kx), s.c());
                        }
                    }
                }
            }
        });
    }
}
