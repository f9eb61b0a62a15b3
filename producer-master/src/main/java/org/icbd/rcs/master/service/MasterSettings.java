package org.icbd.rcs.master.service;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.context.annotation.Requires;
import io.micronaut.core.convert.format.MapFormat;
import io.micronaut.core.naming.conventions.StringConvention;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.icbd.rcs.codec.StreamCodec;
import org.icbd.rcs.kafka.KafkaClientSettings;
import org.icbd.rcs.kafka.KafkaSettingsException;
import java.util.Optional;
import org.icbd.rcs.master.lifecycle.Retention;
import org.icbd.rcs.master.publish.PublisherSettings;
import org.icbd.rcs.master.stream.StreamStore;
import org.icbd.rcs.master.ssh.SendServerSettings;

/**
 * The master service's settings, under {@code icbd.master} in {@code application-master.yml}; each
 * one can be overridden the Micronaut way, e.g. {@code ICBD_MASTER_POOL=/srv/icbd} or
 * {@code -Dicbd.master.ssh-port=2022}. {@link #checkConfig()} checks them all at start and names the
 * setting that is wrong.
 *
 * <p>Kafka is the same section as every icbd service's: {@code icbd.master.kafka.bootstrap-servers}
 * and {@code icbd.master.kafka.properties.*} (passed through to every client, see
 * {@link KafkaClientSettings}). {@code icbd.master.kafka-bootstrap-servers} is the older name of
 * the bootstrap setting and still works; {@code ICBD_MASTER_KAFKA_BOOTSTRAP_SERVERS} sets both.
 */
// Only in the master's context: other icbd services share the packaged jar.
@Requires(env = MasterApplication.ENVIRONMENT)
@ConfigurationProperties(MasterSettings.PREFIX)
public class MasterSettings {

    public static final String PREFIX = "icbd.master";

    /** The btrfs pool holding {@code images/<image>/work} and {@code versions/<n>}. */
    public static final String DEFAULT_POOL = "/srv/icbd";
    /** The site name written into every published event. */
    public static final String DEFAULT_NAME = PublisherSettings.DEFAULT_MASTER;
    public static final String DEFAULT_SSH_HOST = SendServerSettings.DEFAULT_HOST;
    public static final int DEFAULT_SSH_PORT = SendServerSettings.DEFAULT_PORT;
    /** The one user replicas log in as (their {@code icbd.replica.ssh.user} default). */
    public static final String DEFAULT_SSH_USER = SendServerSettings.DEFAULT_USER;
    /** Generated at the first start; replicas pin it, so keep it across reinstalls. */
    public static final String DEFAULT_HOST_KEY_FILE = "/etc/icbd/master/ssh_host_ecdsa_key";
    /** The replicas' public keys, OpenSSH authorized_keys format. */
    public static final String DEFAULT_AUTHORIZED_KEYS_FILE = "/etc/icbd/master/authorized_keys";
    public static final String DEFAULT_KAFKA_BOOTSTRAP_SERVERS = KafkaClientSettings.DEFAULT_BOOTSTRAP_SERVERS;
    public static final int DEFAULT_MAX_CONCURRENT_SENDS = SendServerSettings.DEFAULT_MAX_CONCURRENT_SENDS;
    public static final Duration DEFAULT_SEND_QUEUE_TIMEOUT = SendServerSettings.DEFAULT_SEND_QUEUE_TIMEOUT;
    public static final Duration DEFAULT_PUBLISH_TIMEOUT = PublisherSettings.DEFAULT_TIMEOUT;
    /** The HTTP admin API's port; {@code micronaut.server.port} follows it. -1 picks a free one. */
    public static final int DEFAULT_HTTP_PORT = 8080;
    /**
     * How often the master reconciles disk and topic (and, with {@code keep}, prunes): short enough
     * that an unacknowledged publish or a snapshot deleted by hand reaches the planner in under a
     * minute, long enough that reading the topics costs next to nothing.
     */
    public static final Duration DEFAULT_RECONCILE_INTERVAL = Duration.ofSeconds(30);
    /** How long a subscribed replica may be OFFLINE and still protect its next parent from retention. */
    public static final Duration DEFAULT_OFFLINE_LIMIT = Retention.DEFAULT_OFFLINE_LIMIT;

