package org.icbd.rcs.replica.config;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.context.annotation.Requires;
import io.micronaut.core.convert.format.MapFormat;
import io.micronaut.core.naming.conventions.StringConvention;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.icbd.rcs.kafka.KafkaClientSettings;

/**
 * Every setting of the replica service, bound from {@code application-replica.yml}, the
 * environment ({@code ICBD_REPLICA_POOL=/srv/icbd}) and the command line's flags, with the
 * defaults below. This class only carries values; {@link #checkConfig()} checks them all at
 * start and refuses to start with a message naming the first bad one. Its beans exist only in the
 * replica's context ({@code @Requires(env = "replica")}): the {@code icbd} jar carries every
 * service's beans.
 *
 * <pre>
 * icbd:
 *   replica:
 *     id: lab-110-a                        # required; a name ([a-z0-9][a-z0-9._-]{0,63})
 *     site: lab-110                        # required; a name
 *     pool: /srv/icbd                      # required; a btrfs mount holding images/ and .incoming/
 *     subscriptions: [ubuntu:3, win11]     # image[:keep]; keep defaults to default-keep
 *     default-keep: 2
 *     heartbeat-interval: 10s
 *     progress-interval: 2s
 *     compression: lz4                     # none | lz4 | zstd: this replica's link; announced, the planner asks for it
 *     resume-max-age: 24h                  # a stream file left in staging younger than this is resumed at start
 *     max-pull-rate: 12500000              # optional; caps this replica's pulls, wire bytes per second (smooth)
 *     kafka:
 *       bootstrap-servers: 127.0.0.1:9092
 *       group-id: icbd-replica-lab-110-a   # defaults to icbd-replica-&lt;id&gt;
 *       ack-timeout: 30s
 *       properties: {security.protocol: SSL}   # passed to every Kafka client (see KafkaClientSettings)
 *     master:
 *       host: master.example               # required
 *       port: 2222
 *       host-key-file: /etc/icbd/master_host_key.pub   # or host-key: "ssh-ed25519 AAAA..."
 *     ssh:
 *       user: icbd
 *       private-key-file: /etc/icbd/replica_ed25519     # required
 *       connect-timeout: 15s
 *       stall-timeout: 60s
 *     retry:
 *       initial-backoff: 1s
 *       max-backoff: 10s                    # transient failures are retried every max-backoff until they pass
 *       max-attempts: 5                     # attempts with a growing delay
 *     post-apply:                          # optional; run after each promotion, once current is switched
 *       command: [/usr/local/sbin/icbd-reload-exports, --quiet]   # absolute path, no shell
 *       timeout: 60s
 *     http:
 *       port: 0                            # /metrics and /health; 0: off, -1: any free port
 *     serve:                               # optional; this replica serves what it holds to its site
 *       enabled: false
 *       host: 0.0.0.0                      # listen address
 *       port: 2222                         # 0: any free port (announced as bound)
 *       advertised-host: cache-a.lab-110   # announced in the registration; default this host's name
 *       host-key-file: /etc/icbd/replica/serve_host_key        # generated at first start, kept
 *       authorized-keys-file: /etc/icbd/replica/authorized_keys # the site's replicas' public keys
 *       user: icbd                         # the one user its downstreams log in as
 *       max-downstreams: 2                 # replicas it feeds at once (announced; the planner honours it)
 *     peers:                               # optional; the site's serving replicas this one trusts
 *       - id: lab-110-b
 *         host: cache-b.lab-110
 *         port: 2222
 *         host-key-file: /etc/icbd/peers/lab-110-b.pub         # or host-key: "ecdsa-sha2-nistp256 AAAA..."
 * </pre>
 */
@Requires(env = ReplicaSettings.ENVIRONMENT)
@ConfigurationProperties(ReplicaSettings.PREFIX)
public class ReplicaSettings {

    /** The Micronaut environment of the replica's context: selects {@code application-replica.yml}. */
    public static final String ENVIRONMENT = "replica";

    public static final String PREFIX = "icbd.replica";

    /** How many of the newest versions a subscription without {@code :keep} holds. */
    public static final int DEFAULT_KEEP = 2;
    /** How often the registration is republished with a new {@code lastSeen}. */
    public static final Duration DEFAULT_HEARTBEAT_INTERVAL = Duration.ofSeconds(10);
    /** How often a transfer in flight is logged and published as {@code ReplicaImageState.transfer}. */
    public static final Duration DEFAULT_PROGRESS_INTERVAL = Duration.ofSeconds(2);
    /** Stream encoding asked of the master when a task does not name one (tasks of schema 1 always do). */
    public static final String DEFAULT_COMPRESSION = "lz4";
    /**
     * At start, a stream file of an unfinished step modified less than this long ago is kept and
     * resumed; older ones (the master has probably evicted the stream by then) are deleted.
     */
    public static final Duration DEFAULT_RESUME_MAX_AGE = Duration.ofHours(24);

