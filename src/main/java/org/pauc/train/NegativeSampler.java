package org.pauc.train;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.pauc.hostmath.Seeds;

/**
 * The prototypes of one batch in one granularity (docs/losses.md, "Sampling the negative prototypes"): each
 * sample's positive is its cluster; S = min(negPrototypes, K − |unique(pos)|) distinct negatives are drawn
 * uniformly from the other clusters with a stream seeded by (seed, epoch, step, granularity), so a resumed run
 * draws the same ones.
 */
final class NegativeSampler {
    /** The positive cluster of each batch sample and the sampled negatives. */
    record Draw(int[] pos, int[] neg) {}

    private final long seed;
    private final int negPrototypes;

    NegativeSampler(long seed, int negPrototypes) {
        this.seed = seed;
        this.negPrototypes = negPrototypes;
    }

    /** The draw for the batch of images {@code batch} (dataset indices) in granularity m with assignment {@code assign}. */
    Draw draw(int[] assign, int k, int[] batch, int epoch, int step, int m) {
        int[] pos = new int[batch.length];
        boolean[] used = new boolean[k];
        int distinct = 0;
        for (int i = 0; i < batch.length; i++) {
            pos[i] = assign[batch[i]];
            if (!used[pos[i]]) {
                used[pos[i]] = true;
                distinct++;
            }
        }
        int[] free = new int[k - distinct];
        for (int c = 0, j = 0; c < k; c++) {
            if (!used[c]) {
                free[j++] = c;
            }
        }
        int s = Math.min(negPrototypes, free.length);
        SplittableRandom r = Seeds.negatives(seed, epoch, step, m);
        for (int i = 0; i < s; i++) {
            int j = i + r.nextInt(free.length - i);
            int t = free[i];
            free[i] = free[j];
            free[j] = t;
        }
        return new Draw(pos, Arrays.copyOf(free, s));
    }
}
