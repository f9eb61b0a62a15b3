package org.icbd.rcs.master.ssh;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.sshd.common.NamedFactory;
import org.apache.sshd.common.channel.Channel;
import org.apache.sshd.common.channel.ChannelListener;
import org.apache.sshd.common.cipher.BuiltinCiphers;
import org.apache.sshd.common.cipher.Cipher;
import org.apache.sshd.common.config.keys.AuthorizedKeyEntry;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.PublicKeyEntryResolver;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.auth.pubkey.PublickeyAuthenticator;
import org.apache.sshd.server.auth.pubkey.UserAuthPublicKeyFactory;
import org.apache.sshd.server.forward.RejectAllForwardingFilter;
import org.apache.sshd.server.keyprovider.SimpleGeneratorHostKeyProvider;
import org.icbd.rcs.codec.StreamCodec;
import org.icbd.rcs.master.repo.ImageRepository;
import org.icbd.rcs.master.repo.SendableVersions;
import org.icbd.rcs.master.stream.StreamStore;
import org.icbd.rcs.rate.Throttle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The master's SSH send service (Apache MINA SSHD). It does one thing: answer a transfer request
 * ({@code icbd-send/1 image=... version=... [parent=...] [compress=lz4|zstd] [offset=...]}) with the
 * step's stored stream, and {@code icbd-stat/1 ...} with its length and SHA-256 ({@link StreamStore}).
 *
 * <ul>
 *   <li>Authentication: the configured user only ({@code icbd} by default), with a public key listed
 *       in an OpenSSH authorized_keys file, nothing else (no password, no keyboard-interactive, no
 *       host-based); the file is re-read when it changes.
 *   <li>No shell, no subsystem (so no SFTP/SCP), no port, agent or X11 forwarding.
 *   <li>A persistent ECDSA P-256 host key, generated at the first start: every OpenSSH client accepts
 *       it, and the JDK implements it without extra providers.
 *   <li>AES-GCM ciphers first: chacha20-poly1305 was measured 2-3x slower in Java.
 * </ul>
 *
 * Startable without Micronaut: {@code SendServer.builder(settings, repository).start()}. The same
 * service serves a replica's received versions to its site ({@link SendableVersions}: whatever pool
 * it is given), named in messages by that service's own settings ({@link SettingNames}).
 */
