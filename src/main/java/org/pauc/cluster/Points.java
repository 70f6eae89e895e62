package org.pauc.cluster;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * n points of width d that k-means reads a block of rows at a time: an array in memory, or a memory-mapped file
 * (the E-step's features), so that clustering needs no copy of the points on the heap.
 */
public interface Points {
    int n();

    int d();

    /** Copies rows [from, from + count) into dst[0 …]. */
    void read(int from, int count, float[] dst);

    /** Points held in an array, row-major n × d. */
    static Points of(float[] x, int n, int d) {
        if ((long) n * d > x.length) {
            throw new IllegalArgumentException("points: " + x.length + " floats for " + n + " × " + d);
        }
        return new InArray(x, n, d);
    }

    /** Points in native memory (a mapped file), row-major n × d floats in the platform's byte order. */
    static Points of(MemorySegment seg, int n, int d) {
        if (seg.byteSize() < 4L * n * d) {
            throw new IllegalArgumentException("points: " + seg.byteSize() + " bytes for " + n + " × " + d + " floats");
        }
        return new InSegment(seg, n, d);
    }

    /** See {@link #of(float[], int, int)}. */
    record InArray(float[] x, int n, int d) implements Points {
        @Override
        public void read(int from, int count, float[] dst) {
            System.arraycopy(x, from * d, dst, 0, count * d);
        }
    }

    /** See {@link #of(MemorySegment, int, int)}. */
    record InSegment(MemorySegment seg, int n, int d) implements Points {
        @Override
        public void read(int from, int count, float[] dst) {
            MemorySegment.copy(seg, ValueLayout.JAVA_FLOAT, 4L * from * d, dst, 0, count * d);
        }
    }
}
