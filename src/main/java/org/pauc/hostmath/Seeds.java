package org.pauc.hostmath;

import java.util.SplittableRandom;

/**
 * Every random stream of pauc, derived from the run's seed in one place. A resumed run is bit-identical to an
 * uninterrupted one because each stream is a pure function of (seed, its name, its coordinates), never of what ran
 * before. The streams, and what they draw:
 * <ul>
 *   <li>{@link #weights}: the initial weights of an encoder (query and key encoders start equal);</li>
 *   <li>{@link #queue}: MoCo's initial queue of random unit vectors;</li>
 *   <li>{@link #dataOrder}: the permutation of the training images in an epoch;</li>
 *   <li>{@link #augment}: one view of one image in one epoch (crop, flip, jitter, grayscale, blur);</li>
 *   <li>{@link #keyShuffle}: shuffle-BN's order of the key batch at a step (every process derives the same);</li>
 *   <li>{@link #negatives}: the negative prototypes of a step in one granularity;</li>
 *   <li>{@link #kmeans}: a k-means restart (seeded by the granularity, the same every epoch, as PCL);</li>
 *   <li>{@link #cases}: the seeded test cases of an op.</li>
 * </ul>
 * {@link #mix} is the one mixing function: h' = rotl(h·φ ⊕ v·C, 31) + K with φ = 0x9E3779B97F4A7C15 (2⁶⁴ over the
 * golden ratio), C = 0xC2B2AE3D27D4EB4F and K = 0x165667B19E3779F9 (xxHash64's primes 2 and 5), so nearby seeds and
 * coordinates give unrelated streams. The constants that set streams apart (0x5A17 for shuffle-BN, 0x5DEECE66D for the
 * negatives, 1 000 003 between a step's or a restart's coordinates) are the ones every earlier run used: changing one
 * changes every run's bits. One coincidence follows from them: {@code kmeans(g, r)} is the stream
 * {@code weights(g·1 000 003 + r)}, so a run with seed 0 (or seed r with more than r restarts) draws its initial weights
 * and granularity 0's k-means seeding from one stream. It is kept because changing the k-means stream would change
 * every run past its warm-up, and the version-1 checkpoint test pins those bits to what that version reached.
 */
public final class Seeds {
    /** The golden-ratio multiplier of {@link #mix}. */
    static final long PHI = 0x9E3779B97F4A7C15L;
    private static final long C = 0xC2B2AE3D27D4EB4FL;
    private static final long K = 0x165667B19E3779F9L;
    private static final long KEY_SHUFFLE = 0x5A17L;
    private static final long NEGATIVES = 0x5DEECE66DL;
    /** A prime that keeps (epoch, step) and (seed, restart) pairs apart when folded into one number. */
    private static final long STRIDE = 1_000_003L;

    private Seeds() {}

    /** One round of mixing {@code v} into {@code h}. */
    public static long mix(long h, long v) {
        return Long.rotateLeft(h * PHI ^ v * C, 31) + K;
    }

    public static SplittableRandom weights(long seed) {
        return new SplittableRandom(seed);
    }

    public static SplittableRandom queue(long seed) {
        return new SplittableRandom(seed + 1);
    }

    /** The seed of epoch {@code epoch}'s permutation of the training images. */
    public static long dataOrder(long seed, int epoch) {
        return mix(seed, epoch);
    }

    public static SplittableRandom augment(long seed, long epoch, long index, long view) {
        return new SplittableRandom(mix(mix(mix(seed, epoch), index), view));
    }

    /** The seed of shuffle-BN's permutation at step {@code step} of epoch {@code epoch} (of {@code steps} steps). */
    public static long keyShuffle(long seed, int epoch, int steps, int step) {
        return mix(seed ^ KEY_SHUFFLE, (long) epoch * steps + step);
    }

    public static SplittableRandom negatives(long seed, int epoch, int step, int granularity) {
        return new SplittableRandom(mix(seed ^ NEGATIVES, epoch * STRIDE + step) + granularity);
    }

    public static SplittableRandom kmeans(long seed, int restart) {
        return new SplittableRandom(seed * STRIDE + restart);
    }

    public static SplittableRandom cases(long seed, String op) {
        return new SplittableRandom(seed ^ op.hashCode() * PHI);
    }
}
