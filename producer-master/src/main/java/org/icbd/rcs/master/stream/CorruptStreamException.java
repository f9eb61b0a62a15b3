package org.icbd.rcs.master.stream;

import java.io.IOException;

/**
 * The bytes of a stored stream read back from disk do not hash to the SHA-256 recorded when it was
 * produced: the file was damaged on disk. The store has dropped it; the next request produces it
 * again.
 */
public final class CorruptStreamException extends IOException {

    private static final long serialVersionUID = 1L;

    public CorruptStreamException(String message) {
        super(message);
    }
}
