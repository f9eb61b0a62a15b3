package org.icbd.rcs.master.publish;

import java.time.Duration;
import java.util.Objects;
import org.icbd.rcs.events.Fields;
import org.icbd.rcs.kafka.KafkaClientSettings;

/**
 * How {@link Publisher} and {@code Reconciler} reach Kafka.
 *
 * @param kafka   the cluster and the pass-through client properties (TLS, SASL...)
 * @param master  this master's site name, written into every event
 * @param timeout how long a publish may take before it is reported as not durable; also bounds
 *                each step of reading the topic at start
 */
public record PublisherSettings(KafkaClientSettings kafka, String master, Duration timeout) {

    public static final String DEFAULT_MASTER = "master";
    /** Long enough for a healthy cluster to elect a leader, short enough for an admin script to wait. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(15);

    public PublisherSettings {
        Objects.requireNonNull(kafka, "kafka");
        try {
            Fields.name(master, "icbd.master.name");
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        Objects.requireNonNull(timeout, "icbd.master.publish-timeout is missing");
        if (timeout.isNegative() || timeout.isZero() || timeout.toMillis() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("icbd.master.publish-timeout must be positive and below 24 days, got "
                    + timeout);
        }
    }

    public static PublisherSettings of(KafkaClientSettings kafka, String master) {
        return new PublisherSettings(kafka, master, DEFAULT_TIMEOUT);
    }

    /** A plaintext cluster at {@code bootstrapServers}, the default timeout. */
    public static PublisherSettings of(String bootstrapServers, String master) {
        return of(KafkaClientSettings.of(bootstrapServers), master);
    }

    public PublisherSettings withTimeout(Duration newTimeout) {
        return new PublisherSettings(kafka, master, newTimeout);
    }
}
