package org.pauc.io;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A write that failed for a reason outside pauc (the disk is full, the device failed): a one-line message naming the
 * file; the command line prints it and exits with code 1. Nothing half-written is left at the target.
 */
public class WriteException extends IOException {
    public WriteException(Path file, IOException cause) {
        super(describe(file, cause), cause);
    }

    static String describe(Path file, IOException cause) {
        String m = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        // encoders (ImageIO's PNG writer) wrap the file system's error in their own: look down the chain
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t.getMessage() != null && (t.getMessage().contains("No space left on device")
                    || t.getMessage().contains("Disk quota exceeded"))) {
                m = t.getMessage();
                break;
            }
        }
        if (m.contains("No space left on device")) {
            return "no space left on device while writing " + file;
        }
        if (m.contains("Disk quota exceeded")) {
            return "disk quota exceeded while writing " + file;
        }
        return "cannot write " + file + " (" + m.replace(file.toString() + ": ", "").replace('\n', ' ') + ")";
    }
}
