package org.pauc.data;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import org.pauc.io.InputException;
import org.pauc.io.Limits;

/**
 * Image files to pixels: JPEG through libjpeg-turbo ({@link TurboJpeg}) when it is installed, everything else and
 * JPEG without it through ImageIO. Every header is checked before decoding: a size over
 * {@link Limits#maxImagePixels()}, or more pixels than the file's bytes can hold, is refused.
 */
public final class Codec {
    private static final AtomicBoolean WARNED = new AtomicBoolean();

    private Codec() {}

    /** Whether JPEG goes through libjpeg-turbo. */
    public static boolean turboJpeg() {
        return TurboJpeg.available();
    }

    /** The bytes of an image file, after the file checks of {@link Limits}. */
    public static byte[] read(Path file) throws DataException {
        try {
            Limits.checkRegularFile(file, Limits.MAX_FILE_BYTES, "image");
            return Files.readAllBytes(file);
        } catch (InputException e) {
            throw new DataException(e.getMessage());
        } catch (IOException e) {
            throw new DataException(file, "cannot read: " + e.getMessage());
        }
    }

    /** An encoded image ({@code where} names it in messages). */
    public static Encoded open(byte[] bytes, String where) throws DataException {
        boolean jpeg = bytes.length > 3 && (bytes[0] & 0xff) == 0xff && (bytes[1] & 0xff) == 0xd8
                && (bytes[2] & 0xff) == 0xff;
        if (jpeg && TurboJpeg.available()) {
            return TurboJpeg.open(bytes, where);
        }
        if (jpeg && !WARNED.getAndSet(true) && !System.getProperty("pauc.turbojpeg", "").equals("off")) {
            System.err.println("warning: libjpeg-turbo (" + TurboJpeg.SONAME + ") not found: JPEG is decoded by ImageIO, "
                    + "which is slower; install Debian's libturbojpeg0");
        }
        BufferedImage img = imageIO(bytes, where);
        return Encoded.of(Picture.of(img));
    }

    /** Refuses a header whose size is over the limit or cannot come from {@code bytes} bytes. */
    static void checkClaim(String where, int h, int w, long bytes) throws DataException {
        long pixels = (long) w * h;
        if (w <= 0 || h <= 0) {
            throw new DataException(where + ": the image claims a size of " + w + "×" + h);
        }
        if (pixels > Limits.MAX_INFLATION * bytes + 65_536) {
            throw new DataException(where + ": the image claims " + w + "×" + h + " pixels, more than a file of " + bytes
                    + " bytes can hold (truncated or corrupt)");
        }
        if (pixels > Limits.maxImagePixels()) {
            throw new DataException(where + ": the image claims " + w + "×" + h + " pixels, more than the limit of "
                    + Limits.maxImagePixels() + " (--max-image-pixels raises it)");
        }
    }

    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    /**
     * A PNG's chunks, checked before decoding: each is LENGTH (4 bytes, big-endian), TYPE (4), DATA, and the CRC-32 of
     * TYPE and DATA, up to IEND. ImageIO does not look at the CRCs, so a corrupt PNG would decode into wrong pixels.
     */
    static void checkPng(byte[] b, String where) throws DataException {
        int at = PNG_SIGNATURE.length;
        CRC32 crc = new CRC32();
        while (true) {
            if (at + 12 > b.length) {
                throw new DataException(where + ": truncated PNG (the chunk at byte " + at + " is cut off)");
            }
            long len = ((b[at] & 0xffL) << 24) | ((b[at + 1] & 0xff) << 16) | ((b[at + 2] & 0xff) << 8) | (b[at + 3] & 0xff);
            if (len > b.length - at - 12) {
                throw new DataException(where + ": truncated PNG (the chunk at byte " + at + " claims " + len + " bytes)");
            }
            crc.reset();
            crc.update(b, at + 4, 4 + (int) len);
            int end = at + 8 + (int) len;
            long stored = ((b[end] & 0xffL) << 24) | ((b[end + 1] & 0xff) << 16) | ((b[end + 2] & 0xff) << 8)
                    | (b[end + 3] & 0xff);
            String type = new String(b, at + 4, 4, StandardCharsets.ISO_8859_1);
            if (crc.getValue() != stored) {
                throw new DataException(where + ": corrupt PNG (CRC mismatch in the " + type + " chunk at byte " + at + ")");
            }
            if (type.equals("IEND")) {
                return;
            }
            at = end + 4;
        }
    }

    /**
     * Decodes with ImageIO after checking the header's size (and a PNG's CRCs); an image that decodes only with a
     * warning (a truncated JPEG: "premature end") is unreadable.
     */
    static BufferedImage imageIO(byte[] bytes, String where) throws DataException {
        if (bytes.length >= PNG_SIGNATURE.length && Arrays.equals(bytes, 0, PNG_SIGNATURE.length, PNG_SIGNATURE, 0,
                PNG_SIGNATURE.length)) {
            checkPng(bytes, where);
        }
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
            if (readers == null || !readers.hasNext()) {
                throw new DataException(where + ": unreadable image (not a PNG or JPEG ImageIO can decode)");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                checkClaim(where, reader.getHeight(0), reader.getWidth(0), bytes.length);
                List<String> warnings = new ArrayList<>();
                reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
                BufferedImage img = reader.read(0);
                if (img == null) {
                    throw new DataException(where + ": unreadable image");
                }
                if (!warnings.isEmpty()) {
                    throw new DataException(where + ": unreadable image, truncated or corrupt (" + warnings.get(0) + ")");
                }
                return img;
            } finally {
                reader.dispose();
            }
        } catch (DataException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new DataException(where + ": unreadable image: " + e.getMessage());
        }
    }
}
