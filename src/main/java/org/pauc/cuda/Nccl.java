package org.pauc.cuda;

import static org.pauc.cuda.Native.INT;
import static org.pauc.cuda.Native.LONG;
import static org.pauc.cuda.Native.PTR;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import org.pauc.dist.Collective;

/**
 * NCCL (libnccl.so.2): collectives between the GPUs of a data-parallel run, on device buffers and the backend's
 * stream. The communicator is bootstrapped over the run's host {@link Collective} as Horovod does it: rank 0's
 * {@code ncclGetUniqueId}, broadcast to every rank, then {@code ncclCommInitRank} on each rank's device.
 */
final class Nccl {
    /** ncclUniqueId: 128 opaque bytes, passed by value to ncclCommInitRank. */
    static final int UNIQUE_ID_BYTES = 128;
    static final StructLayout UNIQUE_ID = MemoryLayout.structLayout(
            MemoryLayout.sequenceLayout(UNIQUE_ID_BYTES, ValueLayout.JAVA_BYTE).withName("internal"));
    /** ncclDataType_t and ncclRedOp_t values of nccl.h. */
    static final int FLOAT32 = 7;
    static final int SUM = 0;

    private final MethodHandle getVersion, getUniqueId, commInitRank, allReduce, allGather, commDestroy, errorString;

    Nccl(SymbolLookup lib) {
        String l = "libnccl";
        getVersion = Native.fn(lib, l, "ncclGetVersion", INT, PTR);
        getUniqueId = Native.fn(lib, l, "ncclGetUniqueId", INT, PTR);
        commInitRank = Native.fn(lib, l, "ncclCommInitRank", INT, PTR, INT, UNIQUE_ID, INT);
        allReduce = Native.fn(lib, l, "ncclAllReduce", INT, LONG, LONG, LONG, INT, INT, PTR, PTR);
        allGather = Native.fn(lib, l, "ncclAllGather", INT, LONG, LONG, LONG, INT, PTR, PTR);
        commDestroy = Native.fn(lib, l, "ncclCommDestroy", INT, PTR);
        errorString = Native.fn(lib, l, "ncclGetErrorString", PTR, INT);
    }

    /** The library found as the other NVIDIA libraries are (-Dpauc.cuda.libnccl, PAUC_LIBNCCL, the usual folders). */
    static Nccl open() throws NativeLibs.Missing {
        return new Nccl(NativeLibs.open(NativeLibs.NCCL));
    }

    private void check(String call, int code) {
        if (code != 0) {
            throw new CudaException(call + " failed: " + Native.describe(errorString, code, "ncclResult_t"));
        }
    }

    /** "major.minor.patch" from NCCL_VERSION_CODE (major·10000 + minor·100 + patch since 2.9). */
    String version() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(INT);
            check("ncclGetVersion", (int) getVersion.invoke(v));
            int code = v.get(INT, 0);
            return code / 10000 + "." + code / 100 % 100 + "." + code % 100;
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /** A new unique id (what rank 0 makes and every rank needs to join the communicator). */
    byte[] uniqueId() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment id = a.allocate(UNIQUE_ID);
            check("ncclGetUniqueId", (int) getUniqueId.invoke(id));
            return id.toArray(ValueLayout.JAVA_BYTE);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /** Rank 0's unique id on every rank of {@code hosts}: the bootstrap of a communicator over the host collective. */
    byte[] sharedId(Collective hosts) {
        byte[] id = hosts.rank() == 0 ? uniqueId() : new byte[UNIQUE_ID_BYTES];
        hosts.broadcast(id, 0);
        return id;
    }

    /** This rank's communicator (on the device current on the calling thread), from the shared id. */
    MemorySegment join(Collective hosts, byte[] id) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment comm = a.allocate(PTR);
            MemorySegment byValue = a.allocate(UNIQUE_ID);
            MemorySegment.copy(id, 0, byValue, ValueLayout.JAVA_BYTE, 0, UNIQUE_ID_BYTES);
            check("ncclCommInitRank", (int) commInitRank.invoke(comm, hosts.size(), byValue, hosts.rank()));
            return comm.get(PTR, 0);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /** Sum of {@code count} floats over the ranks, in place on device memory, queued on {@code stream}. */
    void allReduceSum(MemorySegment comm, long device, long count, MemorySegment stream) {
        try {
            check("ncclAllReduce", (int) allReduce.invoke(device, device, count, FLOAT32, SUM, comm, stream));
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /** Each rank's {@code count} floats at {@code send}, gathered in rank order at {@code recv} on every rank. */
    void allGather(MemorySegment comm, long send, long recv, long count, MemorySegment stream) {
        try {
            check("ncclAllGather", (int) allGather.invoke(send, recv, count, FLOAT32, comm, stream));
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    void destroy(MemorySegment comm) {
        try {
            check("ncclCommDestroy", (int) commDestroy.invoke(comm));
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }
}