    private String id;
    private String site;
    private String pool;
    private List<String> subscriptions = new ArrayList<>();
    private int defaultKeep = DEFAULT_KEEP;
    private Duration heartbeatInterval = DEFAULT_HEARTBEAT_INTERVAL;
    private Duration progressInterval = DEFAULT_PROGRESS_INTERVAL;
    private String compression = DEFAULT_COMPRESSION;
    private Duration resumeMaxAge = DEFAULT_RESUME_MAX_AGE;
    /** Wire bytes per second; null (the default) for no cap. */
    private Long maxPullRate;
    private Kafka kafka = new Kafka();
    private Master master = new Master();
    private Ssh ssh = new Ssh();
    private Retry retry = new Retry();
    private PostApply postApply = new PostApply();
    private Http http = new Http();
    private Serve serve = new Serve();
    /** Each entry: {@code id}, {@code host}, {@code port}, and {@code host-key} or {@code host-key-file}. */
    private List<Map<String, Object>> peers = new ArrayList<>();

    /**
     * Checks every setting, reads the key files and returns the typed configuration.
     *
     * @throws InvalidSettingException naming the first setting that is missing or wrong
     */
    public ReplicaConfig checkConfig() {
        return ReplicaConfig.from(this);
    }

    public String getId() {
        return id;
    }

    public void setId(String id) {
        this.id = id;
    }

    public String getSite() {
        return site;
    }

    public void setSite(String site) {
        this.site = site;
    }

    public String getPool() {
        return pool;
    }

    public void setPool(String pool) {
        this.pool = pool;
    }

    public List<String> getSubscriptions() {
        return subscriptions;
    }

    public void setSubscriptions(List<String> subscriptions) {
        this.subscriptions = subscriptions;
    }

    public int getDefaultKeep() {
        return defaultKeep;
    }

    public void setDefaultKeep(int defaultKeep) {
        this.defaultKeep = defaultKeep;
    }

    public Duration getHeartbeatInterval() {
        return heartbeatInterval;
    }

    public void setHeartbeatInterval(Duration heartbeatInterval) {
        this.heartbeatInterval = heartbeatInterval;
    }

    public Duration getProgressInterval() {
        return progressInterval;
    }

    public void setProgressInterval(Duration progressInterval) {
        this.progressInterval = progressInterval;
    }

    public Duration getResumeMaxAge() {
        return resumeMaxAge;
    }

    public void setResumeMaxAge(Duration resumeMaxAge) {
        this.resumeMaxAge = resumeMaxAge;
    }

    public Long getMaxPullRate() {
        return maxPullRate;
    }

    public void setMaxPullRate(Long maxPullRate) {
        this.maxPullRate = maxPullRate;
    }

    public String getCompression() {
        return compression;
    }

    public void setCompression(String compression) {
        this.compression = compression;
    }

    public Kafka getKafka() {
        return kafka;
    }

    public void setKafka(Kafka kafka) {
        this.kafka = kafka;
    }

    public Master getMaster() {
        return master;
    }

    public void setMaster(Master master) {
        this.master = master;
    }

    public Ssh getSsh() {
        return ssh;
    }

    public void setSsh(Ssh ssh) {
        this.ssh = ssh;
    }

    public Retry getRetry() {
        return retry;
    }

    public void setRetry(Retry retry) {
        this.retry = retry;
    }

    public PostApply getPostApply() {
        return postApply;
    }

    public void setPostApply(PostApply postApply) {
        this.postApply = postApply;
    }

    public Http getHttp() {
        return http;
    }

    public void setHttp(Http http) {
        this.http = http;
    }

    public Serve getServe() {
        return serve;
    }

    public void setServe(Serve serve) {
        this.serve = serve;
    }

    /** The trusted peers, as configured: a list of maps; {@link ReplicaConfig#from} checks each entry. */
    public List<Map<String, Object>> getPeers() {
        return peers;
    }

    public void setPeers(List<Map<String, Object>> peers) {
        this.peers = peers;
    }

    /** {@code icbd.replica.kafka.*}: where the topics are. */
    @Requires(env = ReplicaSettings.ENVIRONMENT)
    @ConfigurationProperties("kafka")
    public static class Kafka {

        public static final String DEFAULT_BOOTSTRAP_SERVERS = KafkaClientSettings.DEFAULT_BOOTSTRAP_SERVERS;
        /** How long a publish may wait for the broker's acknowledgement before it counts as failed. */
        public static final Duration DEFAULT_ACK_TIMEOUT = Duration.ofSeconds(30);

