package org.pauc.dist;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The MPI collective, bound to Open MPI's C library ({@code libmpi.so.40}) through FFM. Only byte-moving calls
 * are used (MPI_Alltoall, MPI_Allgatherv, MPI_Bcast, MPI_Barrier on MPI_BYTE): sums are formed here, in rank
 * order, so results do not depend on the reduction algorithm Open MPI picks for a message size or a network.
 *
 * <p>A sum of n values moves the same bytes as a ring all-reduce: each rank receives every rank's share of its own
 * 1/size of the vector (all-to-all, a reduce-scatter done by hand), adds the shares in rank order, and the reduced
 * shares are all-gathered. Counts above 2³¹ bytes are sent in rounds.
 */
public final class Mpi implements Collective {
    /** MPI_THREAD_FUNNELED: MPI is called only from the thread that initialised it. */
    private static final int THREAD_FUNNELED = 1;
    /** Bytes of one round of a call (MPI's counts are C ints). */
    private static final long ROUND_BYTES = 1L << 30;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    private static final ValueLayout ADDR = ValueLayout.ADDRESS;

    private final Handles handles;
    private final MethodHandle alltoall;
    private final MethodHandle allgatherv;
    private final MethodHandle bcast;
    private final MethodHandle barrierCall;
    private final MethodHandle abortCall;
    private final MethodHandle finalizeCall;
    private final int rank;
    private final int size;
    private final String library;
    private final Arena arena = Arena.ofConfined();
    private MemorySegment scratch = MemorySegment.NULL;
    private boolean closed;
    /** Nanoseconds spent in all-reduce, all-gather, broadcast and barrier calls. */
    private final long[] nanos = new long[4];
    private static final String[] KINDS = {"all-reduce", "all-gather", "broadcast", "barrier"};

    /** Thrown when the MPI library cannot be found or started; the message is one line. */
    public static final class Unavailable extends RuntimeException {
        Unavailable(String message) {
            super(message);
        }
    }

    /**
     * Open MPI's predefined handles, the addresses of global symbols ({@code MPI_COMM_WORLD} is
     * {@code &ompi_mpi_comm_world}). An MPICH binding would give its integer handles here instead.
     */
    record Handles(MemorySegment commWorld, MemorySegment byteType) {
        static Handles openMpi(SymbolLookup lib) {
            return new Handles(symbol(lib, "ompi_mpi_comm_world"), symbol(lib, "ompi_mpi_byte"));
        }
    }

