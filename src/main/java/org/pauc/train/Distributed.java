package org.pauc.train;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Map;
import org.pauc.backend.Backend;
import org.pauc.config.TrainConfig;
import org.pauc.data.ImageSource;
import org.pauc.dist.Collective;
import org.pauc.nn.Param;
import org.pauc.objective.Objective;

/** What the processes of a distributed run check and share beside the learner's own exchanges. */
final class Distributed {
    private Distributed() {}

    /**
     * Every process must train the same configuration on the same data: the SHA-256 of its configuration and of the
     * data's name and size is compared with rank 0's. A process that differs stops the run (exit 2).
     */
    static void checkSameConfiguration(Collective dist, TrainConfig cfg, ImageSource train) {
        if (dist.size() == 1) {
            return;
        }
        byte[] mine = sha256(cfg.toJson() + "\n" + train.name() + "\n" + train.n() + "\n" + train.imageSize());
        byte[] root = mine.clone();
        dist.broadcast(root, 0);
        if (!Arrays.equals(mine, root)) {
            throw new IllegalArgumentException("rank " + dist.rank() + " of " + dist.size() + " has another configuration "
                    + "or dataset than rank 0 (" + train.name() + ", " + train.n() + " images): start every process "
                    + "with the same flags and data");
        }
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * After an epoch every process must hold the same weights, statistics, momentum buffers and queue: their checksums
     * are gathered and compared; a difference stops the run on every process.
     */
    static void checkSameWeights(Collective dist, Backend be, MocoLearner learner, int epoch) {
        if (dist.size() == 1) {
            return;
        }
        long[] mine = {checksum(be, learner)};
        long[] all = new long[dist.size()];
        dist.allGather(mine, all, Collective.equalCounts(dist.size(), 1));
        for (int r = 1; r < all.length; r++) {
            if (all[r] != all[0]) {
                throw new IllegalStateException("after epoch " + epoch + " the weights of rank " + r + " differ from rank "
                        + "0's (checksums " + Long.toHexString(all[r]) + " and " + Long.toHexString(all[0]) + "): "
                        + "stopping; the last checkpoint is kept");
            }
        }
    }

    /** A 64-bit checksum (FNV-1a over the raw bits) of the learner's state. */
    static long checksum(Backend be, MocoLearner learner) {
        long h = 0xcbf29ce484222325L;
        for (Param p : learner.query().params()) {
            h = mix(h, be.download(p.value));
            if (p.trainable) {
                h = mix(h, be.download(p.velocity));
            }
        }
        for (Param p : learner.key().params()) {
            h = mix(h, be.download(p.value));
        }
        h = mix(h, be.download(learner.queue()));
        return h * 0x100000001b3L ^ learner.queuePointer();
    }

    private static long mix(long h, float[] values) {
        for (float v : values) {
            h = (h ^ Float.floatToRawIntBits(v)) * 0x100000001b3L;
        }
        return h;
    }

    /** The processes' mean of each term (the per-sample terms are means over each process's share of the batch). */
    static Objective.Terms mean(Collective dist, Objective.Terms t) {
        if (dist.size() == 1) {
            return t;
        }
        double[] v = t.values();
        dist.allReduceSum(v, 0, v.length);
        return Objective.Terms.of(v).dividedBy(dist.size());
    }

    /** One console line: the seconds this epoch spent in each kind of collective call (rank 0's, waiting included). */
    static void reportCommunication(PrintStream console, Map<String, Double> before, Map<String, Double> after) {
        if (after.isEmpty()) {
            return;
        }
        StringBuilder line = new StringBuilder("communication this epoch (rank 0, waiting included):");
        after.forEach((kind, s) -> line.append(String.format(" %s %.2fs", kind, s - before.getOrDefault(kind, 0.0))));
        console.println(line);
    }

    /** The processes' sum of a count. */
    static int sum(Collective dist, int count) {
        if (dist.size() == 1) {
            return count;
        }
        double[] v = {count};
        dist.allReduceSum(v, 0, 1);
        return (int) v[0];
    }
}