        private String bootstrapServers = DEFAULT_BOOTSTRAP_SERVERS;
        private String groupId;
        private Duration ackTimeout = DEFAULT_ACK_TIMEOUT;
        private Map<String, String> properties = new LinkedHashMap<>();

        public String getBootstrapServers() {
            return bootstrapServers;
        }

        public void setBootstrapServers(String bootstrapServers) {
            this.bootstrapServers = bootstrapServers;
        }

        /** Empty means {@code icbd-replica-<id>}: every replica consumes the task topic in a group of its own. */
        public String getGroupId() {
            return groupId;
        }

        public void setGroupId(String groupId) {
            this.groupId = groupId;
        }

        public Duration getAckTimeout() {
            return ackTimeout;
        }

        public void setAckTimeout(Duration ackTimeout) {
            this.ackTimeout = ackTimeout;
        }

        public Map<String, String> getProperties() {
            return properties;
        }

        public void setProperties(@MapFormat(transformation = MapFormat.MapTransformation.FLAT,
                keyFormat = StringConvention.RAW) Map<String, String> properties) {
            this.properties = properties;
        }
    }

    /** {@code icbd.replica.master.*}: the one master this replica pulls from, and its pinned host key. */
    @Requires(env = ReplicaSettings.ENVIRONMENT)
    @ConfigurationProperties("master")
    public static class Master {

        public static final int DEFAULT_PORT = 2222;

        private String host;
        private int port = DEFAULT_PORT;
        private String hostKey;
        private String hostKeyFile;

        public String getHost() {
            return host;
        }

        public void setHost(String host) {
            this.host = host;
        }

        public int getPort() {
            return port;
        }

        public void setPort(int port) {
            this.port = port;
        }

        /** One line: an OpenSSH public key ({@code ssh-ed25519 AAAA...}) or a known_hosts line. */
        public String getHostKey() {
            return hostKey;
        }

        public void setHostKey(String hostKey) {
            this.hostKey = hostKey;
        }

        /** A file holding an OpenSSH public key, or known_hosts lines (the one matching host and port is used). */
        public String getHostKeyFile() {
            return hostKeyFile;
        }

        public void setHostKeyFile(String hostKeyFile) {
            this.hostKeyFile = hostKeyFile;
        }
    }

    /** {@code icbd.replica.ssh.*}: how the replica authenticates and how long it waits. */
    @Requires(env = ReplicaSettings.ENVIRONMENT)
    @ConfigurationProperties("ssh")
    public static class Ssh {

        public static final String DEFAULT_USER = "icbd";
        /** Connecting, authenticating and opening the exec channel, each. */
        public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(15);
        /**
         * The longest a stream may deliver no byte before the step is abandoned as TRANSIENT. Not
         * counted while the master holds the request in its send queue: it bounds that wait itself.
         */
        public static final Duration DEFAULT_STALL_TIMEOUT = Duration.ofSeconds(60);

        private String user = DEFAULT_USER;
        private String privateKeyFile;
        private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        private Duration stallTimeout = DEFAULT_STALL_TIMEOUT;

        public String getUser() {
            return user;
        }

        public void setUser(String user) {
            this.user = user;
        }

        public String getPrivateKeyFile() {
            return privateKeyFile;
        }

        public void setPrivateKeyFile(String privateKeyFile) {
            this.privateKeyFile = privateKeyFile;
        }

        public Duration getConnectTimeout() {
            return connectTimeout;
        }

        public void setConnectTimeout(Duration connectTimeout) {
            this.connectTimeout = connectTimeout;
        }

        public Duration getStallTimeout() {
            return stallTimeout;
        }

        public void setStallTimeout(Duration stallTimeout) {
            this.stallTimeout = stallTimeout;
        }
    }

    /**
     * {@code icbd.replica.retry.*}: exponential backoff for TRANSIENT failures, capped at
     * {@code max-backoff}; they are retried until they pass (or the service stops).
     */
    @Requires(env = ReplicaSettings.ENVIRONMENT)
    @ConfigurationProperties("retry")
    public static class Retry {

        public static final Duration DEFAULT_INITIAL_BACKOFF = Duration.ofSeconds(1);
        /** A replica catches up within this long of its master (or network) coming back. */
        public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofSeconds(10);
        /** Attempts with a growing delay, the first included; after them, one every max-backoff. */
        public static final int DEFAULT_MAX_ATTEMPTS = 5;

        private Duration initialBackoff = DEFAULT_INITIAL_BACKOFF;
        private Duration maxBackoff = DEFAULT_MAX_BACKOFF;
        private int maxAttempts = DEFAULT_MAX_ATTEMPTS;

