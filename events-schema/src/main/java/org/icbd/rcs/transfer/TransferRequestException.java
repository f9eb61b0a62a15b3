package org.icbd.rcs.transfer;

/** A line that is not a valid transfer request; the message says what was wrong. */
public final class TransferRequestException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public TransferRequestException(String message) {
        super(message);
    }
}
