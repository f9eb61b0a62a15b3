package org.icbd.rcs.planner.topology;

import java.util.Optional;
import org.icbd.rcs.events.Fields;
import org.icbd.rcs.events.ReplicaRegistered;
import org.icbd.rcs.topic.Topics;

/**
 * A record of {@code icbd.replicas}: a (re-)registration or heartbeat, or a deregistration
 * (a tombstone).
 *
 * @param registration empty for a deregistration
 */
public record RegistrationChange(String replicaId, Optional<ReplicaRegistered> registration) {

    public RegistrationChange {
        Fields.name(replicaId, "replicaId");
        registration = Fields.optional(registration);
    }

    /** Reads a raw record of {@code icbd.replicas}; see {@link Intake.Reader} for failures. */
    public static RegistrationChange read(String key, byte[] value) {
        Fields.name(key, "key");
        if (value == null) {
            return new RegistrationChange(key, Optional.empty());
        }
        ReplicaRegistered registered = Topics.REPLICAS.valueSerde().deserializer()
                .deserialize(Topics.REPLICAS.name(), value);
        if (!registered.replicaId().equals(key)) {
            throw new IllegalArgumentException("key '" + key + "' does not match replicaId '"
                    + registered.replicaId() + "'");
        }
        return new RegistrationChange(key, Optional.of(registered));
    }
}
