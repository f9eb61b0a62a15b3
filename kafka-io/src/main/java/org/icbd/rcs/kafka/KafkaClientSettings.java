package org.icbd.rcs.kafka;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * How every icbd process reaches Kafka: the bootstrap servers and pass-through client properties
 * (TLS, SASL, client tuning), with the methods that build each role's client configuration.
 *
 * <p>Each role's configuration is layered, later layers winning:
 * <ol>
 *   <li>the project's defaults for the role, which pass-through properties may tune
 *       ({@code client.id}, {@code linger.ms=0}, {@code auto.offset.reset=earliest});</li>
 *   <li>the caller's tuning (timeouts derived from a service's own settings);</li>
 *   <li>the pass-through properties;</li>
 *   <li>the project's fixed settings ({@link #FIXED}), which no pass-through property may name:
 *       the constructor refuses one with a message saying why the project sets it.</li>
 * </ol>
 * One settings value serves all of a process's clients, so a pass-through {@code client.id}
 * names every one of them.
 *
 * @param bootstrapServers {@code host:port[,host:port...]}
 * @param properties       pass-through client properties, by Kafka's own names
 */
public record KafkaClientSettings(String bootstrapServers, Map<String, String> properties) {

    /** Where an unconfigured client looks: the local broker of the demo and the tests. */
    public static final String DEFAULT_BOOTSTRAP_SERVERS = "127.0.0.1:9092";

    /**
     * The properties the project sets itself and a pass-through property may not name, with the
     * reason an operator is told when one does.
     */
    public static final Map<String, String> FIXED = fixed();

    /** Kafka Streams' prefixes for its embedded clients: {@code producer.acks} is refused like {@code acks}. */
    private static final List<String> STREAMS_CLIENT_PREFIXES = List.of("main.consumer.", "restore.consumer.",
            "global.consumer.", "consumer.", "producer.", "admin.");

    private static final Pattern SERVER = Pattern.compile("(\\[[0-9A-Fa-f:.]+\\]|[^\\s,:\\[\\]]+):(\\d{1,5})");
    private static final Pattern PROPERTY_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");

