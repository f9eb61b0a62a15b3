package org.icbd.rcs.replica.disk;

/** The replica's pool cannot be used or changed as asked; the message names the path and why. */
public final class PoolException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public PoolException(String message) {
        super(message);
    }

    public PoolException(String message, Throwable cause) {
        super(message, cause);
    }
}