    /** True when this process was started by an MPI launcher (mpirun, mpiexec, srun with PMIx or PMI). */
    public static boolean launched(Map<String, String> env) {
        for (String v : new String[] {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"}) {
            if (env.containsKey(v)) {
                return true;
            }
        }
        return false;
    }

    /** Opens {@code libmpi.so.40} (or {@code PAUC_MPI_LIBRARY}) and initialises MPI. */
    public static Mpi open() {
        return new Mpi(System.getenv("PAUC_MPI_LIBRARY"));
    }

    private Mpi(String explicit) {
        SymbolLookup lib = lookup(explicit);
        library = explicit != null && !explicit.isBlank() ? explicit : "libmpi.so.40";
        handles = Handles.openMpi(lib);
        // Open MPI would install its own handlers for SIGSEGV, SIGBUS, SIGFPE and SIGABRT to print a trace; the JVM uses
        // SIGSEGV itself (implicit null checks, safepoints), so keep Open MPI's hands off unless the user says otherwise
        setenvIfAbsent("OMPI_MCA_opal_signal", "");
        MethodHandle initThread = fn(lib, "MPI_Init_thread", FunctionDescriptor.of(INT, ADDR, ADDR, INT, ADDR));
        MethodHandle commRank = fn(lib, "MPI_Comm_rank", FunctionDescriptor.of(INT, ADDR, ADDR));
        MethodHandle commSize = fn(lib, "MPI_Comm_size", FunctionDescriptor.of(INT, ADDR, ADDR));
        alltoall = fn(lib, "MPI_Alltoall", FunctionDescriptor.of(INT, ADDR, INT, ADDR, ADDR, INT, ADDR, ADDR));
        allgatherv = fn(lib, "MPI_Allgatherv", FunctionDescriptor.of(INT, ADDR, INT, ADDR, ADDR, ADDR, ADDR, ADDR, ADDR));
        bcast = fn(lib, "MPI_Bcast", FunctionDescriptor.of(INT, ADDR, INT, ADDR, INT, ADDR));
        barrierCall = fn(lib, "MPI_Barrier", FunctionDescriptor.of(INT, ADDR));
        abortCall = fn(lib, "MPI_Abort", FunctionDescriptor.of(INT, ADDR, INT));
        finalizeCall = fn(lib, "MPI_Finalize", FunctionDescriptor.of(INT));
        try (Arena a = Arena.ofConfined()) {
            MemorySegment provided = a.allocate(INT);
            check("MPI_Init_thread", (int) initThread.invokeExact(MemorySegment.NULL, MemorySegment.NULL,
                    THREAD_FUNNELED, provided));
            if (provided.get(INT, 0) < THREAD_FUNNELED) {
                throw new Unavailable("the MPI library gives thread level " + provided.get(INT, 0)
                        + ", pauc needs MPI_THREAD_FUNNELED (1)");
            }
            MemorySegment out = a.allocate(INT);
            check("MPI_Comm_rank", (int) commRank.invokeExact(handles.commWorld(), out));
            rank = out.get(INT, 0);
            check("MPI_Comm_size", (int) commSize.invokeExact(handles.commWorld(), out));
            size = out.get(INT, 0);
        } catch (Unavailable e) {
            throw e;
        } catch (Throwable t) {
            throw new Unavailable("MPI could not start: " + t.getMessage());
        }
    }

    private static SymbolLookup lookup(String explicit) {
        if (explicit != null && !explicit.isBlank()) {
            if (!Files.isRegularFile(Path.of(explicit))) {
                throw new Unavailable("PAUC_MPI_LIBRARY=" + explicit + ": no such file");
            }
            try {
                return SymbolLookup.libraryLookup(Path.of(explicit), Arena.global());
            } catch (IllegalArgumentException e) {
                throw new Unavailable("PAUC_MPI_LIBRARY=" + explicit + ": cannot open it (" + e.getMessage() + ")");
            }
        }
        try {
            return SymbolLookup.libraryLookup("libmpi.so.40", Arena.global());
        } catch (IllegalArgumentException e) {
            throw new Unavailable("libmpi.so.40 (Open MPI) not found: install it (apt-get install openmpi-bin "
                    + "libopenmpi-dev) or point PAUC_MPI_LIBRARY at the library");
        }
    }

    private static MemorySegment symbol(SymbolLookup lib, String name) {
        return lib.find(name).orElseThrow(() -> new Unavailable("the MPI library has no symbol " + name
                + " (pauc binds Open MPI's ABI; is this another MPI?)"));
    }

    private static MethodHandle fn(SymbolLookup lib, String name, FunctionDescriptor d) {
        return LINKER.downcallHandle(symbol(lib, name), d);
    }

    private static void setenvIfAbsent(String name, String value) {
        try (Arena a = Arena.ofConfined()) {
            MethodHandle setenv = LINKER.downcallHandle(LINKER.defaultLookup().find("setenv").orElseThrow(),
                    FunctionDescriptor.of(INT, ADDR, ADDR, INT));
            int rc = (int) setenv.invokeExact(a.allocateFrom(name), a.allocateFrom(value), 0);
            if (rc != 0) {
                throw new Unavailable("setenv " + name + " failed");
            }
        } catch (Unavailable e) {
            throw e;
        } catch (Throwable t) {
            throw new Unavailable("setenv " + name + ": " + t.getMessage());
        }
    }

    private static void check(String call, int rc) {
        if (rc != 0) {
            throw new IllegalStateException(call + " failed with MPI error " + rc);
        }
    }

    @Override
    public int rank() {
        return rank;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public String describe() {
        return "MPI (" + library + "), " + size + " processes, this is rank " + rank;
    }

    /** A native buffer of at least {@code bytes}, reused between calls. */
    private MemorySegment scratch(long bytes) {
        if (scratch.byteSize() < bytes) {
            scratch = arena.allocate(Math.max(bytes, 2 * scratch.byteSize()), 64);
        }
        return scratch;
    }

    @Override
    public Map<String, Double> seconds() {
        Map<String, Double> s = new LinkedHashMap<>();
        for (int i = 0; i < KINDS.length; i++) {
            s.put(KINDS[i], nanos[i] / 1e9);
        }
        return s;
    }

    @Override
    public void allReduceSum(float[] a, int off, int len) {
        long t0 = System.nanoTime();
        allReduce(MemorySegment.ofArray(a).asSlice(4L * off, 4L * len), ValueLayout.JAVA_FLOAT);
        nanos[0] += System.nanoTime() - t0;
    }

    @Override
    public void allReduceSum(double[] a, int off, int len) {
        long t0 = System.nanoTime();
        allReduce(MemorySegment.ofArray(a).asSlice(8L * off, 8L * len), ValueLayout.JAVA_DOUBLE);
        nanos[0] += System.nanoTime() - t0;
    }

    /**
     * data ← the rank-order sum of every rank's data, in rounds of at most {@link #ROUND_BYTES} per rank's share:
     * all-to-all of the shares, the shares added in rank order, all-gather of the sums.
     */
    private void allReduce(MemorySegment data, ValueLayout element) {
        if (size == 1) {
            return;
        }
        long e = element.byteSize();
        long n = data.byteSize() / e;
        long perRound = Math.max(1, ROUND_BYTES / e / size);
        for (long start = 0; start < n; start += perRound * size) {
            long count = Math.min(perRound * size, n - start);
            reduceRound(data.asSlice(start * e, count * e), count, element);
        }
    }

    private void reduceRound(MemorySegment data, long count, ValueLayout element) {
        long e = element.byteSize();
        long share = (count + size - 1) / size;
        long shareBytes = share * e;
        MemorySegment buf = scratch(2 * size * shareBytes);
        MemorySegment send = buf.asSlice(0, size * shareBytes);
        MemorySegment recv = buf.asSlice(size * shareBytes, size * shareBytes);
        send.fill((byte) 0);
        MemorySegment.copy(data, 0, send, 0, data.byteSize());
        call("MPI_Alltoall", () -> (int) alltoall.invokeExact(send, (int) shareBytes, handles.byteType(), recv,
                (int) shareBytes, handles.byteType(), handles.commWorld()));
        // recv holds rank r's values of this rank's share at r·share: add them in rank order into send's first share
        MemorySegment mine = send.asSlice(0, shareBytes);
        if (element == ValueLayout.JAVA_FLOAT) {
            for (long j = 0; j < share; j++) {
                float s = recv.getAtIndex(ValueLayout.JAVA_FLOAT, j);
                for (int r = 1; r < size; r++) {
                    s += recv.getAtIndex(ValueLayout.JAVA_FLOAT, r * share + j);
                }
                mine.setAtIndex(ValueLayout.JAVA_FLOAT, j, s);
            }
        } else {
            for (long j = 0; j < share; j++) {
                double s = recv.getAtIndex(ValueLayout.JAVA_DOUBLE, j);
                for (int r = 1; r < size; r++) {
                    s += recv.getAtIndex(ValueLayout.JAVA_DOUBLE, r * share + j);
                }
                mine.setAtIndex(ValueLayout.JAVA_DOUBLE, j, s);
            }
        }
        long[] counts = new long[size];
        Arrays.fill(counts, shareBytes);
        gatherBytes(mine, counts, recv);
        MemorySegment.copy(recv, 0, data, 0, data.byteSize());
    }

    @Override
    public void allGather(float[] local, float[] all, int[] counts) {
        gatherArrays(MemorySegment.ofArray(local), MemorySegment.ofArray(all), counts, 4);
    }

    @Override
    public void allGather(int[] local, int[] all, int[] counts) {
        gatherArrays(MemorySegment.ofArray(local), MemorySegment.ofArray(all), counts, 4);
    }

    @Override
    public void allGather(long[] local, long[] all, int[] counts) {
        gatherArrays(MemorySegment.ofArray(local), MemorySegment.ofArray(all), counts, 8);
    }

    private void gatherArrays(MemorySegment local, MemorySegment all, int[] counts, int e) {
        long t0 = System.nanoTime();
        if (counts.length != size) {
            throw new IllegalArgumentException("all-gather: " + counts.length + " counts for " + size + " processes");
        }
        long[] bytes = new long[size];
        long total = 0;
        for (int r = 0; r < size; r++) {
            bytes[r] = (long) counts[r] * e;
            total += bytes[r];
        }
        MemorySegment buf = scratch(bytes[rank] + total);
        MemorySegment send = buf.asSlice(0, bytes[rank]);
        MemorySegment recv = buf.asSlice(bytes[rank], total);
        MemorySegment.copy(local, 0, send, 0, bytes[rank]);
        gatherBytes(send, bytes, recv);
        MemorySegment.copy(recv, 0, all, 0, total);
        nanos[1] += System.nanoTime() - t0;
    }

    @Override
    public void allGatherInPlace(MemorySegment all, long[] bytes) {
        if (bytes.length != size) {
            throw new IllegalArgumentException("all-gather: " + bytes.length + " counts for " + size + " processes");
        }
        long at = 0;
        for (int r = 0; r < rank; r++) {
            at += bytes[r];
        }
        // MPI forbids a send buffer that overlaps the receive buffer: send a copy of this process's part
        long t0 = System.nanoTime();
        MemorySegment send = scratch(Math.max(1, bytes[rank]));
        MemorySegment.copy(all, at, send, 0, bytes[rank]);
        gatherBytes(send.asSlice(0, bytes[rank]), bytes, all);
        nanos[1] += System.nanoTime() - t0;
    }

    /**
     * recv ← every rank's bytes (bytes[r] from rank r) in rank order, in rounds that send at most
     * {@link #ROUND_BYTES}/size bytes per rank each.
     */
    private void gatherBytes(MemorySegment send, long[] bytes, MemorySegment recv) {
        long max = 0;
        for (long b : bytes) {
            max = Math.max(max, b);
        }
        long per = Math.max(1, ROUND_BYTES / size);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment counts = a.allocate(INT, size);
            MemorySegment displs = a.allocate(INT, size);
            MemorySegment piece = max > per ? a.allocate(per * size) : recv;
            for (long at = 0; at == 0 || at < max; at += per) {
                int total = 0;
                for (int r = 0; r < size; r++) {
                    int c = (int) Math.max(0, Math.min(per, bytes[r] - at));
                    counts.setAtIndex(INT, r, c);
                    displs.setAtIndex(INT, r, total);
                    total += c;
                }
                int mine = counts.getAtIndex(INT, rank);
                MemorySegment src = mine == 0 ? send : send.asSlice(at, mine);
                call("MPI_Allgatherv", () -> (int) allgatherv.invokeExact(src, mine, handles.byteType(), piece, counts,
                        displs, handles.byteType(), handles.commWorld()));
                if (piece != recv) {
                    long place = 0;
                    for (int r = 0; r < size; r++) {
                        int c = counts.getAtIndex(INT, r);
                        MemorySegment.copy(piece, displs.getAtIndex(INT, r), recv, place + at, c);
                        place += bytes[r];
                    }
                }
                if (max == 0) {
                    break;
                }
            }
        }
    }

    @Override
    public void broadcast(byte[] a, int root) {
        long t0 = System.nanoTime();
        MemorySegment buf = scratch(Math.max(1, a.length));
        MemorySegment.copy(MemorySegment.ofArray(a), 0, buf, 0, a.length);
        call("MPI_Bcast", () -> (int) bcast.invokeExact(buf, a.length, handles.byteType(), root, handles.commWorld()));
        MemorySegment.copy(buf, 0, MemorySegment.ofArray(a), 0, a.length);
        nanos[2] += System.nanoTime() - t0;
    }

    @Override
    public void barrier() {
        long t0 = System.nanoTime();
        call("MPI_Barrier", () -> (int) barrierCall.invokeExact(handles.commWorld()));
        nanos[3] += System.nanoTime() - t0;
    }

    @Override
    public void abort(int code) {
        try {
            int ignored = (int) abortCall.invokeExact(handles.commWorld(), code);
        } catch (Throwable t) {
            // MPI_Abort does not return; if it fails, leave the process anyway
        }
        Runtime.getRuntime().halt(code);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        call("MPI_Finalize", () -> (int) finalizeCall.invokeExact());
        arena.close();
    }

    private interface Call {
        int run() throws Throwable;
    }

    private static void call(String name, Call c) {
        int rc;
        try {
            rc = c.run();
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(name + ": " + t.getMessage(), t);
        }
        check(name, rc);
    }
}
