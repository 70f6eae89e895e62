package org.pauc.dist;

import java.util.Arrays;
import java.util.Map;

/**
 * Run under {@code mpirun -np N} by {@link MpiTest}: each rank exercises the collective and prints what it got, one
 * {@code key=value} per line prefixed with its rank, so the test can compare ranks and check values.
 */
public final class MpiProbe {
    private MpiProbe() {}

    public static void main(String[] args) {
        Collective c = Collectives.open(Collectives.Mode.MPI, Map.of());
        int r = c.rank();
        int n = c.size();
        String what = args.length > 0 ? args[0] : "ops";
        if (what.equals("die") && r == n - 1) {
            // the last rank dies without a word while the others wait in a collective call
            Runtime.getRuntime().halt(9);
        }
        if (what.equals("bad") && r == n - 1) {
            System.err.println("pauc: error: rank " + r + " found bad input");
            Collectives.endAfterError(2);
        }
        // all-reduce: values whose float sum depends on the order, and a length that does not divide by n
        float[] a = new float[1001];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) (Math.pow(10, (i + r) % 9 - 4) * (r % 2 == 0 ? 1 : -1.0001)) + i;
        }
        float[] expected = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            float s = 0;
            for (int q = 0; q < n; q++) {
                float v = (float) (Math.pow(10, (i + q) % 9 - 4) * (q % 2 == 0 ? 1 : -1.0001)) + i;
                s = q == 0 ? v : s + v;
            }
            expected[i] = s;
        }
        c.allReduceSum(a, 0, a.length);
        print(r, "allreduce_rank_order", Arrays.equals(a, expected));
        print(r, "allreduce_hash", Arrays.hashCode(a));
        double[] d = {r + 0.5, 1e-17 * r, -r};
        c.allReduceSum(d, 0, d.length);
        print(r, "allreduce_double", Arrays.toString(d));
        // all-gather with uneven counts: rank q gives q + 1 values q·100 + j
        int[] counts = new int[n];
        int total = 0;
        for (int q = 0; q < n; q++) {
            counts[q] = q + 1;
            total += q + 1;
        }
        int[] mine = new int[r + 1];
        for (int j = 0; j <= r; j++) {
            mine[j] = r * 100 + j;
        }
        int[] all = new int[total];
        c.allGather(mine, all, counts);
        print(r, "allgather", Arrays.toString(all));
        float[] fl = {r * 1.5f};
        float[] fAll = new float[n];
        c.allGather(fl, fAll, Collective.equalCounts(n, 1));
        print(r, "allgather_float", Arrays.toString(fAll));
        byte[] b = r == 0 ? "from rank 0".getBytes() : new byte[11];
        c.broadcast(b, 0);
        print(r, "broadcast", new String(b));
        c.barrier();
        Collectives.close();
        print(r, "finalized", true);
    }

    private static void print(int rank, String key, Object value) {
        System.out.println("[" + rank + "] " + key + "=" + value);
    }
}