public final class SendServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SendServer.class);

    public static final String HOST_KEY_ALGORITHM = KeyUtils.EC_ALGORITHM;
    public static final int HOST_KEY_SIZE = 256;

    /** Fastest first (measured in STACK-NOTES); the others only for clients that lack AES-GCM. */
    private static final List<BuiltinCiphers> CIPHERS = List.of(BuiltinCiphers.aes128gcm, BuiltinCiphers.aes256gcm,
            BuiltinCiphers.aes128ctr, BuiltinCiphers.aes192ctr, BuiltinCiphers.aes256ctr,
            BuiltinCiphers.cc20p1305_openssh);

    private final SshServer sshd;
    private final PublicKey hostKey;
    private final SendSlots slots;
    private final ExecutorService executor;
    private final SendServerSettings settings;
    private final StreamStore streams;
    private final Set<Channel> openChannels;

    private SendServer(SshServer sshd, PublicKey hostKey, SendSlots slots, ExecutorService executor,
                       SendServerSettings settings, StreamStore streams, Set<Channel> openChannels) {
        this.sshd = sshd;
        this.hostKey = hostKey;
        this.slots = slots;
        this.executor = executor;
        this.settings = settings;
        this.streams = streams;
        this.openChannels = openChannels;
    }

    /** Starts a server sending with {@code btrfs send} from {@code repository}'s pool. */
    public static SendServer start(SendServerSettings settings, SendableVersions repository) {
        return builder(settings, repository).start();
    }

    public static Builder builder(SendServerSettings settings, SendableVersions repository) {
        return new Builder(settings, repository);
    }

    /** The bound port (the chosen one when the settings said 0). */
    public int port() {
        return sshd.getPort();
    }

    public String host() {
        return settings.host();
    }

    /** The server's public host key, for clients to pin. */
    public PublicKey hostKey() {
        return hostKey;
    }

    /** The host key as an OpenSSH public-key line ({@code ecdsa-sha2-nistp256 AAAA...}), for known_hosts. */
    public String hostKeyEntry() {
        return PublicKeyEntry.toString(hostKey);
    }

    public SendSlots slots() {
        return slots;
    }

    /** The stored streams every request is answered from. */
    public StreamStore streams() {
        return streams;
    }

    /** SSH channels open right now (each carries one transfer request); for the metrics. */
    public int openChannels() {
        return openChannels.size();
    }

    public boolean isRunning() {
        return sshd.isStarted();
    }

    /** Stops listening, drops every connection (killing their btrfs sends) and ends the send threads. */
    @Override
    public void close() {
        try {
            sshd.stop(true);
        } catch (IOException e) {
            log.warn("stopping the SSH send service on port {}: {}", port(), e.toString());
        }
        streams.close();
        executor.shutdownNow();
        try {
            if (!executor.awaitTermination(10, TimeUnit.SECONDS)) {
                log.warn("send threads still running 10 s after the SSH send service stopped");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        log.info("SSH send service on port {} stopped", port());
    }

    /** How a {@link SendServer} is put together; the source and filter are replaceable for tests. */
    public static final class Builder {
        private final SendServerSettings settings;
        private final SendableVersions repository;
        private SendStreamSource source;
        private SettingNames names = SettingNames.MASTER;
        private String hostKeyComment = "icbd-master";
        private SendStreamFilter filter;
        private StreamStore streams;
        private Throttle sendRate;
        private SendObserver observer = SendObserver.NONE;

        /** Told how each request ends (the master's metrics); default nobody. */
        public Builder observer(SendObserver observer) {
            this.observer = Objects.requireNonNull(observer, "observer");
            return this;
        }

        /** The settings messages name ({@code icbd.master.*} by default). */
        public Builder settingNames(SettingNames settingNames) {
            this.names = Objects.requireNonNull(settingNames, "settingNames");
            return this;
        }

        /** The comment of the {@code .pub} line written next to the host key; default {@code icbd-master}. */
        public Builder hostKeyComment(String comment) {
            this.hostKeyComment = Objects.requireNonNull(comment, "comment");
            return this;
        }

        private Builder(SendServerSettings settings, SendableVersions repository) {
            this.settings = Objects.requireNonNull(settings, "settings");
            this.repository = Objects.requireNonNull(repository, "repository");
            this.source = repository.btrfs()::send;
        }

        /** Where send streams come from; default {@code btrfs send}. */
        public Builder source(SendStreamSource source) {
            this.source = Objects.requireNonNull(source, "source");
            return this;
        }

        /** A test hook on the bytes sent to clients; default none. */
        public Builder filter(SendStreamFilter filter) {
            this.filter = filter;
            return this;
        }

        /**
         * The stored streams to answer from (closed with the server); default a store in
         * {@code <pool>/.streams} with {@link StreamStore#defaultBudget} and the default zstd level.
         */
        public Builder streams(StreamStore store) {
            this.streams = Objects.requireNonNull(store, "store");
            return this;
        }

        /** One rate limit shared by every send of this server; default none. */
        public Builder sendRate(Throttle throttle) {
            this.sendRate = throttle;
            return this;
        }

        /**
         * Checks the settings, loads (or generates) the host key and starts listening.
         *
         * @throws IllegalArgumentException naming the setting that is wrong
         * @throws UncheckedIOException if the port cannot be bound
         */
        public SendServer start() {
            int authorizedKeys = checkAuthorizedKeys(settings.authorizedKeysFile(), names);
            SimpleGeneratorHostKeyProvider hostKeys = hostKeyProvider(settings.hostKeyFile(), names);
            PublicKey hostKey = loadHostKey(hostKeys, settings.hostKeyFile(), names, hostKeyComment);
            SendSlots slots = new SendSlots(settings.maxConcurrentSends());
            ExecutorService executor = Executors.newCachedThreadPool(daemonThreads());
            Optional<SendStreamFilter> sendFilter = Optional.ofNullable(filter);
            Optional<Throttle> rate = Optional.ofNullable(sendRate);
            StreamStore store = streams != null ? streams
                    : new StreamStore(repository.pool().resolve(ImageRepository.STREAMS),
                            StreamStore.defaultBudget(repository.pool()), StreamCodec.defaults());

            SshServer sshd = SshServer.setUpDefaultServer();
            sshd.setHost(settings.host());
            sshd.setPort(settings.port());
            sshd.setKeyPairProvider(hostKeys);
            sshd.setUserAuthFactories(List.of(UserAuthPublicKeyFactory.INSTANCE));
            sshd.setPublickeyAuthenticator(onlyUser(settings.user(), names,
                    logging(new AuthorizedKeys(settings.authorizedKeysFile()))));
            sshd.setPasswordAuthenticator(null);
            sshd.setKeyboardInteractiveAuthenticator(null);
            sshd.setGSSAuthenticator(null);
            sshd.setHostBasedAuthenticator(null);
            sshd.setShellFactory(null);
            sshd.setSubsystemFactories(List.of());
            sshd.setForwardingFilter(RejectAllForwardingFilter.INSTANCE);
            List<NamedFactory<Cipher>> ciphers = new ArrayList<>();
            CIPHERS.stream().filter(BuiltinCiphers::isSupported).forEach(ciphers::add);
            sshd.setCipherFactories(ciphers);
            SendObserver sendObserver = observer;
            sshd.setCommandFactory((channel, command) -> new SendCommand(command, repository, source, slots,
                    settings.sendQueueTimeout(), sendFilter, executor, store, rate, sendObserver));
            Set<Channel> open = ConcurrentHashMap.newKeySet();
            sshd.addChannelListener(new ChannelListener() {
                @Override
                public void channelOpenSuccess(Channel channel) {
                    open.add(channel);
                }

                @Override
                public void channelClosed(Channel channel, Throwable reason) {
                    open.remove(channel);
                }
            });
            try {
                sshd.start();
            } catch (IOException e) {
                executor.shutdownNow();
                store.close();
                throw new UncheckedIOException("cannot listen on " + settings.host() + ":" + settings.port()
                        + " (" + names.host() + " / " + names.port() + "): " + e.getMessage(), e);
            }
            log.info("SSH send service listening on {}:{} (host key {} {}, user {} with {} authorized keys in {}, {}"
                    + " concurrent sends, queue timeout {} s, pool {}, streams in {}, send rate {})", settings.host(),
                    sshd.getPort(), KeyUtils.getKeyType(hostKey), KeyUtils.getFingerPrint(hostKey), settings.user(),
                    authorizedKeys,
                    settings.authorizedKeysFile(), settings.maxConcurrentSends(),
                    settings.sendQueueTimeout().toSeconds(), repository.pool(), store.dir(),
                    rate.map(Throttle::toString).orElse("unlimited"));
            return new SendServer(sshd, hostKey, slots, executor, settings, store, open);
        }

        /** Fails fast on a missing, unreadable or unparsable file; returns how many keys it holds. */
        private static int checkAuthorizedKeys(Path file, SettingNames names) {
            if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
                throw new IllegalArgumentException(names.authorizedKeysFile() + " " + file
                        + " does not exist or is not a readable file: list the replicas' public keys there"
                        + " (OpenSSH authorized_keys format)");
            }
            try {
                List<AuthorizedKeyEntry> entries = AuthorizedKeyEntry.readAuthorizedKeys(file);
                List<PublicKey> keys = PublicKeyEntry.resolvePublicKeyEntries(null, entries,
                        PublicKeyEntryResolver.FAILING);
                if (keys.isEmpty()) {
                    log.warn("{} {} lists no key: no replica can connect until one is added (the file is re-read"
                            + " when it changes)", names.authorizedKeysFile(), file);
                }
                return keys.size();
            } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
                throw new IllegalArgumentException(names.authorizedKeysFile() + " " + file
                        + " cannot be read as OpenSSH authorized_keys: " + e.getMessage(), e);
            }
        }

        private static SimpleGeneratorHostKeyProvider hostKeyProvider(Path file, SettingNames names) {
            Path parent = file.toAbsolutePath().getParent();
            try {
                Files.createDirectories(parent);
            } catch (IOException e) {
                throw new IllegalArgumentException(names.hostKeyFile() + " " + file + ": cannot create "
                        + parent + ": " + e, e);
            }
            SimpleGeneratorHostKeyProvider provider = new SimpleGeneratorHostKeyProvider(file);
            provider.setAlgorithm(HOST_KEY_ALGORITHM);
            provider.setKeySize(HOST_KEY_SIZE);
            // Replicas pin this key: an unreadable file must stop the start, never be replaced.
            provider.setOverwriteAllowed(false);
            return provider;
        }

        private static PublicKey loadHostKey(SimpleGeneratorHostKeyProvider provider, Path file, SettingNames names,
                                             String comment) {
            boolean existed = Files.exists(file);
            List<KeyPair> keys;
            try {
                keys = provider.loadKeys(null);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException(names.hostKeyFile() + " " + file + " cannot be read or"
                        + " created: " + e.getMessage(), e);
            }
            if (keys.isEmpty()) {
                throw new IllegalArgumentException(names.hostKeyFile() + " " + file + " holds no key");
            }
            if (!existed) {
                try {
                    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
                } catch (IOException | UnsupportedOperationException e) {
                    log.warn("cannot restrict the permissions of host key {}: {}", file, e.toString());
                }
                log.info("generated host key {}", file);
            }
            PublicKey hostKey = keys.get(0).getPublic();
            writePublicKey(hostKey, file.resolveSibling(file.getFileName() + ".pub"), comment);
            return hostKey;
        }

        /**
         * Keeps {@code <host key file>.pub} (one OpenSSH public key line) next to the host key, so an
         * operator can hand it to the replicas that pin it ({@code --master-host-key-file}).
         */
        private static void writePublicKey(PublicKey hostKey, Path pub, String comment) {
            String line = PublicKeyEntry.toString(hostKey) + " " + comment + "\n";
            try {
                if (!Files.exists(pub) || !Files.readString(pub).equals(line)) {
                    Files.writeString(pub, line);
                    log.info("wrote the host's public key to {} (replicas pin it)", pub);
                }
            } catch (IOException e) {
                log.warn("cannot write the host's public key to {}: {}", pub, e.toString());
            }
        }

        /** Any user but {@code user} is refused before its key is even looked at. */
        private static PublickeyAuthenticator onlyUser(String user, SettingNames names,
                                                       PublickeyAuthenticator delegate) {
            return (username, key, session) -> {
                if (!user.equals(username)) {
                    log.warn("rejected {} key {} for {}@{}: only user {} may log in ({})",
                            KeyUtils.getKeyType(key), KeyUtils.getFingerPrint(key), username,
                            session.getClientAddress(), user, names.user());
                    return false;
                }
                return delegate.authenticate(username, key, session);
            };
        }

        private static PublickeyAuthenticator logging(PublickeyAuthenticator delegate) {
            return (username, key, session) -> {
                boolean accepted = delegate.authenticate(username, key, session);
                if (!accepted) {
                    log.warn("rejected {} key {} for {}@{}: not in the authorized keys", KeyUtils.getKeyType(key),
                            KeyUtils.getFingerPrint(key), username, session.getClientAddress());
                }
                return accepted;
            };
        }

        private static ThreadFactory daemonThreads() {
            AtomicInteger count = new AtomicInteger();
            return runnable -> {
                Thread thread = new Thread(runnable, "icbd-send-" + count.incrementAndGet());
                thread.setDaemon(true);
                return thread;
            };
        }
    }
}
