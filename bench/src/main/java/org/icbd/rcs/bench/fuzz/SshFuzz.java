package org.icbd.rcs.bench.fuzz;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.keyverifier.RequiredServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.NamedResource;
import org.apache.sshd.common.util.security.SecurityUtils;
import org.icbd.rcs.replica.pull.HostKeyPin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Transfer-request lines sent through real SSH (Apache MINA's client, public-key auth, the host key
 * pinned) to a running master's send service, one exec channel each on one session. The master
 * documents its answers as exit statuses: 0 a complete stream, 2 refused (nothing ran), 3 busy, 4
 * the master failed, 5 an offset refused (past the end, or the stream not stored), else
 * {@code btrfs send}'s own. A line the oracle calls invalid must be refused:
 * status 2 and not a byte of stream. No exit status, a dropped session, or a status outside that
 * list is a crash.
 */
final class SshFuzz implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SshFuzz.class);
    static final String READER = "master SSH send service";
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final Set<Integer> DOCUMENTED = Set.of(0, 1, 2, 3, 4, 5);

    private final SshClient client;
    private final String user;
    private final String host;
    private final int port;
    private final KeyPair identity;
    private ClientSession session;

    SshFuzz(String host, int port, Path hostKeyPin, Path privateKey, String user) throws IOException {
        PublicKey hostKey = HostKeyPin.parse(Files.readString(hostKeyPin), host, port);
        try (InputStream in = Files.newInputStream(privateKey)) {
            identity = SecurityUtils.loadKeyPairIdentities(null, NamedResource.ofName(privateKey.toString()), in, null)
                    .iterator().next();
        } catch (java.security.GeneralSecurityException e) {
            throw new IOException("cannot read the key " + privateKey + ": " + e.getMessage(), e);
        }
        this.host = host;
        this.port = port;
        this.user = user;
        client = SshClient.setUpDefaultClient();
        client.setServerKeyVerifier(new RequiredServerKeyVerifier(hostKey));
        client.start();
    }

    /** Sends {@code count} lines drawn from {@code lines}; tallies them under {@link #READER}. */
    Tally run(RequestLines lines, long count) {
        Tally t = new Tally(READER);
        for (long i = 0; i < count; i++) {
            String line = lines.next();
            while (line.isEmpty()) {
                // SSH cannot carry an empty exec command: the grammar's own fuzz covers that line.
                line = lines.next();
            }
            send(line, t);
        }
        return t;
    }

    private void send(String line, Tally t) {
        t.inputs++;
        // What reaches the master is the line's UTF-8 bytes: judge that, not the Java string. The bytes
        // go as they are: MINA's String overload trims the command, which would hide leading and
        // trailing spaces from the master.
        byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
        String sent = new String(bytes, StandardCharsets.UTF_8);
        Optional<RequestOracle.Expected> expected = RequestOracle.judge(sent);
        CountingStream out = new CountingStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Integer exit;
        try {
            ClientSession s = session();
            try (ChannelExec channel = s.createExecChannel(bytes, null, Map.of())) {
                channel.setOut(out);
                channel.setErr(err);
                channel.open().verify(TIMEOUT);
                channel.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), TIMEOUT);
                exit = channel.getExitStatus();
            }
        } catch (IOException | RuntimeException e) {
            t.crashed(ReaderFuzz.show(sent) + ": the session failed: " + e);
            closeSession();
            return;
        }
        String reason = err.toString(StandardCharsets.UTF_8).strip();
        if (exit == null || !DOCUMENTED.contains(exit)) {
            t.crashed(ReaderFuzz.show(sent) + ": exit status " + exit + " (" + reason + ")");
            return;
        }
        if (exit == 0 || out.count > 0) {
            t.accepted++;
            if (expected.isEmpty()) {
                t.acceptedBad(ReaderFuzz.show(sent) + ": exit " + exit + " after " + out.count + " bytes of stream");
            }
            return;
        }
        t.rejected++;
        if (expected.isEmpty() && exit != 2) {
            t.crashed(ReaderFuzz.show(sent) + ": exit " + exit + " for a bad request, not 2 (" + reason + ")");
        }
    }

    private ClientSession session() throws IOException {
        if (session == null || !session.isOpen()) {
            session = client.connect(user, host, port).verify(TIMEOUT).getSession();
            session.addPublicKeyIdentity(identity);
            session.auth().verify(TIMEOUT);
            LOG.info("fuzz: SSH session to {}:{} as {}", host, port, user);
        }
        return session;
    }

    private void closeSession() {
        if (session != null) {
            session.close(true);
            session = null;
        }
    }

    @Override
    public void close() {
        closeSession();
        client.stop();
    }

    private static final class CountingStream extends OutputStream {
        long count;

        @Override
        public void write(int b) {
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            count += len;
        }
    }
}
