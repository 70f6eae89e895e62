package org.pauc.cuda;

import java.util.HexFormat;
import java.util.Map;
import org.pauc.dist.Collective;
import org.pauc.dist.Collectives;

/**
 * Run under {@code mpirun -np 2} by {@link NcclTest}: NCCL's communicator bootstrap up to the step that needs a
 * device. Rank 0 makes the unique id, the host collective broadcasts it, each rank prints what it holds.
 */
public final class NcclProbe {
    private NcclProbe() {}

    public static void main(String[] args) throws Exception {
        Collective c = Collectives.open(Collectives.Mode.MPI, Map.of());
        Nccl nccl = new Nccl(NativeLibs.open(NativeLibs.NCCL, Map.of(NativeLibs.NCCL.property(), args[0]), Map.of()));
        byte[] made = c.rank() == 0 ? nccl.uniqueId() : null;
        byte[] id;
        if (made != null) {
            id = made.clone();
            c.broadcast(id, 0);
        } else {
            id = new byte[Nccl.UNIQUE_ID_BYTES];
            c.broadcast(id, 0);
        }
        System.out.println("[" + c.rank() + "] version=" + nccl.version());
        System.out.println("[" + c.rank() + "] id=" + HexFormat.of().formatHex(id));
        if (made != null) {
            System.out.println("[" + c.rank() + "] made=" + HexFormat.of().formatHex(made));
        }
        byte[] viaHelper = nccl.sharedId(c);
        System.out.println("[" + c.rank() + "] shared=" + HexFormat.of().formatHex(viaHelper));
        c.close();
    }
}
