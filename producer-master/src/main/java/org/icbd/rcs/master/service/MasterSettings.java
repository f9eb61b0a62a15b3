package org.icbd.rcs.master.service;

import io.micronaut.context.annotation.Requires;
import io.micronaut.context.annotation.ConfigurationProperties;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.icbd.rcs.master.lifecycle.Retention;
import org.icbd.rcs.master.publish.PublisherSettings;
import org.icbd.rcs.master.ssh.SendServerSettings;

/**
 * The master service's settings, under {@code icbd.master} in {@code application-master.yml}; each
 * one can be overridden the Micronaut way, e.g. {@code ICBD_MASTER_POOL=/srv/icbd} or
 * {@code -Dicbd.master.ssh-port=2022}. {@link #validate()} checks them all at start and names the
 * setting that is wrong.
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
    /** Generated at the first start; replicas pin it, so keep it across reinstalls. */
    public static final String DEFAULT_HOST_KEY_FILE = "/etc/icbd/master/ssh_host_ecdsa_key";
    /** The replicas' public keys, OpenSSH authorized_keys format. */
    public static final String DEFAULT_AUTHORIZED_KEYS_FILE = "/etc/icbd/master/authorized_keys";
    public static final String DEFAULT_KAFKA_BOOTSTRAP_SERVERS = PublisherSettings.DEFAULT_BOOTSTRAP_SERVERS;
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

    private String pool = DEFAULT_POOL;
    private String name = DEFAULT_NAME;
    private String sshHost = DEFAULT_SSH_HOST;
    private int sshPort = DEFAULT_SSH_PORT;
    private String hostKeyFile = DEFAULT_HOST_KEY_FILE;
    private String authorizedKeysFile = DEFAULT_AUTHORIZED_KEYS_FILE;
    private String kafkaBootstrapServers = DEFAULT_KAFKA_BOOTSTRAP_SERVERS;
    private int maxConcurrentSends = DEFAULT_MAX_CONCURRENT_SENDS;
    private Duration sendQueueTimeout = DEFAULT_SEND_QUEUE_TIMEOUT;
    private Duration publishTimeout = DEFAULT_PUBLISH_TIMEOUT;
    private int httpPort = DEFAULT_HTTP_PORT;
    private Duration reconcileInterval = DEFAULT_RECONCILE_INTERVAL;
    /** Null: no retention on the master (nothing is pruned). */
    private Integer keep;
    private Duration offlineLimit = DEFAULT_OFFLINE_LIMIT;
    private Map<String, String> kafka = new HashMap<>();

    /** Checks every setting; throws naming the first one that is wrong. */
    public void validate() {
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
        sendServerSettings();
        publisherSettings();
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
                maxConcurrentSends, sendQueueTimeout);
    }

    public PublisherSettings publisherSettings() {
        return new PublisherSettings(kafkaBootstrapServers, name, publishTimeout, kafka);
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

    /** Extra Kafka client settings ({@code icbd.master.kafka.security.protocol: SSL}...), passed through. */
    public Map<String, String> getKafka() {
        return kafka;
    }

    public void setKafka(Map<String, String> kafka) {
        this.kafka = kafka == null ? new HashMap<>() : new HashMap<>(kafka);
    }
}
