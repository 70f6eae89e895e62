package org.pauc.data;

import java.io.IOException;
import java.nio.file.Path;

/** Bad input data: the message is one line naming the file and what is wrong with it. */
public final class DataException extends IOException {
    public DataException(Path file, String problem) {
        super(file + ": " + problem);
    }

    public DataException(String message) {
        super(message);
    }
}
