package org.pauc.dist;

import java.lang.foreign.MemorySegment;

/** One process alone: rank 0 of 1; gathering copies, summing leaves values as they are. */
public final class Local implements Collective {
    public static final Local INSTANCE = new Local();

    private Local() {}

    @Override
    public int rank() {
        return 0;
    }

    @Override
    public int size() {
        return 1;
    }

    @Override
    public String describe() {
        return "one process";
    }

    @Override
    public void allReduceSum(float[] a, int off, int len) {
        // the sum over one process is its own values
    }

    @Override
    public void allReduceSum(double[] a, int off, int len) {
        // likewise
    }

    @Override
    public void allGather(float[] local, float[] all, int[] counts) {
        System.arraycopy(local, 0, all, 0, counts[0]);
    }

    @Override
    public void allGather(int[] local, int[] all, int[] counts) {
        System.arraycopy(local, 0, all, 0, counts[0]);
    }

    @Override
    public void allGather(long[] local, long[] all, int[] counts) {
        System.arraycopy(local, 0, all, 0, counts[0]);
    }

    @Override
    public void allGatherInPlace(MemorySegment all, long[] bytes) {
        // the only part is this process's, already in place
    }

    @Override
    public void broadcast(byte[] a, int root) {
        // the root is this process
    }

    @Override
    public void barrier() {
        // nobody to wait for
    }

    @Override
    public void abort(int code) {
        System.exit(code);
    }

    @Override
    public void close() {
        // nothing to leave
    }
}
