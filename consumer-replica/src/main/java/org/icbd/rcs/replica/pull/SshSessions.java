package org.icbd.rcs.replica.pull;

import java.io.IOException;
import java.security.PublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.auth.UserAuthFactory;
import org.apache.sshd.client.auth.pubkey.UserAuthPublicKeyFactory;
import org.apache.sshd.client.config.hosts.HostConfigEntryResolver;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.AttributeRepository;
import org.apache.sshd.common.NamedFactory;
import org.apache.sshd.common.cipher.BuiltinCiphers;
import org.apache.sshd.common.cipher.Cipher;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.keyprovider.KeyIdentityProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replica's SSH sessions, one per source endpoint (host, port, user, pinned host key), kept open
 * between steps: each step and each stat opens a channel on it instead of paying for a connection and
 * a key exchange (MINA's defaults, post-quantum hybrid first) every time.
 *
 * <p>A session with no channel open for {@link #IDLE_CLOSE} is closed. A session found closed is
 * replaced at the next {@link #lease}; one that looks open but fails to open a channel is dropped by
 * the caller ({@link Lease#broken()}) and the channel is tried once on a new session, so a master
 * that restarted costs one failed channel open, never a failed step.
 *
 * <p>Security as before: public-key authentication with the replica's key only (no password, no
 * keyboard-interactive, no keys from {@code ~/.ssh}, no {@code ~/.ssh/config}); each session checks
 * the host key its own endpoint pins (carried in the connection's context), so one client serves
 * several sources with different keys.
 */
public final class SshSessions implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SshSessions.class);

    /** AES-GCM first: two to three times the throughput of chacha20-poly1305 on these machines. */
    static final List<BuiltinCiphers> CIPHERS = List.of(BuiltinCiphers.aes128gcm, BuiltinCiphers.aes256gcm,
            BuiltinCiphers.aes128ctr, BuiltinCiphers.aes256ctr, BuiltinCiphers.cc20p1305_openssh);

    /** How long a session without channels stays open for the next step. */
    public static final Duration IDLE_CLOSE = Duration.ofSeconds(60);

    private static final AttributeRepository.AttributeKey<PublicKey> PINNED = new AttributeRepository.AttributeKey<>();

    private final String replicaId;
    private final SshClient client;
    private final ScheduledExecutorService sweeper;
    private final Map<Key, Pooled> sessions = new HashMap<>();
    private final Duration idleClose;

    public SshSessions(String replicaId) {
        this(replicaId, IDLE_CLOSE);
    }

    SshSessions(String replicaId, Duration idleClose) {
        this.replicaId = Objects.requireNonNull(replicaId, "replicaId");
        this.idleClose = Objects.requireNonNull(idleClose, "idleClose");
        SshClient c = SshClient.setUpDefaultClient();
        c.setServerKeyVerifier((session, remote, key) -> {
            AttributeRepository context = ((ClientSession) session).getConnectionContext();
            PublicKey pinned = context == null ? null : context.getAttribute(PINNED);
            boolean ok = pinned != null && KeyUtils.compareKeys(pinned, key);
            if (!ok) {
                log.warn("replica {}: {} presented host key {} {}, not the pinned {}", replicaId, remote,
                        KeyUtils.getKeyType(key), KeyUtils.getFingerPrint(key),
                        pinned == null ? "(none)" : KeyUtils.getFingerPrint(pinned));
            }
            return ok;
        });
        c.setHostConfigEntryResolver(HostConfigEntryResolver.EMPTY);
        c.setKeyIdentityProvider(KeyIdentityProvider.EMPTY_KEYS_PROVIDER);
        List<UserAuthFactory> auth = new ArrayList<>(List.of(UserAuthPublicKeyFactory.INSTANCE));
        c.setUserAuthFactories(auth);
        List<NamedFactory<Cipher>> ciphers = new ArrayList<>();
        CIPHERS.stream().filter(BuiltinCiphers::isSupported).forEach(ciphers::add);
        c.setCipherFactories(ciphers);
        c.start();
        this.client = c;
        this.sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "replica-ssh-idle-" + replicaId);
            t.setDaemon(true);
            return t;
        });
        long every = Math.max(1, idleClose.toMillis() / 2);
        sweeper.scheduleWithFixedDelay(this::closeIdle, every, every, TimeUnit.MILLISECONDS);
    }

    /**
     * An authenticated session to {@code endpoint} for one channel: the open one, or a new one
     * (connected, host key checked, authenticated, each within the endpoint's connect timeout). The
     * caller ends the lease with {@link Lease#release()} or {@link Lease#broken()}.
     *
     * @throws IOException if the source cannot be reached, presents another host key or rejects this
     *     replica's key
     */
    public Lease lease(MasterEndpoint endpoint) throws IOException {
        Key key = Key.of(endpoint);
        synchronized (sessions) {
            Pooled pooled = sessions.get(key);
            if (pooled != null && usable(pooled.session)) {
                pooled.channels++;
                return new Lease(key, pooled, true);
            }
            if (pooled != null) {
                sessions.remove(key);
                pooled.session.close(true);
            }
        }
        ClientSession session = connect(endpoint);
        synchronized (sessions) {
            Pooled pooled = sessions.get(key);
            if (pooled != null && usable(pooled.session)) {
                // Another step connected meanwhile: one session per endpoint, this one goes.
                session.close(true);
                pooled.channels++;
                return new Lease(key, pooled, true);
            }
            Pooled fresh = new Pooled(session);
            fresh.channels++;
            sessions.put(key, fresh);
            return new Lease(key, fresh, false);
        }
    }

    private ClientSession connect(MasterEndpoint endpoint) throws IOException {
        AttributeRepository context = AttributeRepository.ofKeyValuePair(PINNED, endpoint.hostKey());
        ClientSession session = client.connect(endpoint.user(), endpoint.host(), endpoint.port(), context)
                .verify(endpoint.connectTimeout()).getSession();
        try {
            session.addPublicKeyIdentity(endpoint.identity());
            session.auth().verify(endpoint.connectTimeout());
        } catch (IOException | RuntimeException e) {
            session.close(true);
            throw e;
        }
        log.debug("replica {}: new SSH session to {} ({})", replicaId, endpoint.address(), session.getKex());
        return session;
    }

    private static boolean usable(ClientSession session) {
        return session.isOpen() && !session.isClosing() && session.isAuthenticated();
    }

    /** Sessions open now, for tests and metrics. */
    public int openSessions() {
        synchronized (sessions) {
            return (int) sessions.values().stream().filter(p -> usable(p.session)).count();
        }
    }

    private void closeIdle() {
        long now = System.nanoTime();
        synchronized (sessions) {
            sessions.values().removeIf(p -> {
                boolean idle = p.channels == 0 && now - p.idleSince >= idleClose.toNanos();
                if (idle || !usable(p.session)) {
                    p.session.close(false);
                    return true;
                }
                return false;
            });
        }
    }

    @Override
    public void close() {
        sweeper.shutdownNow();
        synchronized (sessions) {
            sessions.values().forEach(p -> p.session.close(true));
            sessions.clear();
        }
        try {
            client.stop();
        } catch (RuntimeException e) {
            log.warn("replica {}: stopping the SSH client failed: {}", replicaId, e.toString());
        }
    }

    /** One channel's use of a pooled session. */
    public final class Lease {
        private final Key key;
        private final Pooled pooled;
        private final boolean reused;
        private boolean ended;

        private Lease(Key key, Pooled pooled, boolean reused) {
            this.key = key;
            this.pooled = pooled;
            this.reused = reused;
        }

        public ClientSession session() {
            return pooled.session;
        }

        /** Whether the session was open before this lease (so a failure on it may be its age, not the source). */
        public boolean reused() {
            return reused;
        }

        /** The channel is closed; the session stays for the next one. Idempotent. */
        public void release() {
            synchronized (sessions) {
                if (!ended) {
                    ended = true;
                    pooled.channels--;
                    pooled.idleSince = System.nanoTime();
                }
            }
        }

        /** The session failed this channel: it is closed and the next lease opens a new one. Idempotent. */
        public void broken() {
            synchronized (sessions) {
                release();
                sessions.remove(key, pooled);
            }
            pooled.session.close(true);
        }
    }

    private static final class Pooled {
        final ClientSession session;
        int channels;
        long idleSince = System.nanoTime();

        Pooled(ClientSession session) {
            this.session = session;
        }
    }

    /** What makes two endpoints share a session: where, as whom, and which host key they pin. */
    private record Key(String host, int port, String user, String hostKey) {
        static Key of(MasterEndpoint e) {
            return new Key(e.host(), e.port(), e.user(), Base64.getEncoder().encodeToString(e.hostKey().getEncoded()));
        }
    }
}
