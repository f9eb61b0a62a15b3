package org.icbd.rcs.replica.report;

/** A record was not acknowledged by Kafka in time; nothing that depends on it (an offset commit) may follow. */
public final class PublishException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public PublishException(String message, Throwable cause) {
        super(message, cause);
    }
}