    /** The zstd level of {@code compress=zstd} streams; {@link StreamCodec#MIN_ZSTD_LEVEL}-{@link StreamCodec#MAX_ZSTD_LEVEL}. */
    public static final int DEFAULT_ZSTD_LEVEL = StreamCodec.DEFAULT_ZSTD_LEVEL;

    private String pool = DEFAULT_POOL;
    private String name = DEFAULT_NAME;
    private String sshHost = DEFAULT_SSH_HOST;
    private int sshPort = DEFAULT_SSH_PORT;
    /** {@code transport=tcp} streams: 0 for any free port, bound at the first such request. */
    private int tcpPort;
    private String sshUser = DEFAULT_SSH_USER;
    private String hostKeyFile = DEFAULT_HOST_KEY_FILE;
    private String authorizedKeysFile = DEFAULT_AUTHORIZED_KEYS_FILE;
    /** The older name of {@code kafka.bootstrap-servers}; null unless set. */
    private String kafkaBootstrapServers;
    private int maxConcurrentSends = DEFAULT_MAX_CONCURRENT_SENDS;
    private Duration sendQueueTimeout = DEFAULT_SEND_QUEUE_TIMEOUT;
    private Duration publishTimeout = DEFAULT_PUBLISH_TIMEOUT;
    private int httpPort = DEFAULT_HTTP_PORT;
    private Duration reconcileInterval = DEFAULT_RECONCILE_INTERVAL;
    /** Null: no retention on the master (nothing is pruned). */
    private Integer keep;
    private Duration offlineLimit = DEFAULT_OFFLINE_LIMIT;
    /** Null: {@link StreamStore#DEFAULT_BUDGET_FRACTION} of the pool's free space at start. */
    private Long streamBudget;
    private int zstdLevel = DEFAULT_ZSTD_LEVEL;
    /** Null: sends are not rate-limited. */
    private Long maxSendRate;
    private Kafka kafka = new Kafka();

    /** Checks every setting; throws an {@link IllegalArgumentException} naming the first one that is wrong. */
    public void checkConfig() {
        if (pool == null || pool.isBlank()) {
            throw new IllegalArgumentException(PREFIX + ".pool is missing");
        }
        if (!Files.isDirectory(poolPath())) {
            throw new IllegalArgumentException(PREFIX + ".pool " + pool + " does not exist or is not a directory");
        }
        if (httpPort < -1 || httpPort > 65535) {
            throw new IllegalArgumentException(PREFIX + ".http-port " + httpPort
                    + " is out of range 0-65535 (-1 picks a free port)");
        }
        if (tcpPort < 0 || tcpPort > 65535) {
            throw new IllegalArgumentException(PREFIX + ".tcp-port " + tcpPort
                    + " is out of range 0-65535 (0 picks a free port at the first transport=tcp request)");
        }
        if (reconcileInterval == null || reconcileInterval.isNegative() || reconcileInterval.isZero()) {
            throw new IllegalArgumentException(PREFIX + ".reconcile-interval must be a positive duration, was "
                    + reconcileInterval);
        }
        if (keep != null && keep < 1) {
            throw new IllegalArgumentException(PREFIX + ".keep must be at least 1 (the newest version is always"
                    + " kept), was " + keep + "; leave it unset to prune nothing");
        }
        if (offlineLimit == null || offlineLimit.isNegative()) {
            throw new IllegalArgumentException(PREFIX + ".offline-limit must be a duration >= 0, was " + offlineLimit);
        }
        if (streamBudget != null && streamBudget < 1) {
            throw new IllegalArgumentException(PREFIX + ".stream-budget must be at least 1 byte, was " + streamBudget
                    + "; leave it unset for 10% of the pool's free space");
        }
        if (zstdLevel < StreamCodec.MIN_ZSTD_LEVEL || zstdLevel > StreamCodec.MAX_ZSTD_LEVEL) {
            throw new IllegalArgumentException(PREFIX + ".zstd-level " + zstdLevel + " is out of range "
                    + StreamCodec.MIN_ZSTD_LEVEL + "-" + StreamCodec.MAX_ZSTD_LEVEL);
        }
        if (maxSendRate != null && maxSendRate < 1) {
            throw new IllegalArgumentException(PREFIX + ".max-send-rate must be at least 1 byte/s, was " + maxSendRate
                    + "; leave it unset for no limit");
        }
        sendServerSettings();
        publisherSettings();
    }

