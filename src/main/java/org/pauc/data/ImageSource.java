package org.pauc.data;

/**
 * Training images, in memory ({@link Dataset}) or streamed from disk (a folder tree, a file list, WebDataset
 * shards): n images, each read on demand ({@link #open}), given to the network as h×w×c views (the augmentation
 * or the evaluation transform makes every image that size).
 */
public interface ImageSource {
    String name();

    /** Number of images. */
    int n();

    /** The views' height, width and channels. */
    int h();

    int w();

    int c();

    /** Class of image i, or −1 when unknown. */
    int label(int i);

    /** Class names (index = label); empty when unlabelled. */
    String[] classes();

    /** Where image i comes from, for messages: a file, a shard and key, or NAME#i. */
    String source(int i);

    /** Image i, its size known and its pixels not yet decoded. */
    Encoded open(int i) throws DataException;

    /** Floats in one view. */
    default int imageSize() {
        return h() * w() * c();
    }

    /** Whether images are decoded on demand (then the evaluation transform and prefetching apply). */
    default boolean streamed() {
        return true;
    }
}