    private static Map<String, String> fixed() {
        Map<String, String> f = new LinkedHashMap<>();
        f.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, "it is the bootstrap setting of its own"
                + " (--bootstrap, or the service's kafka.bootstrap-servers)");
        String serdes = "every record is read and written by its topic's own serdes";
        f.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, serdes);
        f.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, serdes);
        f.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, serdes);
        f.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, serdes);
        f.put(ProducerConfig.ACKS_CONFIG, "producers use acks=all: a publish counts only once every in-sync"
                + " replica holds it");
        f.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "producers are idempotent: a retried send never writes"
                + " a record twice");
        f.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "the producers are not transactional; the planner's"
                + " exactly-once is Kafka Streams' own");
        f.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "consumers read read_committed: the planner's exactly-once"
                + " outputs count only once committed");
        f.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "offsets are committed only after the side effect");
        f.put(ConsumerConfig.GROUP_ID_CONFIG, "each consumer's group is the service's own (the replica's"
                + " kafka.group-id)");
        f.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, "the replica's static membership derives from its id");
        f.put("application.id", "it is the planner's application-id setting");
        f.put("processing.guarantee", "the planner runs exactly_once_v2: a task, its status and the store"
                + " updates behind them commit together");
        return Map.copyOf(f);
    }

    public KafkaClientSettings {
        bootstrapServers = checkBootstrap(bootstrapServers);
        Objects.requireNonNull(properties, "properties");
        Map<String, String> copy = new LinkedHashMap<>();
        properties.forEach((name, value) -> {
            checkProperty(name, value);
            copy.put(name, value);
        });
        properties = Collections.unmodifiableMap(copy);
    }

    /** The bootstrap servers alone: a plaintext cluster with every client default. */
    public static KafkaClientSettings of(String bootstrapServers) {
        return new KafkaClientSettings(bootstrapServers, Map.of());
    }

    /**
     * The bootstrap servers with the properties of {@code propertiesFile} (none when null), then
     * the {@code key=value} pairs, which win over the file.
     *
     * @throws KafkaSettingsException naming the file, pair or property that cannot be used
     */
    public static KafkaClientSettings layered(String bootstrapServers, Path propertiesFile, List<String> pairs) {
        Map<String, String> properties = new LinkedHashMap<>();
        if (propertiesFile != null) {
            properties.putAll(readPropertiesFile(propertiesFile));
        }
        for (String pair : pairs == null ? List.<String>of() : pairs) {
            Map.Entry<String, String> entry = parseProperty(pair);
            properties.put(entry.getKey(), entry.getValue());
        }
        return new KafkaClientSettings(bootstrapServers, properties);
    }

    /**
     * A service's Kafka section ({@code <section>.bootstrap-servers}, {@code <section>.properties.*})
     * as client settings; a null bootstrap means {@link #DEFAULT_BOOTSTRAP_SERVERS}.
     *
     * @throws KafkaSettingsException whose message starts with the full setting's name
     *                                ({@link KafkaSettingsException#setting(String)})
     */
    public static KafkaClientSettings fromSection(String section, String bootstrapServers,
                                                  Map<String, String> properties) {
        try {
            return new KafkaClientSettings(bootstrapServers == null ? DEFAULT_BOOTSTRAP_SERVERS : bootstrapServers,
                    properties == null ? Map.of() : properties);
        } catch (KafkaSettingsException e) {
            throw new KafkaSettingsException(e.property().orElse(null), e.setting(section) + ": " + e.getMessage(), e);
        }
    }

    /** These settings with {@code more} layered over the pass-through properties (theirs win). */
    public KafkaClientSettings withProperties(Map<String, String> more) {
        Map<String, String> merged = new LinkedHashMap<>(properties);
        merged.putAll(more);
        return new KafkaClientSettings(bootstrapServers, merged);
    }

    /**
     * Reads a Java properties file (UTF-8), e.g. the {@code client.properties} a cluster's
     * administrator hands out for TLS or SASL.
     *
     * @throws KafkaSettingsException naming the file when it cannot be read
     */
    public static Map<String, String> readPropertiesFile(Path file) {
        Properties loaded = new Properties();
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            loaded.load(in);
        } catch (IOException | IllegalArgumentException e) {
            throw new KafkaSettingsException(null, "the Kafka properties file " + file + " cannot be read: " + e, e);
        }
        Map<String, String> properties = new LinkedHashMap<>();
        loaded.stringPropertyNames().stream().sorted().forEach(n -> properties.put(n, loaded.getProperty(n)));
        return properties;
    }

    /**
     * Parses {@code key=value} (the value may be empty and may contain {@code =}).
     *
     * @throws KafkaSettingsException when there is no {@code =} or no key before it
     */
    public static Map.Entry<String, String> parseProperty(String pair) {
        int eq = pair == null ? -1 : pair.indexOf('=');
        if (eq <= 0) {
            throw new KafkaSettingsException(null, "Kafka property '" + pair + "' is not key=value,"
                    + " as in security.protocol=SSL");
        }
        return Map.entry(pair.substring(0, eq).strip(), pair.substring(eq + 1));
    }

    /** An idempotent {@code acks=all} producer's configuration. */
    public Map<String, Object> producerConfig(String clientId, Map<String, ?> tuning) {
        Map<String, Object> defaults = new LinkedHashMap<>();
        defaults.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        defaults.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        Map<String, Object> fixed = Map.of(ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        return layer(defaults, tuning, fixed);
    }

    public Map<String, Object> producerConfig(String clientId) {
        return producerConfig(clientId, Map.of());
    }

    /**
     * A group member's configuration: offsets committed by the caller after its side effect,
     * {@code read_committed}, a group without offsets starting at the beginning.
     */
    public Map<String, Object> consumerConfig(String clientId, String groupId, Map<String, ?> tuning) {
        Map<String, Object> defaults = new LinkedHashMap<>();
        defaults.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        defaults.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        Map<String, Object> fixed = Map.of(ConsumerConfig.GROUP_ID_CONFIG, Objects.requireNonNull(groupId, "groupId"),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        return layer(defaults, tuning, fixed);
    }

    /**
     * A reader's configuration: no consumer group (it assigns partitions itself and commits
     * nothing, so reading disturbs nobody), {@code read_committed}.
     */
    public Map<String, Object> readerConfig(String clientId, Map<String, ?> tuning) {
        Map<String, Object> defaults = new LinkedHashMap<>();
        defaults.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        defaults.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        Map<String, Object> fixed = Map.of(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        return layer(defaults, tuning, fixed);
    }

    public Map<String, Object> adminConfig(String clientId, Map<String, ?> tuning) {
        return layer(Map.of(AdminClientConfig.CLIENT_ID_CONFIG, clientId), tuning, Map.of());
    }

    /** A Kafka Streams application's configuration, {@code exactly_once_v2}. */
    public Map<String, Object> streamsConfig(String applicationId, Map<String, ?> tuning) {
        Map<String, Object> fixed = Map.of("application.id", Objects.requireNonNull(applicationId, "applicationId"),
                "processing.guarantee", "exactly_once_v2");
        return layer(Map.of(), tuning, fixed);
    }

    private Map<String, Object> layer(Map<String, ?> defaults, Map<String, ?> tuning, Map<String, Object> fixed) {
        Map<String, Object> config = new LinkedHashMap<>(defaults);
        config.putAll(tuning);
        config.putAll(properties);
        config.putAll(fixed);
        config.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        return config;
    }

    private static String checkBootstrap(String bootstrapServers) {
        if (bootstrapServers == null || bootstrapServers.isBlank()) {
            throw new KafkaSettingsException(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG,
                    "the Kafka bootstrap servers are missing (host:port[,host:port...])");
        }
        String stripped = bootstrapServers.strip();
        for (String server : stripped.split(",", -1)) {
            Matcher m = SERVER.matcher(server.strip());
            int port = m.matches() ? Integer.parseInt(m.group(2)) : -1;
            if (port < 1 || port > 65535) {
                throw new KafkaSettingsException(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, "bootstrap '"
                        + bootstrapServers + "' is not a list of host:port separated by commas ('" + server.strip()
                        + "' is not host:port with a port of 1-65535)");
            }
        }
        return stripped;
    }

    private static void checkProperty(String name, String value) {
        if (name == null || !PROPERTY_NAME.matcher(name).matches()) {
            throw new KafkaSettingsException(name, "Kafka property '" + name + "' is not a property name");
        }
        if (value == null) {
            throw new KafkaSettingsException(name, "Kafka property " + name + " has no value");
        }
        String unprefixed = name;
        for (String prefix : STREAMS_CLIENT_PREFIXES) {
            if (name.startsWith(prefix)) {
                unprefixed = name.substring(prefix.length());
                break;
            }
        }
        String reason = FIXED.get(unprefixed);
        if (reason != null) {
            throw new KafkaSettingsException(name, "Kafka property " + name + " cannot be passed through: " + reason);
        }
    }
}
