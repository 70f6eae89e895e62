package org.pauc.hostmath;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/**
 * The one owner of parallelism in the CPU backend. Work is always split into a number of tasks that
 * depends on the problem only, never on the thread count, and every task writes its own outputs; so
 * results are bit-identical whatever the number of threads (reductions combine per-task partials in task order).
 */
public final class Parallel {
    private static volatile ForkJoinPool pool;
    private static volatile int threads = Math.max(1, Runtime.getRuntime().availableProcessors());

    private Parallel() {}

    /** Sets the number of worker threads (≥ 1); takes effect for the next parallel call. */
    public static synchronized void setThreads(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + n);
        }
        if (n != threads) {
            threads = n;
            ForkJoinPool old = pool;
            pool = null;
            if (old != null) {
                old.shutdown();
            }
        }
    }

    public static int threads() {
        return threads;
    }

    private static ForkJoinPool pool() {
        ForkJoinPool p = pool;
        if (p == null) {
            synchronized (Parallel.class) {
                p = pool;
                if (p == null) {
                    p = new ForkJoinPool(threads, pool -> {
                        var t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(pool);
                        t.setDaemon(true);
                        t.setName("pauc-cpu-" + t.getPoolIndex());
                        return t;
                    }, null, false);
                    pool = p;
                }
            }
        }
        return p;
    }

    /** Runs body(0) … body(tasks − 1), in parallel when there are several threads and tasks. */
    public static void forEach(int tasks, IntConsumer body) {
        if (tasks <= 0) {
            return;
        }
        boolean nested = Thread.currentThread() instanceof ForkJoinWorkerThread w
                && w.getPool() == pool;
        if (tasks == 1 || threads == 1 || nested) {
            for (int t = 0; t < tasks; t++) {
                body.accept(t);
            }
            return;
        }
        ForkJoinPool p = pool();
        int workers = Math.min(threads, tasks);
        List<Future<?>> futures = new ArrayList<>(workers);
        AtomicInteger next = new AtomicInteger();
        for (int w = 0; w < workers; w++) {
            futures.add(p.submit(() -> {
                for (int t = next.getAndIncrement(); t < tasks; t = next.getAndIncrement()) {
                    body.accept(t);
                }
            }));
        }
        for (Future<?> f : futures) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            } catch (ExecutionException e) {
                Throwable c = e.getCause();
                if (c instanceof RuntimeException re) {
                    throw re;
                }
                if (c instanceof Error er) {
                    throw er;
                }
                throw new IllegalStateException(c);
            }
        }
    }
}
