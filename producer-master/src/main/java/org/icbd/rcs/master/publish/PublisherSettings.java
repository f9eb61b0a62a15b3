package org.icbd.rcs.master.publish;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import org.icbd.rcs.events.Fields;

/**
 * How {@link Publisher} and {@code Reconciler} reach Kafka.
 *
 * @param bootstrapServers Kafka's {@code bootstrap.servers}
 * @param master           this master's site name, written into every event
 * @param timeout          how long a publish may take before it is reported as not durable; also
 *                         bounds each step of reading the topic at start
 * @param kafkaProperties  further client settings passed through as they are (TLS, SASL...)
 */
public record PublisherSettings(String bootstrapServers, String master, Duration timeout,
                                Map<String, String> kafkaProperties) {

    public static final String DEFAULT_BOOTSTRAP_SERVERS = "127.0.0.1:9092";
    public static final String DEFAULT_MASTER = "master";
    /** Long enough for a healthy cluster to elect a leader, short enough for an admin script to wait. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(15);

    public PublisherSettings {
        if (bootstrapServers == null || bootstrapServers.isBlank()) {
            throw new IllegalArgumentException("icbd.master.kafka-bootstrap-servers is missing");
        }
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
        kafkaProperties = Map.copyOf(kafkaProperties == null ? Map.of() : kafkaProperties);
    }

    public static PublisherSettings of(String bootstrapServers, String master) {
        return new PublisherSettings(bootstrapServers, master, DEFAULT_TIMEOUT, Map.of());
    }

    public PublisherSettings withTimeout(Duration newTimeout) {
        return new PublisherSettings(bootstrapServers, master, newTimeout, kafkaProperties);
    }
}