    /** The stored streams' budget in bytes: the setting, else 10% of the pool's free space now. */
    public long streamBudgetBytes() {
        return streamBudget != null ? streamBudget : StreamStore.defaultBudget(poolPath());
    }

    public StreamCodec streamCodec() {
        return new StreamCodec(zstdLevel);
    }

    /** The limit on all sends together, bytes per second; empty for none. */
    public Optional<Long> maxSendRate() {
        return Optional.ofNullable(maxSendRate);
    }

    public Long getStreamBudget() {
        return streamBudget;
    }

    public void setStreamBudget(Long streamBudget) {
        this.streamBudget = streamBudget;
    }

    public int getZstdLevel() {
        return zstdLevel;
    }

    public void setZstdLevel(int zstdLevel) {
        this.zstdLevel = zstdLevel;
    }

    public Long getMaxSendRate() {
        return maxSendRate;
    }

    public void setMaxSendRate(Long maxSendRate) {
        this.maxSendRate = maxSendRate;
    }

    /**
     * {@code kafka.bootstrap-servers} (or its older name {@code kafka-bootstrap-servers}, or the
     * default) with {@code kafka.properties.*}.
     *
     * @throws IllegalArgumentException naming the setting at fault
     */
    public KafkaClientSettings kafkaClientSettings() {
        boolean olderName = kafka.getBootstrapServers() == null && kafkaBootstrapServers != null;
        try {
            return KafkaClientSettings.fromSection(PREFIX + ".kafka",
                    olderName ? kafkaBootstrapServers : kafka.getBootstrapServers(), kafka.getProperties());
        } catch (KafkaSettingsException e) {
            if (olderName && e.property().filter("bootstrap.servers"::equals).isPresent()) {
                throw new IllegalArgumentException(PREFIX + ".kafka-bootstrap-servers: " + e.getCause().getMessage(),
                        e);
            }
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    public Path poolPath() {
        return Path.of(pool).toAbsolutePath().normalize();
    }

    public SendServerSettings sendServerSettings() {
        if (hostKeyFile == null || hostKeyFile.isBlank()) {
            throw new IllegalArgumentException(PREFIX + ".host-key-file is missing");
        }
        if (authorizedKeysFile == null || authorizedKeysFile.isBlank()) {
            throw new IllegalArgumentException(PREFIX + ".authorized-keys-file is missing");
        }
        return new SendServerSettings(sshHost, sshPort, Path.of(hostKeyFile), Path.of(authorizedKeysFile),
                maxConcurrentSends, sendQueueTimeout, sshUser);
    }

    public PublisherSettings publisherSettings() {
        return new PublisherSettings(kafkaClientSettings(), name, publishTimeout);
    }

    public String getPool() {
        return pool;
    }

    public void setPool(String pool) {
        this.pool = pool;
    }

    public String getName() {
        return name;
    }

    public void setName(String name) {
        this.name = name;
    }

    public String getSshHost() {
        return sshHost;
    }

    public void setSshHost(String sshHost) {
        this.sshHost = sshHost;
    }

    public int getSshPort() {
        return sshPort;
    }

    public void setSshPort(int sshPort) {
        this.sshPort = sshPort;
    }

    /** Where {@code transport=tcp} streams go out (on the SSH address); 0, the default, for any free port. */
    public int getTcpPort() {
        return tcpPort;
    }

    public void setTcpPort(int tcpPort) {
        this.tcpPort = tcpPort;
    }

    public String getSshUser() {
        return sshUser;
    }

    public void setSshUser(String sshUser) {
        this.sshUser = sshUser;
    }

    public String getHostKeyFile() {
        return hostKeyFile;
    }

    public void setHostKeyFile(String hostKeyFile) {
        this.hostKeyFile = hostKeyFile;
    }

    public String getAuthorizedKeysFile() {
        return authorizedKeysFile;
    }

    public void setAuthorizedKeysFile(String authorizedKeysFile) {
        this.authorizedKeysFile = authorizedKeysFile;
    }

    public String getKafkaBootstrapServers() {
        return kafkaBootstrapServers;
    }

    public void setKafkaBootstrapServers(String kafkaBootstrapServers) {
        this.kafkaBootstrapServers = kafkaBootstrapServers;
    }

    public int getMaxConcurrentSends() {
        return maxConcurrentSends;
    }

    public void setMaxConcurrentSends(int maxConcurrentSends) {
        this.maxConcurrentSends = maxConcurrentSends;
    }

    public Duration getSendQueueTimeout() {
        return sendQueueTimeout;
    }

    public void setSendQueueTimeout(Duration sendQueueTimeout) {
        this.sendQueueTimeout = sendQueueTimeout;
    }

    public Duration getPublishTimeout() {
        return publishTimeout;
    }

    public void setPublishTimeout(Duration publishTimeout) {
        this.publishTimeout = publishTimeout;
    }

    public int getHttpPort() {
        return httpPort;
    }

    public void setHttpPort(int httpPort) {
        this.httpPort = httpPort;
    }

    public Duration getReconcileInterval() {
        return reconcileInterval;
    }

    public void setReconcileInterval(Duration reconcileInterval) {
        this.reconcileInterval = reconcileInterval;
    }

    /** How many of each image's newest versions retention keeps; empty: no pruning. */
    public Optional<Integer> keep() {
        return Optional.ofNullable(keep);
    }

    public Integer getKeep() {
        return keep;
    }

    public void setKeep(Integer keep) {
        this.keep = keep;
    }

    public Duration getOfflineLimit() {
        return offlineLimit;
    }

    public void setOfflineLimit(Duration offlineLimit) {
        this.offlineLimit = offlineLimit;
    }

    /** {@code icbd.master.kafka.*}: where the topics are. */
    public Kafka getKafka() {
        return kafka;
    }

    public void setKafka(Kafka kafka) {
        this.kafka = kafka == null ? new Kafka() : kafka;
    }

    /** {@code icbd.master.kafka.*}: the cluster and the pass-through client properties (TLS, SASL...). */
    @Requires(env = MasterApplication.ENVIRONMENT)
    @ConfigurationProperties("kafka")
    public static class Kafka {

        /** Null means the older {@code kafka-bootstrap-servers}, else {@link #DEFAULT_KAFKA_BOOTSTRAP_SERVERS}. */
        private String bootstrapServers;
        private Map<String, String> properties = new LinkedHashMap<>();

        public String getBootstrapServers() {
            return bootstrapServers;
        }

        public void setBootstrapServers(String bootstrapServers) {
            this.bootstrapServers = bootstrapServers;
        }

        /** Passed to every Kafka client as is, by Kafka's names: {@code security.protocol: SSL}. */
        public Map<String, String> getProperties() {
            return properties;
        }

        public void setProperties(@MapFormat(transformation = MapFormat.MapTransformation.FLAT,
                keyFormat = StringConvention.RAW) Map<String, String> properties) {
            this.properties = properties == null ? new LinkedHashMap<>() : properties;
        }
    }
}
