package org.icbd.rcs.planner.topology;

import java.util.Objects;
import org.icbd.rcs.events.DeadLetter;

/**
 * One input record after reading: the value it carries, or the dead letter that replaces it.
 * Never crosses a topic.
 */
public sealed interface Intake<T> {

    record Accepted<T>(T value) implements Intake<T> {
        public Accepted {
            Objects.requireNonNull(value, "value");
        }
    }

    record Rejected<T>(DeadLetter letter) implements Intake<T> {
        public Rejected {
            Objects.requireNonNull(letter, "letter");
        }
    }

    /**
     * Reads one raw record of an input topic. Reports an unusable record by throwing
     * {@link org.apache.kafka.common.errors.SerializationException} (the value cannot be read:
     * {@link org.icbd.rcs.topic.EventFormatException}) or {@link IllegalArgumentException} (it
     * breaks a rule: a bad key, a key that disagrees with the value), with a message fit for
     * the dead letter's reason.
     */
    @FunctionalInterface
    interface Reader<T> {
        T read(String key, byte[] value);
    }
}
