package org.pauc.cuda;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.pauc.backend.Buffer;

/**
 * The CUDA backend's memory: device buffers from a pool of freed allocations (by rounded size), named scratch areas
 * that ops reuse (stream order keeps their uses apart) and grow on demand, and one pinned host staging buffer for
 * transfers. Not thread-safe on its own: the backend serialises every call on {@code lock}.
 */
final class DeviceMemory implements AutoCloseable {
    /** Device memory: floats or 32-bit ids. Closing returns it to the backend's pool. */
    final class DeviceBuffer implements Buffer {
        final long ptr;
        final int size;
        final boolean index;
        final long bytes;
        private boolean closed;

        DeviceBuffer(long ptr, int size, boolean index, long bytes) {
            this.ptr = ptr;
            this.size = size;
            this.index = index;
            this.bytes = bytes;
        }

        @Override
        public int size() {
            return size;
        }

        @Override
        public boolean isIndex() {
            return index;
        }

        @Override
        public void close() {
            synchronized (lock) {
                if (!closed) {
                    closed = true;
                    release(this);
                }
            }
        }

        @Override
        public String toString() {
            return "cuda buffer of " + size + (index ? " ids" : " floats");
        }
    }

    private final CudaRuntime rt;
    private final MemorySegment stream;
    private final Object lock;
    private final Map<Long, ArrayDeque<Long>> pool = new HashMap<>();
    private final Set<Long> owned = new HashSet<>();
    private final Map<String, long[]> scratch = new HashMap<>(); // name → {ptr, bytes}
    private MemorySegment staging;
    private long stagingBytes;
    private boolean closed;

    DeviceMemory(CudaRuntime rt, MemorySegment stream, Object lock) {
        this.rt = rt;
        this.stream = stream;
        this.lock = lock;
    }

    static long rounded(long bytes) {
        return Math.max(256, (bytes + 255) & ~255L);
    }

    long take(long bytes) {
        ArrayDeque<Long> free = pool.get(bytes);
        if (free != null && !free.isEmpty()) {
            return free.pop();
        }
        long p = rt.driver.memAlloc(bytes);
        owned.add(p);
        return p;
    }

    void release(DeviceBuffer b) {
        if (!closed) {
            pool.computeIfAbsent(b.bytes, k -> new ArrayDeque<>()).push(b.ptr);
        }
    }

    DeviceBuffer alloc(int n, boolean index) {
        if (n < 0) {
            throw new IllegalArgumentException("cuda backend: negative buffer size " + n);
        }
        long bytes = rounded(4L * n);
        DeviceBuffer b = new DeviceBuffer(take(bytes), n, index, bytes);
        rt.driver.memsetD32(b.ptr, 0, bytes / 4, stream);
        return b;
    }

    /** Scratch memory reused by every op (stream order keeps uses apart); grows as needed. */
    long scratch(String name, long bytes) {
        long[] s = scratch.get(name);
        if (s == null || s[1] < bytes) {
            if (s != null) {
                rt.driver.streamSynchronize(stream);
                rt.driver.memFree(s[0]);
            }
            long size = rounded(Math.max(bytes, s == null ? 0 : s[1] * 2));
            s = new long[] {rt.driver.memAlloc(size), size};
            scratch.put(name, s);
        }
        return s[0];
    }

    MemorySegment staging(long bytes) {
        if (staging == null || stagingBytes < bytes) {
            if (staging != null) {
                rt.driver.streamSynchronize(stream);
                rt.driver.memFreeHost(staging);
            }
            stagingBytes = rounded(Math.max(bytes, 2 * stagingBytes));
            staging = rt.driver.memAllocHost(stagingBytes);
        }
        return staging;
    }

    static DeviceBuffer dev(Buffer b, boolean index, String what) {
        if (!(b instanceof DeviceBuffer d)) {
            throw new IllegalArgumentException("cuda backend: " + what + " is not a cuda buffer: " + b);
        }
        if (d.index != index) {
            throw new IllegalArgumentException("cuda backend: " + what + " must be a " + (index ? "id" : "float")
                    + " buffer");
        }
        return d;
    }

    /** Device address of a float buffer (0 for null). */
    static long ptr(Buffer b) {
        return b == null ? 0L : dev(b, false, "argument").ptr;
    }

    static long ids(Buffer b) {
        return dev(b, true, "id argument").ptr;
    }

    static void range(Buffer b, int offset, int n, String op) {
        if (offset < 0 || n < 0 || (long) offset + n > b.size()) {
            throw new IllegalArgumentException("cuda " + op + ": range [" + offset + ", " + ((long) offset + n)
                    + ") outside a buffer of " + b.size());
        }
    }

    /** n elements of a Java array through the pinned staging buffer to device memory at ptr. */
    void fromHost(Object array, int offset, ValueLayout layout, long ptr, int n) {
        if (n == 0) {
            return;
        }
        MemorySegment s = staging(4L * n);
        MemorySegment.copy(array, offset, s, layout, 0, n);
        rt.driver.copyHtoD(ptr, s, 4L * n, stream);
        rt.driver.streamSynchronize(stream);
    }

    /** bytes of device memory at ptr, after the stream's work, in the staging buffer. */
    MemorySegment toHost(long ptr, long bytes) {
        MemorySegment s = staging(bytes);
        rt.driver.copyDtoH(s, ptr, bytes, stream);
        rt.driver.streamSynchronize(stream);
        return s;
    }

    double[] doubles(long ptr, int n) {
        double[] out = new double[n];
        if (n > 0) {
            MemorySegment.copy(toHost(ptr, 8L * n), ValueLayout.JAVA_DOUBLE, 0, out, 0, n);
        }
        return out;
    }

    int[] ints(long ptr, int n) {
        int[] out = new int[n];
        if (n > 0) {
            MemorySegment.copy(toHost(ptr, 4L * n), ValueLayout.JAVA_INT, 0, out, 0, n);
        }
        return out;
    }

    /** Frees every allocation; buffers closed later are not pooled again. */
    @Override
    public void close() {
        closed = true;
        for (long ptr : owned) {
            rt.driver.memFree(ptr);
        }
        owned.clear();
        pool.clear();
        for (long[] s : scratch.values()) {
            rt.driver.memFree(s[0]);
        }
        scratch.clear();
        if (staging != null) {
            rt.driver.memFreeHost(staging);
            staging = null;
        }
    }
}
