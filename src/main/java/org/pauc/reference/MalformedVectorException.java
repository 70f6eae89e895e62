package org.pauc.reference;

/** A reference-vector file that does not follow the format; the message is one line naming the problem. */
public final class MalformedVectorException extends Exception {
    public MalformedVectorException(String message) {
        super(message);
    }
}
