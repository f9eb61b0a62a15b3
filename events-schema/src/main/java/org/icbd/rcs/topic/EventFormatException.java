package org.icbd.rcs.topic;

import org.apache.kafka.common.errors.SerializationException;

/**
 * A record value this build cannot use. Consumers route it to {@code icbd.dead-letters} with
 * {@link #getMessage()} as the reason and go on; it never stops a consumer loop.
 */
public final class EventFormatException extends SerializationException {

    private static final long serialVersionUID = 1L;

    /** Why the value was rejected. */
    public enum Kind {
        /** Not JSON, not an object, or a field of the wrong JSON type. */
        MALFORMED,
        /** A schemaVersion this build does not know (a newer writer, or garbage). */
        UNKNOWN_SCHEMA_VERSION,
        /** Well-formed JSON that breaks a rule of the event (bad name, version, uuid...). */
        INVALID
    }

    private final Kind kind;

    public EventFormatException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
