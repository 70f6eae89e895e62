package org.pauc.data;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.concurrent.atomic.AtomicBoolean;
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

    /** Decodes with ImageIO after checking the header's size. */
    static BufferedImage imageIO(byte[] bytes, String where) throws DataException {
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
            if (readers == null || !readers.hasNext()) {
                throw new DataException(where + ": unreadable image (not a PNG or JPEG ImageIO can decode)");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                checkClaim(where, reader.getHeight(0), reader.getWidth(0), bytes.length);
                BufferedImage img = reader.read(0);
                if (img == null) {
                    throw new DataException(where + ": unreadable image");
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
