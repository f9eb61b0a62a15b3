package org.icbd.rcs.ops.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.icbd.rcs.kafka.KafkaClientSettings;
import org.icbd.rcs.kafka.KafkaSettingsException;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * How every Kafka-facing subcommand reaches Kafka: {@code --bootstrap}, and pass-through client
 * properties from {@code --kafka-properties FILE} then repeated {@code --kafka-property key=value},
 * which win over the file. The project's fixed client settings ({@code acks},
 * {@code isolation.level}...) are refused with the reason (see {@link KafkaClientSettings}).
 *
 * <p>A one-off command ({@code publish}, {@code status}) is its own client: {@link #clientSettings()}
 * falls back to {@code $ICBD_BOOTSTRAP}, then {@value #DEFAULT_BOOTSTRAP}. A service
 * ({@code master serve}, {@code planner}, {@code replica run}) takes them as its Kafka section's
 * settings ({@link #asSettings}); flags not given leave its other sources in charge.
 */
public final class KafkaOptions {

    public static final String DEFAULT_BOOTSTRAP = KafkaClientSettings.DEFAULT_BOOTSTRAP_SERVERS;
    /** The environment variable a one-off command's bootstrap defaults to. */
    public static final String BOOTSTRAP_ENV = "ICBD_BOOTSTRAP";

    @Spec(Spec.Target.MIXEE)
    CommandSpec mixee;

    @Option(names = "--bootstrap", paramLabel = "HOST:PORT[,...]",
            description = "Kafka bootstrap servers. Without it: $" + BOOTSTRAP_ENV + " or " + DEFAULT_BOOTSTRAP
                    + " for publish and status; a service's own kafka.bootstrap-servers setting.")
    String bootstrap;

    @Option(names = "--kafka-properties", paramLabel = "FILE",
            description = "A Java properties file of Kafka client settings (TLS, SASL...), passed to every Kafka"
                    + " client of the command.")
    Path propertiesFile;

    @Option(names = "--kafka-property", paramLabel = "KEY=VALUE",
            description = "One Kafka client setting, e.g. security.protocol=SSL; repeatable, wins over"
                    + " --kafka-properties.")
    List<String> properties;

    /** The {@code --bootstrap} given, or null. */
    public String bootstrap() {
        return bootstrap;
    }

    /**
     * The settings of a command that is its own Kafka client.
     *
     * @throws CommandLine.ParameterException naming the option at fault
     */
    public KafkaClientSettings clientSettings() {
        String servers = bootstrap;
        if (servers == null) {
            String env = System.getenv(BOOTSTRAP_ENV);
            servers = env == null || env.isBlank() ? DEFAULT_BOOTSTRAP : env;
        }
        try {
            return KafkaClientSettings.layered(servers, propertiesFile, properties);
        } catch (KafkaSettingsException e) {
            throw usage(e);
        }
    }

    /**
     * The options given, as settings of a service's Kafka section: {@code <section>.bootstrap-servers}
     * and one {@code <section>.properties.<key>} per pass-through property.
     *
     * @param section e.g. {@code icbd.replica.kafka}
     * @throws CommandLine.ParameterException naming the option at fault
     */
    public Map<String, Object> asSettings(String section) {
        Map<String, Object> settings = new LinkedHashMap<>();
        try {
            if (bootstrap != null) {
                settings.put(section + ".bootstrap-servers", KafkaClientSettings.of(bootstrap).bootstrapServers());
            }
            Map<String, String> passThrough = new LinkedHashMap<>();
            if (propertiesFile != null) {
                passThrough.putAll(KafkaClientSettings.readPropertiesFile(propertiesFile));
            }
            for (String pair : properties == null ? List.<String>of() : properties) {
                Map.Entry<String, String> entry = KafkaClientSettings.parseProperty(pair);
                passThrough.put(entry.getKey(), entry.getValue());
            }
            // Checked here too, so that a refusal names the option rather than the setting it became.
            new KafkaClientSettings(DEFAULT_BOOTSTRAP, passThrough);
            passThrough.forEach((k, v) -> settings.put(section + ".properties." + k, v));
        } catch (KafkaSettingsException e) {
            throw usage(e);
        }
        return settings;
    }

    private CommandLine.ParameterException usage(KafkaSettingsException e) {
        boolean ofBootstrap = e.property().filter("bootstrap.servers"::equals).isPresent();
        String option = ofBootstrap ? (bootstrap != null ? "--" : "$" + BOOTSTRAP_ENV + ": ")
                : e.property().isPresent() ? "--kafka-property/--kafka-properties: " : "";
        return new CommandLine.ParameterException(mixee.commandLine(), option + e.getMessage(), e, null, "");
    }
}
