package org.pauc.train;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.pauc.data.Augment;
import org.pauc.data.DataException;
import org.pauc.data.ImageSource;

/**
 * Decodes and augments images on worker threads ahead of the training step: a batch is split into one contiguous
 * part per worker, and the caller holds at most the batch it trains on and the next one, so memory is bounded. An
 * image that cannot be read is logged once with where it is from and replaced by the next readable image (index + 1,
 * wrapping), every time it is drawn, and the replacements are counted; with {@code strict} it stops the run with a
 * one-line error instead. What a batch holds depends only on the images and (seed, epoch, index), never on the
 * number of workers.
 */
public final class Loader implements AutoCloseable {
    /** Two views of each image of a batch, and how many images were replaced because they could not be read. */
    public record Views(float[] first, float[] second, int skipped) {}

    private final ImageSource src;
    private final Augment aug;
    private final int workers;
    private final boolean strict;
    private final PrintStream console;
    private final ExecutorService pool;
    private final Set<Integer> bad = ConcurrentHashMap.newKeySet();

    public Loader(ImageSource src, Augment aug, int workers, boolean strict, PrintStream console) {
        this.src = src;
        this.aug = aug;
        this.workers = workers;
        this.strict = strict;
        this.console = console;
        AtomicInteger count = new AtomicInteger();
        this.pool = Executors.newFixedThreadPool(workers, r -> {
            Thread t = new Thread(r, "pauc-loader-" + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts both views of images {@code indices} in epoch {@code epoch}. */
    public Future<Views> views(int[] indices, int epoch) {
        int size = src.imageSize();
        float[] a = new float[indices.length * size];
        float[] b = new float[indices.length * size];
        AtomicInteger skipped = new AtomicInteger();
        return CompletableFuture.allOf(parts(indices.length,
                i -> skipped.addAndGet(readable(indices[i], j -> aug.pair(src, j, epoch, a, b, i * size)))))
                .thenApply(v -> new Views(a, b, skipped.get()));
    }

    /**
     * Starts the first view of images {@code first} and the second view of images {@code second} (a process of a
     * distributed run trains on its own samples' first views and computes keys for another share of the batch). Each
     * view has the pixels {@link #views(int[], int)} gives it; replacements are counted on the first views only.
     */
    public Future<Views> views(int[] first, int[] second, int epoch) {
        int size = src.imageSize();
        float[] a = new float[first.length * size];
        float[] b = new float[second.length * size];
        AtomicInteger skipped = new AtomicInteger();
        CompletableFuture<?>[] one = parts(first.length,
                i -> skipped.addAndGet(readable(first[i], j -> aug.pair(src, j, epoch, a, null, i * size))));
        CompletableFuture<?>[] two = parts(second.length,
                i -> readable(second[i], j -> aug.pair(src, j, epoch, null, b, i * size)));
        CompletableFuture<?>[] all = new CompletableFuture<?>[one.length + two.length];
        System.arraycopy(one, 0, all, 0, one.length);
        System.arraycopy(two, 0, all, one.length, two.length);
        return CompletableFuture.allOf(all).thenApply(v -> new Views(a, b, skipped.get()));
    }

    /** Starts the evaluation transform of images [from, from + count) (the E-step's inputs). */
    Future<float[]> evaluation(int from, int count) {
        int size = src.imageSize();
        float[] x = new float[count * size];
        return CompletableFuture.allOf(parts(count, i -> readable(from + i, j -> aug.evaluation(src, j, x, i * size))))
                .thenApply(v -> x);
    }

    /** Waits for a batch; a bad image under strict reading, or any failure, comes out as its own exception. */
    public static <T> T await(Future<T> f) throws DataException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while loading images", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause() instanceof CompletionException ce && ce.getCause() != null ? ce.getCause() : e.getCause();
            if (c instanceof DataException de) {
                throw de;
            }
            if (c instanceof ItemFailure f2) {
                throw f2.cause;
            }
            if (c instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException("loading images failed: " + c, c);
        }
    }

    /** Work on one image (by position in a batch, or by index in the dataset) that may find it unreadable. */
    private interface Item {
        void run(int i) throws DataException;
    }

    /** A checked failure carried out of a worker. */
    private static final class ItemFailure extends RuntimeException {
        final DataException cause;

        ItemFailure(DataException cause) {
            super(cause.getMessage(), cause, false, false);
            this.cause = cause;
        }
    }

    private CompletableFuture<?>[] parts(int count, Item item) {
        int per = (count + workers - 1) / workers;
        List<CompletableFuture<Void>> parts = new ArrayList<>();
        for (int p = 0; p * per < count; p++) {
            int lo = p * per;
            int hi = Math.min(count, lo + per);
            parts.add(CompletableFuture.runAsync(() -> {
                for (int i = lo; i < hi; i++) {
                    try {
                        item.run(i);
                    } catch (DataException e) {
                        throw new ItemFailure(e);
                    }
                }
            }, pool));
        }
        return parts.toArray(CompletableFuture<?>[]::new);
    }

    /** Reads image {@code index}, or the next readable one; returns how many were passed over. */
    private int readable(int index, Item read) throws DataException {
        int n = src.n();
        int passed = 0;
        for (int j = index, tries = 0; tries < n; j = (j + 1) % n, tries++) {
            if (!bad.contains(j)) {
                try {
                    read.run(j);
                    return passed;
                } catch (DataException e) {
                    if (strict) {
                        throw e;
                    }
                    if (bad.add(j)) {
                        console.println("skipping an unreadable image (--strict-data stops instead): " + e.getMessage());
                    }
                }
            }
            passed++;
        }
        throw new DataException(src.name() + ": no image could be read");
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
