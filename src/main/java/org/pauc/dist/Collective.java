package org.pauc.dist;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Map;

/**
 * The processes of a data-parallel run and what they exchange. Every call is collective: each process of the
 * group makes it, in the same order, with matching sizes. Results are in rank order and deterministic: a sum is
 * formed in rank order by this class's implementations themselves (never by the transport's own reduction tree),
 * so the same run at the same world size gives the same bits, whatever the network or the algorithm the transport
 * picks. Implementations: {@link Local} (one process) and {@link Mpi} (Open MPI through FFM).
 *
 * <p>Calls come from one thread at a time, the thread that opened the collective (MPI_THREAD_FUNNELED).
 */
public interface Collective extends AutoCloseable {

    /** This process's place in the group, 0 … size − 1. */
    int rank();

    /** The number of processes. */
    int size();

    /** One line for the console: the transport, the world size and this process's rank. */
    String describe();

    /**
     * a[off … off + len) ← the element-wise sum over the processes, added in rank order ((a₀ + a₁) + a₂ …), the same
     * bits on every process.
     */
    void allReduceSum(float[] a, int off, int len);

    /** As {@link #allReduceSum(float[], int, int)} for doubles. */
    void allReduceSum(double[] a, int off, int len);

    /** Every process's {@code local} (counts[r] values from rank r) into {@code all}, in rank order. */
    void allGather(float[] local, float[] all, int[] counts);

    /** As {@link #allGather(float[], float[], int[])} for ints. */
    void allGather(int[] local, int[] all, int[] counts);

    /** As {@link #allGather(float[], float[], int[])} for longs. */
    void allGather(long[] local, long[] all, int[] counts);

    /**
     * Fills native memory in place: {@code all} holds bytes[r] bytes of each rank r in rank order, and this process's
     * own part is already at its place; afterwards every part is. For data too large for the heap (memory-mapped
     * features).
     */
    void allGatherInPlace(MemorySegment all, long[] bytes);

    /** Rank {@code root}'s bytes into {@code a} on every process. */
    void broadcast(byte[] a, int root);

    /** Returns once every process has called it. */
    void barrier();

    /**
     * Ends every process of the group with exit status {@code code}, now: for an error that one process found and the
     * others cannot know of (they may be waiting in a collective call). Does not return.
     */
    void abort(int code);

    /** Leaves the group (MPI_Finalize); a normal end that every process reaches. */
    @Override
    void close();

    /**
     * Seconds this process has spent in each kind of call since it opened ("all-reduce", "all-gather", "broadcast",
     * "barrier"), waiting for the other processes included; empty for one process.
     */
    default Map<String, Double> seconds() {
        return Map.of();
    }

    /** a[off … off + len) ← the element-wise mean over the processes (the rank-order sum, then divided by size). */
    default void allReduceMean(float[] a, int off, int len) {
        allReduceSum(a, off, len);
        if (size() > 1) {
            for (int i = off; i < off + len; i++) {
                a[i] /= size();
            }
        }
    }

    /** Equal counts: {@code n} values from every process. */
    static int[] equalCounts(int size, int n) {
        int[] c = new int[size];
        Arrays.fill(c, n);
        return c;
    }
}
