package org.icbd.rcs.localkafka;

/**
 * The local broker could not be started or could not do what was asked of it. The message names
 * the address and directory involved and what to check.
 */
public final class LocalKafkaException extends RuntimeException {

    public LocalKafkaException(String message) {
        super(message);
    }

    public LocalKafkaException(String message, Throwable cause) {
        super(message, cause);
    }
}
