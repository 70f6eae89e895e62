package org.pauc.hostmath;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/**
 * A pool of threads for parallel loops, owned by whoever computes: each CPU backend has its own (so two backends in
 * one JVM, or the runs of {@code experiment --parallel P --threads T}, never share or reset one), and a run's host
 * work (k-means, evaluation) runs in a pool of the run's thread count. Loops find the pool of the calling thread
 * ({@link #run}, {@link #call}); outside any, a pool of the machine's processors. Work is always split into a number
 * of tasks that depends on the problem only, never on the thread count, and every task writes its own outputs; so
 * results are bit-identical whatever the number of threads (reductions combine per-task partials in task order).
 */
public final class Parallel implements AutoCloseable {
    private static final Parallel MACHINE = new Parallel(Math.max(1, Runtime.getRuntime().availableProcessors()));
    private static final ThreadLocal<Parallel> CURRENT = new ThreadLocal<>();
    private static final AtomicInteger POOLS = new AtomicInteger();

    private final int threads;
    private volatile ForkJoinPool pool;
    private volatile boolean closed;

    /** A pool of {@code threads} threads (≥ 1): the caller of a loop and threads − 1 helpers, started on first use. */
    public Parallel(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
        this.threads = threads;
    }

    /** Below this many tasks, {@link #evenTasks} rounds the count up to a multiple of {@link #SHARE}. */
    private static final int FEW_TASKS = 16;
    /** Thread counts that a few tasks share out evenly over: 1, 2 and 4 divide a multiple of 4. */
    private static final int SHARE = 4;

    /**
     * How many tasks to cut {@code units} of work into, about {@code perTask} units each: ⌈units / perTask⌉, rounded
     * up to a multiple of four while that is under sixteen (seven tasks keep one of two threads idle for a seventh of
     * the loop; eight do not), and never more than {@code units}. It depends on the problem only, never on the thread
     * count, so the sums that tasks form stay the same on any machine.
     */
    public static int evenTasks(int units, int perTask) {
        if (units <= 0) {
            return 0;
        }
        int tasks = (units + perTask - 1) / perTask;
        if (tasks > 1 && tasks < FEW_TASKS) {
            tasks = (tasks + SHARE - 1) / SHARE * SHARE;
        }
        return Math.min(units, tasks);
    }

    /** The pool the calling thread's loops use. */
    public static Parallel current() {
        Parallel p = CURRENT.get();
        return p != null ? p : MACHINE;
    }

    /** The thread count of the calling thread's pool. */
    public static int threads() {
        return current().threads;
    }

    public int size() {
        return threads;
    }

    /** Work that may throw a checked exception. */
    public interface Work<T, E extends Exception> {
        T get() throws E;
    }

    /** Runs {@code body} with this pool for every loop the calling thread starts, then restores the previous one. */
    public <T, E extends Exception> T call(Work<T, E> body) throws E {
        Parallel before = CURRENT.get();
        CURRENT.set(this);
        try {
            return body.get();
        } finally {
            if (before == null) {
                CURRENT.remove();
            } else {
                CURRENT.set(before);
            }
        }
    }

    /** As {@link #call}, for work without a result. */
    public void run(Runnable body) {
        call(() -> {
            body.run();
            return null;
        });
    }

    private ForkJoinPool pool() {
        ForkJoinPool p = pool;
        if (p == null) {
            synchronized (this) {
                p = pool;
                if (p == null) {
                    // the threads − 1 helpers of a loop; its caller is the other thread
                    AtomicInteger names = new AtomicInteger();
                    String prefix = "pauc-cpu-" + POOLS.incrementAndGet() + "-";
                    p = new ForkJoinPool(Math.max(1, threads - 1), fj -> {
                        var t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(fj);
                        t.setDaemon(true);
                        t.setName(prefix + names.incrementAndGet());
                        return t;
                    }, null, false);
                    pool = p;
                }
            }
        }
        return p;
    }

    /** Stops the helpers; loops started afterwards run on their caller alone (the same results). */
    @Override
    public synchronized void close() {
        closed = true;
        ForkJoinPool p = pool;
        pool = null;
        if (p != null) {
            p.shutdown();
        }
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
        current().loop(tasks, body);
    }

    private void loop(int tasks, IntConsumer body) {
        if (tasks <= 0) {
            return;
        }
        boolean[] inLoop = IN_LOOP.get();
        if (tasks == 1 || threads == 1 || inLoop[0] || closed) {
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
        // a helper's own loops run in order (IN_LOOP), as the caller's do while it drains
        Runnable helper = () -> {
            boolean[] flag = IN_LOOP.get();
            flag[0] = true;
            try {
                drain.run();
            } finally {
                flag[0] = false;
            }
        };
        for (int w = 0; w < helpers; w++) {
            futures.add(p.submit(helper));
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
