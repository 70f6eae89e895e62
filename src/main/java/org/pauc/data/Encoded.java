package org.pauc.data;

/**
 * An image whose size is known before its pixels are: the header of a compressed file, or an image already in
 * memory. Decoding may return a smaller image than h×w (JPEG's DCT-domain scaling), never one smaller than the
 * scale asked for.
 */
public interface Encoded {
    int h();

    int w();

    /**
     * The pixels, at a size of at least {@code scale}·h × {@code scale}·w ({@code scale} in (0, 1]; a decoder
     * without scaling returns the full size).
     */
    Picture decode(double scale) throws DataException;

    /** An image already decoded. */
    static Encoded of(Picture p) {
        return new Encoded() {
            @Override
            public int h() {
                return p.h();
            }

            @Override
            public int w() {
                return p.w();
            }

            @Override
            public Picture decode(double scale) {
                return p;
            }
        };
    }
}