        public Duration getInitialBackoff() {
            return initialBackoff;
        }

        public void setInitialBackoff(Duration initialBackoff) {
            this.initialBackoff = initialBackoff;
        }

        public Duration getMaxBackoff() {
            return maxBackoff;
        }

        public void setMaxBackoff(Duration maxBackoff) {
            this.maxBackoff = maxBackoff;
        }

        public int getMaxAttempts() {
            return maxAttempts;
        }

        public void setMaxAttempts(int maxAttempts) {
            this.maxAttempts = maxAttempts;
        }
    }

    /**
     * {@code icbd.replica.post-apply.*}: the hand-off to the boot layer, a command run after each
     * promotion with {@code ICBD_IMAGE}, {@code ICBD_VERSION} and {@code ICBD_PATH} in its environment
     * (e.g. to reload NFS exports). Without a command there is no hook.
     */
    @ConfigurationProperties("post-apply")
    public static class PostApply {

        /** How long the hook may run before it is killed and reported failed. */
        public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

        private List<String> command = new ArrayList<>();
        private Duration timeout = DEFAULT_TIMEOUT;

        /** The executable (an absolute path) and its arguments; empty means no hook. */
        public List<String> getCommand() {
            return command;
        }

        public void setCommand(List<String> command) {
            this.command = command;
        }

        public Duration getTimeout() {
            return timeout;
        }

        public void setTimeout(Duration timeout) {
            this.timeout = timeout;
        }
    }

    /**
     * {@code icbd.replica.http.*}: the replica's own small HTTP endpoint, {@code /metrics} (Prometheus)
     * and {@code /health}. Off unless a port is set, so that a site's replicas never fight for one.
     */
    @Requires(env = ReplicaSettings.ENVIRONMENT)
    @ConfigurationProperties("http")
    public static class Http {

        /** 0: no HTTP endpoint; -1: any free port (logged); otherwise the port on all interfaces. */
        public static final int DEFAULT_PORT = 0;

        private int port = DEFAULT_PORT;

        public int getPort() {
            return port;
        }

        public void setPort(int port) {
            this.port = port;
        }

        /**
         * @return the port to listen on, empty when off
         * @throws InvalidSettingException when it is neither -1, 0 nor a TCP port
         */
        public java.util.OptionalInt checkPort() {
            if (port < -1 || port > 65535) {
                throw new InvalidSettingException(PREFIX + ".http.port", "must be 0 (off), -1 (any free port) or a"
                        + " TCP port up to 65535, got " + port);
            }
            return port == 0 ? java.util.OptionalInt.empty() : java.util.OptionalInt.of(port);
        }
    }

    /**
     * {@code icbd.replica.serve.*}: this replica's own SSH send service, the master's service over
     * the versions this replica holds, for the replicas of its site that trust it. Off by default.
     */
    @Requires(env = ReplicaSettings.ENVIRONMENT)
    @ConfigurationProperties("serve")
    public static class Serve {

        public static final String DEFAULT_HOST = "0.0.0.0";
        public static final int DEFAULT_PORT = 2222;
        public static final String DEFAULT_HOST_KEY_FILE = "/etc/icbd/replica/serve_host_key";
        public static final String DEFAULT_AUTHORIZED_KEYS_FILE = "/etc/icbd/replica/authorized_keys";
        public static final String DEFAULT_USER = "icbd";
        /** Each downstream holds a btrfs send and the replica's pool bandwidth. */
        public static final int DEFAULT_MAX_DOWNSTREAMS = 2;

        private boolean enabled;
        private String host = DEFAULT_HOST;
        private int port = DEFAULT_PORT;
        private String advertisedHost;
        private String hostKeyFile = DEFAULT_HOST_KEY_FILE;
        private String authorizedKeysFile = DEFAULT_AUTHORIZED_KEYS_FILE;
        private String user = DEFAULT_USER;
        private int maxDownstreams = DEFAULT_MAX_DOWNSTREAMS;

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public String getHost() {
            return host;
        }

        public void setHost(String host) {
            this.host = host;
        }

        public int getPort() {
            return port;
        }

        public void setPort(int port) {
            this.port = port;
        }

        /** Empty means the listen host, or this machine's host name when that is a wildcard address. */
        public String getAdvertisedHost() {
            return advertisedHost;
        }

        public void setAdvertisedHost(String advertisedHost) {
            this.advertisedHost = advertisedHost;
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

        public String getUser() {
            return user;
        }

        public void setUser(String user) {
            this.user = user;
        }

        public int getMaxDownstreams() {
            return maxDownstreams;
        }

        public void setMaxDownstreams(int maxDownstreams) {
            this.maxDownstreams = maxDownstreams;
        }
    }
}
