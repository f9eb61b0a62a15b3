package org.icbd.rcs.replica.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import org.apache.sshd.common.NamedResource;
import org.apache.sshd.common.util.security.SecurityUtils;
import org.icbd.rcs.events.Compression;
import org.icbd.rcs.events.Fields;
import org.icbd.rcs.events.Sources;
import org.icbd.rcs.events.Subscription;
import org.icbd.rcs.kafka.KafkaClientSettings;
import org.icbd.rcs.kafka.KafkaSettingsException;
import org.icbd.rcs.master.ssh.SendServerSettings;
import org.icbd.rcs.replica.apply.Backoff;
import org.icbd.rcs.replica.handoff.PostApplyCommand;
import org.icbd.rcs.replica.pull.HostKeyPin;
import org.icbd.rcs.replica.pull.MasterEndpoint;
import org.icbd.rcs.replica.pull.TrustedSource;
import org.icbd.rcs.replica.serve.ServeConfig;
import org.icbd.rcs.transfer.Transport;

/**
 * The replica's settings, checked and typed: what {@link ReplicaSettings} holds once every value
 * has been validated, files read and keys parsed. {@link #from} is the one gate: a replica with a
 * bad setting never starts, and the {@link InvalidSettingException} names the setting.
 *
 * @param compression the codec this replica prefers for its link, announced in its registration; the
 *                    planner's tasks for it ask for that codec
 * @param kafka       {@code kafka.bootstrap-servers} and {@code kafka.properties.*}, for every client
 * @param postApply   the command run after each promotion; empty when none is configured
 * @param resumeMaxAge at start, stream files in staging younger than this are kept and resumed
 * @param maxPullRate  the cap of this replica's pulls in wire bytes per second; empty for none
 * @param serve        this replica's own send service; empty when it does not serve
 * @param peers        the serving replicas of its site it trusts as sources, besides the master
 */
