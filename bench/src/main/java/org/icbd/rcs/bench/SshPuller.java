package org.icbd.rcs.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import org.apache.sshd.client.ClientBuilder;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.config.hosts.HostConfigEntryResolver;
import org.apache.sshd.client.keyverifier.RequiredServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.NamedFactory;
import org.apache.sshd.common.cipher.BuiltinCiphers;
import org.apache.sshd.common.cipher.Cipher;
import org.apache.sshd.common.kex.BuiltinDHFactories;
import org.apache.sshd.common.kex.KexProposalOption;
import org.apache.sshd.common.kex.KeyExchangeFactory;
import org.apache.sshd.common.keyprovider.KeyIdentityProvider;
import org.apache.sshd.core.CoreModuleProperties;
import org.icbd.rcs.transfer.TransferRequest;

/**
 * The bench replica's SSH client of the master's send service, configured as the replica's puller
 * is (public key only, the master's host key pinned, AES-GCM first, one session and one exec
 * channel per step), with knobs the bench varies to find where time goes: the preferred cipher,
 * the preferred key exchange and the channel window.
 */
final class SshPuller implements AutoCloseable {

    static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final int MAX_STDERR_BYTES = 4096;

    private final SshClient client;
    private final String host;
    private final int port;
    private final KeyPair identity;

    /**
     * @param cipher      the cipher to offer first (e.g. {@code aes128-gcm@openssh.com}); the others follow
     * @param windowBytes the channel window this side grants; empty for MINA's default (2 MiB)
     * @param kex         the key exchange to offer first; empty for MINA's default order
     */
    SshPuller(String host, int port, PublicKey hostKey, KeyPair identity, String cipher, Optional<Long> windowBytes,
              Optional<String> kex) {
        this.host = host;
        this.port = port;
        this.identity = identity;
        SshClient c = SshClient.setUpDefaultClient();
        c.setServerKeyVerifier(new RequiredServerKeyVerifier(hostKey));
        c.setHostConfigEntryResolver(HostConfigEntryResolver.EMPTY);
        c.setKeyIdentityProvider(KeyIdentityProvider.EMPTY_KEYS_PROVIDER);
        BuiltinCiphers first = BuiltinCiphers.fromFactoryName(cipher);
        if (first == null || !first.isSupported()) {
            throw new IllegalArgumentException("cipher " + cipher + " is not supported here");
        }
        List<NamedFactory<Cipher>> ciphers = new ArrayList<>(List.of(first));
        for (BuiltinCiphers other : List.of(BuiltinCiphers.aes128gcm, BuiltinCiphers.aes256gcm,
                BuiltinCiphers.aes128ctr, BuiltinCiphers.cc20p1305_openssh)) {
            if (other != first && other.isSupported()) {
                ciphers.add(other);
            }
        }
        c.setCipherFactories(ciphers);
        windowBytes.ifPresent(w -> CoreModuleProperties.WINDOW_SIZE.set(c, w));
        kex.ifPresent(name -> {
            BuiltinDHFactories preferred = BuiltinDHFactories.fromFactoryName(name);
            if (preferred == null || !preferred.isSupported()) {
                throw new IllegalArgumentException("key exchange " + name + " is not supported here");
            }
            List<KeyExchangeFactory> order = new ArrayList<>(List.of(ClientBuilder.DH2KEX.apply(preferred)));
            c.getKeyExchangeFactories().stream().filter(f -> !f.getName().equals(name)).forEach(order::add);
            c.setKeyExchangeFactories(order);
        });
        c.start();
        this.client = c;
    }

    /** Connects, authenticates and opens an exec channel carrying {@code request}. */
    Pull open(TransferRequest request) throws IOException {
        ClientSession session = client.connect("icbd", host, port).verify(TIMEOUT).getSession();
        try {
            session.addPublicKeyIdentity(identity);
            session.auth().verify(TIMEOUT);
            ChannelExec channel = session.createExecChannel(request.print());
            BoundedBytes stderr = new BoundedBytes();
            channel.setErr(stderr);
            channel.open().verify(TIMEOUT);
            return new Pull(session, channel, stderr);
        } catch (IOException | RuntimeException e) {
            session.close(true);
            throw e;
        }
    }

    @Override
    public void close() {
        client.stop();
    }

    /** One open exec channel: its stdout is the stream. */
    static final class Pull implements AutoCloseable {
        private final ClientSession session;
        private final ChannelExec channel;
        private final BoundedBytes stderr;

        private Pull(ClientSession session, ChannelExec channel, BoundedBytes stderr) {
            this.session = session;
            this.channel = channel;
            this.stderr = stderr;
        }

        InputStream stdout() {
            return channel.getInvertedOut();
        }

        /** The master's exit status, once it came (or empty when the channel closed without one). */
        Optional<Integer> awaitExit(Duration timeout) {
            channel.waitFor(EnumSet.of(ClientChannelEvent.EXIT_STATUS, ClientChannelEvent.CLOSED), timeout);
            return Optional.ofNullable(channel.getExitStatus());
        }

        String stderr() {
            return stderr.text();
        }

        String cipher() {
            return String.valueOf(session.getNegotiatedKexParameter(KexProposalOption.S2CENC));
        }

        String kex() {
            return String.valueOf(session.getNegotiatedKexParameter(KexProposalOption.ALGORITHMS));
        }

        @Override
        public void close() {
            channel.close(true);
            session.close(true);
        }
    }

    /** The master's stderr, bounded: it writes one line per failure. */
    private static final class BoundedBytes extends java.io.OutputStream {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        @Override
        public synchronized void write(int b) {
            if (bytes.size() < MAX_STDERR_BYTES) {
                bytes.write(b);
            }
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            bytes.write(b, off, Math.max(0, Math.min(len, MAX_STDERR_BYTES - bytes.size())));
        }

        synchronized String text() {
            return bytes.toString(StandardCharsets.UTF_8).strip();
        }
    }
}
