package org.pauc.io;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Bad input: a file or value that pauc cannot use. The message is one line naming the input and what is wrong with
 * it; the command line prints it and exits with code 2.
 */
public class InputException extends IOException {
    private final String problem;

    public InputException(Path file, String problem) {
        super(file + ": " + problem);
        this.problem = problem;
    }

    public InputException(String message) {
        super(message);
        this.problem = message;
    }

    /** What is wrong, without the name of the file. */
    public String problem() {
        return problem;
    }
}
