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
                    // the threads − 1 helpers of a loop; its caller is the other thread
                    AtomicInteger names = new AtomicInteger();
                    p = new ForkJoinPool(Math.max(1, threads - 1), pool -> {
                        var t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(pool);
                        t.setDaemon(true);
                        t.setName("pauc-cpu-" + names.incrementAndGet());
                        return t;
                    }, null, false);
                    pool = p;
                }
            }
        }
        return p;
    }

    /** The exception a task threw: the pool hands back a copy of the same type that wraps it. */
    private static Throwable original(Throwable t) {
        Throwable c = t.getCause();
        return c != null && c.getClass() == t.getClass() ? c : t;
    }

    /** Whether this thread is running a task of a parallel loop (its own nested loops then run in order). */
    private static final ThreadLocal<boolean[]> IN_LOOP = ThreadLocal.withInitial(() -> new boolean[1]);

    /**
     * Runs body(0) … body(tasks − 1), in parallel when there are several threads and tasks. The calling thread takes
     * tasks too, next to threads − 1 pool workers, so a loop wakes one worker fewer and starts on a warm core. Which
     * thread runs a task never changes what it writes.
     */
    public static void forEach(int tasks, IntConsumer body) {
        if (tasks <= 0) {
            return;
        }
        boolean[] inLoop = IN_LOOP.get();
        boolean nested = inLoop[0] || Thread.currentThread() instanceof ForkJoinWorkerThread w && w.getPool() == pool;
        if (tasks == 1 || threads == 1 || nested) {
            for (int t = 0; t < tasks; t++) {
                body.accept(t);
            }
            return;
        }
        ForkJoinPool p = pool();
        int helpers = Math.min(threads, tasks) - 1;
        List<Future<?>> futures = new ArrayList<>(helpers);
        AtomicInteger next = new AtomicInteger();
        Runnable drain = () -> {
            for (int t = next.getAndIncrement(); t < tasks; t = next.getAndIncrement()) {
                body.accept(t);
            }
        };
        for (int w = 0; w < helpers; w++) {
            futures.add(p.submit(drain));
        }
        Throwable failure = null;
        inLoop[0] = true;
        try {
            drain.run();
        } catch (RuntimeException | Error e) {
            failure = e;
            next.set(tasks); // the helpers take no new task
        } finally {
            inLoop[0] = false;
        }
        for (Future<?> f : futures) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            } catch (ExecutionException e) {
                if (failure == null) {
                    failure = original(e.getCause());
                }
            }
        }
        if (failure instanceof RuntimeException re) {
            throw re;
        }
        if (failure instanceof Error er) {
            throw er;
        }
        if (failure != null) {
            throw new IllegalStateException(failure);
        }
    }
}
