package org.pauc.data;

import java.nio.file.Path;
import org.pauc.io.InputException;

/** Bad input data: the message is one line naming the file and what is wrong with it. */
public final class DataException extends InputException {
    public DataException(Path file, String problem) {
        super(file, problem);
    }

    public DataException(String message) {
        super(message);
    }
}
