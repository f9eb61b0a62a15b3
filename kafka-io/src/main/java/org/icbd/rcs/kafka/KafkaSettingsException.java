package org.icbd.rcs.kafka;

import java.util.Optional;

/**
 * Kafka client settings that cannot be used: a bootstrap address that is not {@code host:port}, a
 * pass-through property that would override one of the project's fixed settings, an unreadable
 * properties file. The message names the property (or file) at fault; a service prefixes it with
 * its own setting's name.
 */
public final class KafkaSettingsException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final String property;

    /**
     * @param property the Kafka property at fault ({@code acks}, {@code bootstrap.servers}), or null
     *                 when the fault is not one property's (an unreadable file)
     */
    public KafkaSettingsException(String property, String message, Throwable cause) {
        super(message, cause);
        this.property = property;
    }

    public KafkaSettingsException(String property, String message) {
        this(property, message, null);
    }

    /**
     * The full name of the service setting at fault, for a service whose Kafka settings are a
     * section {@code <section>.bootstrap-servers} + {@code <section>.properties.*}: e.g.
     * {@code icbd.replica.kafka.properties.acks} or {@code icbd.replica.kafka.bootstrap-servers}.
     */
    public String setting(String section) {
        if (property == null) {
            return section + ".properties";
        }
        return property.equals("bootstrap.servers") ? section + ".bootstrap-servers"
                : section + ".properties." + property;
    }

    /** The Kafka property at fault, when it is one property's. */
    public Optional<String> property() {
        return Optional.ofNullable(property);
    }
}