public record ReplicaConfig(
        String replicaId,
        String site,
        Path pool,
        List<Subscription> subscriptions,
        Duration heartbeatInterval,
        Duration progressInterval,
        Compression compression,
        KafkaClientSettings kafka,
        String groupId,
        Duration ackTimeout,
        MasterEndpoint master,
        Backoff backoff,
        Optional<PostApplyCommand> postApply,
        Duration resumeMaxAge,
        OptionalLong maxPullRate,
        Optional<ServeConfig> serve,
        List<TrustedSource> peers) {

    public ReplicaConfig {
        subscriptions = List.copyOf(subscriptions);
        postApply = postApply == null ? Optional.empty() : postApply;
        Objects.requireNonNull(resumeMaxAge, "resumeMaxAge");
        Objects.requireNonNull(maxPullRate, "maxPullRate");
        serve = serve == null ? Optional.empty() : serve;
        peers = peers == null ? List.of() : List.copyOf(peers);
    }

    /** The lowest pull cap: below it a step would outlast any stall timeout worth having. */
    public static final long MIN_PULL_RATE = 1024;

    /** The {@code keep} of each subscribed image. */
    public Map<String, Integer> keepByImage() {
        Map<String, Integer> keep = new LinkedHashMap<>();
        subscriptions.forEach(s -> keep.put(s.image(), s.keep()));
        return keep;
    }

    /**
     * Checks every setting and reads the key files.
     *
     * @throws InvalidSettingException naming the first setting that is missing or wrong
     */
    public static ReplicaConfig from(ReplicaSettings s) {
        String p = ReplicaSettings.PREFIX + ".";
        String id = name(s.getId(), p + "id");
        String site = name(s.getSite(), p + "site");
        Path pool = directory(s.getPool(), p + "pool");
        int defaultKeep = s.getDefaultKeep();
        if (defaultKeep < 1) {
            throw new InvalidSettingException(p + "default-keep", "must be at least 1 (the newest version is the"
                    + " next parent), got " + defaultKeep);
        }
        List<Subscription> subscriptions = subscriptions(s.getSubscriptions(), defaultKeep, p + "subscriptions");
        Duration heartbeat = positive(s.getHeartbeatInterval(), p + "heartbeat-interval");
        Duration progress = positive(s.getProgressInterval(), p + "progress-interval");
        Compression compression;
        try {
            compression = Compression.forCode(required(s.getCompression(), p + "compression").strip());
        } catch (IllegalArgumentException e) {
            throw new InvalidSettingException(p + "compression", e.getMessage());
        }

        ReplicaSettings.Kafka k = s.getKafka();
        required(k.getBootstrapServers(), p + "kafka.bootstrap-servers");
        KafkaClientSettings kafka;
        try {
            kafka = KafkaClientSettings.fromSection(p + "kafka", k.getBootstrapServers(), k.getProperties());
        } catch (KafkaSettingsException e) {
            throw new InvalidSettingException(e.setting(p + "kafka"), e.getCause().getMessage(), e);
        }
        String groupId = k.getGroupId() == null || k.getGroupId().isBlank() ? "icbd-replica-" + id : k.getGroupId().strip();
        Duration ackTimeout = positive(k.getAckTimeout(), p + "kafka.ack-timeout");

        ReplicaSettings.Master m = s.getMaster();
        String host = required(m.getHost(), p + "master.host").strip();
        int port = m.getPort();
        if (port < 1 || port > 65535) {
            throw new InvalidSettingException(p + "master.port", "must be 1-65535, got " + port);
        }
        PublicKey hostKey = hostKey(m, host, port, p);
        Transport transport;
        try {
            transport = Transport.forCode(required(m.getTransport(), p + "master.transport"));
        } catch (IllegalArgumentException e) {
            throw new InvalidSettingException(p + "master.transport", e.getMessage());
        }

        ReplicaSettings.Ssh ssh = s.getSsh();
        String user = required(ssh.getUser(), p + "ssh.user").strip();
        KeyPair identity = identity(ssh.getPrivateKeyFile(), p + "ssh.private-key-file");
        Duration connectTimeout = positive(ssh.getConnectTimeout(), p + "ssh.connect-timeout");
        Duration stallTimeout = positive(ssh.getStallTimeout(), p + "ssh.stall-timeout");

        ReplicaSettings.Retry r = s.getRetry();
        Duration initial = positive(r.getInitialBackoff(), p + "retry.initial-backoff");
        Duration max = positive(r.getMaxBackoff(), p + "retry.max-backoff");
        if (max.compareTo(initial) < 0) {
            throw new InvalidSettingException(p + "retry.max-backoff", "must not be shorter than retry.initial-backoff ("
                    + initial + "), got " + max);
        }
        if (r.getMaxAttempts() < 1) {
            throw new InvalidSettingException(p + "retry.max-attempts", "must be at least 1, got " + r.getMaxAttempts());
        }
        Optional<PostApplyCommand> postApply = postApply(s.getPostApply(), p + "post-apply.");
        Duration resumeMaxAge = s.getResumeMaxAge();
        if (resumeMaxAge == null || resumeMaxAge.isNegative()) {
            throw new InvalidSettingException(p + "resume-max-age", "must be a duration of 0 or more (0 resumes"
                    + " nothing after a restart), got " + resumeMaxAge);
        }
        OptionalLong maxPullRate = OptionalLong.empty();
        if (s.getMaxPullRate() != null) {
            long rate = s.getMaxPullRate();
            if (rate < MIN_PULL_RATE) {
                throw new InvalidSettingException(p + "max-pull-rate", "must be at least " + MIN_PULL_RATE
                        + " wire bytes per second (leave it out for no cap), got " + rate);
            }
            maxPullRate = OptionalLong.of(rate);
        }
        Optional<ServeConfig> serve = serve(s.getServe(), p + "serve.");
        List<TrustedSource> peers = peers(s.getPeers(), id, p + "peers", user, identity, connectTimeout,
                stallTimeout);
        return new ReplicaConfig(id, site, pool, subscriptions, heartbeat, progress, compression, kafka, groupId,
                ackTimeout,
                new MasterEndpoint(host, port, user, hostKey, identity, connectTimeout, stallTimeout, transport),
                new Backoff(initial, max, r.getMaxAttempts()), postApply, resumeMaxAge, maxPullRate, serve, peers);
    }

    /** Empty unless {@code serve.enabled}; then every serve setting is checked. */
    static Optional<ServeConfig> serve(ReplicaSettings.Serve v, String p) {
        if (v == null || !v.isEnabled()) {
            return Optional.empty();
        }
        String host = required(v.getHost(), p + "host").strip();
        int port = v.getPort();
        if (port < 0 || port > 65535) {
            throw new InvalidSettingException(p + "port", "must be 0 (any free port) or 1-65535, got " + port);
        }
        String advertised = v.getAdvertisedHost() == null || v.getAdvertisedHost().isBlank()
                ? advertisedDefault(host, p) : v.getAdvertisedHost().strip();
        Path hostKeyFile = Path.of(required(v.getHostKeyFile(), p + "host-key-file").strip());
        Path authorized = Path.of(required(v.getAuthorizedKeysFile(), p + "authorized-keys-file").strip());
        if (!Files.isRegularFile(authorized) || !Files.isReadable(authorized)) {
            throw new InvalidSettingException(p + "authorized-keys-file", authorized + " does not exist or is not a"
                    + " readable file: list the public keys of the site's replicas this one feeds there (OpenSSH"
                    + " authorized_keys format)");
        }
        String user = required(v.getUser(), p + "user").strip();
        if (!SendServerSettings.isUserName(user)) {
            throw new InvalidSettingException(p + "user", "must be a user name like 'icbd' (letters, digits, '.',"
                    + " '_', '-', at most 32), got '" + user + "'");
        }
        if (v.getMaxDownstreams() < 1) {
            throw new InvalidSettingException(p + "max-downstreams", "must be at least 1, got "
                    + v.getMaxDownstreams());
        }
        return Optional.of(new ServeConfig(host, port, advertised, hostKeyFile, authorized, user,
                v.getMaxDownstreams()));
    }

    /** The listen host, unless it is a wildcard: then this machine's name. */
    private static String advertisedDefault(String host, String p) {
        if (!host.equals("0.0.0.0") && !host.equals("::") && !host.equals("[::]")) {
            return host;
        }
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            throw new InvalidSettingException(p + "advertised-host", "is required: serve.host " + host
                    + " is a wildcard and this machine's host name cannot be resolved (" + e.getMessage() + ")", e);
        }
    }

    /**
     * The trusted peers: each entry an id (a name, not this replica's, not {@code master}, once),
     * a host, a port (default 2222) and exactly one of host-key and host-key-file. They are pulled
     * from with this replica's own identity, user and timeouts, as the master is.
     */
    static List<TrustedSource> peers(List<Map<String, Object>> entries, String self, String setting, String user,
                                     KeyPair identity, Duration connectTimeout, Duration stallTimeout) {
        List<TrustedSource> peers = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        List<Map<String, Object>> list = entries == null ? List.of() : entries;
        for (int i = 0; i < list.size(); i++) {
            String at = setting + "[" + i + "]";
            Map<String, String> entry = normalised(list.get(i), at);
            String peerId = name(entry.get("id"), at + ".id");
            if (peerId.equals(Sources.MASTER)) {
                throw new InvalidSettingException(at + ".id", "'" + Sources.MASTER + "' is the master's id: the master"
                        + " is configured under master.*");
            }
            if (peerId.equals(self)) {
                throw new InvalidSettingException(at + ".id", "'" + peerId + "' is this replica's own id: a replica"
                        + " never pulls from itself");
            }
            if (!ids.add(peerId)) {
                throw new InvalidSettingException(at + ".id", "peer " + peerId + " is listed twice");
            }
            String host = required(entry.get("host"), at + ".host").strip();
            int port = ReplicaSettings.Serve.DEFAULT_PORT;
            String portText = entry.get("port");
            if (portText != null && !portText.isBlank()) {
                try {
                    port = Integer.parseInt(portText.strip());
                } catch (NumberFormatException e) {
                    throw new InvalidSettingException(at + ".port", "must be a number 1-65535, got '" + portText + "'");
                }
            }
            if (port < 1 || port > 65535) {
                throw new InvalidSettingException(at + ".port", "must be 1-65535, got " + port);
            }
            PublicKey key = pinnedKey(entry.get("host-key"), entry.get("host-key-file"), host, port, at + ".", "",
                    "a peer's");
            Transport transport = Transport.SSH;
            String transportText = entry.get("transport");
            if (transportText != null && !transportText.isBlank()) {
                try {
                    transport = Transport.forCode(transportText.strip());
                } catch (IllegalArgumentException e) {
                    throw new InvalidSettingException(at + ".transport", e.getMessage());
                }
            }
            peers.add(new TrustedSource(peerId, new MasterEndpoint(host, port, user, key, identity, connectTimeout,
                    stallTimeout, transport)));
        }
        return peers;
    }

    /** The entry with kebab-case keys and text values ({@code hostKeyFile} and {@code host-key-file} alike). */
    private static Map<String, String> normalised(Map<String, Object> entry, String at) {
        if (entry == null) {
            throw new InvalidSettingException(at, "is empty: give id, host, port and host-key or host-key-file");
        }
        Set<String> known = Set.of("id", "host", "port", "host-key", "host-key-file", "transport");
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : entry.entrySet()) {
            String key = e.getKey().replaceAll("([a-z])([A-Z])", "$1-$2").toLowerCase(java.util.Locale.ROOT);
            if (!known.contains(key)) {
                throw new InvalidSettingException(at + "." + e.getKey(), "is not a peer setting (id, host, port,"
                        + " host-key, host-key-file)");
            }
            out.put(key, e.getValue() == null ? null : e.getValue().toString());
        }
        return out;
    }

    /**
     * A source's pinned host key: exactly one of {@code <p><local>host-key} (one line) and
     * {@code <p><local>host-key-file}; {@code whose} names the source in the message ("the master's").
     */
    private static PublicKey pinnedKey(String inlineKey, String keyFile, String host, int port, String p,
                                       String local, String whose) {
        boolean inline = inlineKey != null && !inlineKey.isBlank();
        boolean file = keyFile != null && !keyFile.isBlank();
        if (inline == file) {
            throw new InvalidSettingException(p + local + "host-key-file", "set exactly one of " + local
                    + "host-key-file and " + local + "host-key: " + whose + " host key is pinned, never learned");
        }
        String setting = inline ? p + local + "host-key" : p + local + "host-key-file";
        String text;
        if (inline) {
            text = inlineKey;
        } else {
            Path path = Path.of(keyFile.strip());
            try {
                text = Files.readString(path, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new InvalidSettingException(setting, "cannot read " + path + ": " + e, e);
            }
        }
        try {
            return HostKeyPin.parse(text, host, port);
        } catch (IllegalArgumentException e) {
            throw new InvalidSettingException(setting, e.getMessage(), e);
        }
    }

    /** An empty command is no hook; otherwise its executable must be an absolute path to an executable file. */
    private static Optional<PostApplyCommand> postApply(ReplicaSettings.PostApply a, String p) {
        Duration timeout = positive(a.getTimeout(), p + "timeout");
        List<String> argv = a.getCommand() == null ? List.of() : a.getCommand();
        if (argv.isEmpty()) {
            return Optional.empty();
        }
        String setting = p + "command";
        for (String arg : argv) {
            if (arg == null) {
                throw new InvalidSettingException(setting, "contains a null element");
            }
        }
        Path executable = Path.of(argv.get(0));
        if (!executable.isAbsolute()) {
            throw new InvalidSettingException(setting, "the executable must be an absolute path (no search of PATH,"
                    + " no shell), got '" + argv.get(0) + "'");
        }
        if (!Files.isRegularFile(executable) || !Files.isExecutable(executable)) {
            throw new InvalidSettingException(setting, executable + " is not an executable file");
        }
        return Optional.of(new PostApplyCommand(argv, timeout));
    }

    /** Parses {@code image[:keep]} entries; an image may appear once. */
    static List<Subscription> subscriptions(List<String> entries, int defaultKeep, String setting) {
        List<Subscription> subscriptions = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (String entry : entries == null ? List.<String>of() : entries) {
            String e = entry == null ? "" : entry.strip();
            if (e.isEmpty()) {
                continue;
            }
            int colon = e.indexOf(':');
            String image = colon < 0 ? e : e.substring(0, colon);
            int keep = defaultKeep;
            if (colon >= 0) {
                try {
                    keep = Integer.parseInt(e.substring(colon + 1));
                } catch (NumberFormatException nfe) {
                    throw new InvalidSettingException(setting, "'" + e + "': keep must be a number, as in ubuntu:3");
                }
            }
            try {
                subscriptions.add(new Subscription(image, keep));
            } catch (IllegalArgumentException iae) {
                throw new InvalidSettingException(setting, "'" + e + "': " + iae.getMessage());
            }
            if (!seen.add(image)) {
                throw new InvalidSettingException(setting, "image " + image + " is subscribed twice");
            }
        }
        return subscriptions;
    }

    private static PublicKey hostKey(ReplicaSettings.Master m, String host, int port, String p) {
        return pinnedKey(m.getHostKey(), m.getHostKeyFile(), host, port, p, "master.", "the master's");
    }

    private static KeyPair identity(String file, String setting) {
        Path path = Path.of(required(file, setting).strip());
        if (!Files.isReadable(path)) {
            throw new InvalidSettingException(setting, path + " does not exist or is not readable");
        }
        try (InputStream in = Files.newInputStream(path)) {
            Iterable<KeyPair> keys = SecurityUtils.loadKeyPairIdentities(null, NamedResource.ofName(path.toString()),
                    in, null);
            Iterator<KeyPair> it = keys == null ? null : keys.iterator();
            if (it == null || !it.hasNext()) {
                throw new InvalidSettingException(setting, path + " holds no private key");
            }
            return it.next();
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            if (e instanceof InvalidSettingException ise) {
                throw ise;
            }
            throw new InvalidSettingException(setting, "cannot read a private key from " + path + " (an unencrypted"
                    + " OpenSSH or PEM key is needed): " + e.getMessage(), e);
        }
    }

    private static String required(String value, String setting) {
        if (value == null || value.isBlank()) {
            throw new InvalidSettingException(setting, "is required");
        }
        return value;
    }

    private static String name(String value, String setting) {
        String v = required(value, setting).strip();
        try {
            return Fields.name(v, setting);
        } catch (IllegalArgumentException e) {
            throw new InvalidSettingException(setting, e.getMessage().substring(setting.length()).strip());
        }
    }

    private static Path directory(String value, String setting) {
        Path path = Path.of(required(value, setting).strip()).toAbsolutePath().normalize();
        if (!Files.isDirectory(path)) {
            throw new InvalidSettingException(setting, path + " is not a directory");
        }
        return path;
    }

    private static Duration positive(Duration value, String setting) {
        if (value == null || value.isNegative() || value.isZero()) {
            throw new InvalidSettingException(setting, "must be a positive duration (e.g. 10s), got " + value);
        }
        return value;
    }
}
