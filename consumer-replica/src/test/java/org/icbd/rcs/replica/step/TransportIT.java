package org.icbd.rcs.replica.step;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.icbd.rcs.btrfs.BtrfsFsCheck;
import org.icbd.rcs.btrfs.BtrfsTool;
import org.icbd.rcs.btrfs.LoopPool;
import org.icbd.rcs.command.CommandRunner;
import org.icbd.rcs.events.Compression;
import org.icbd.rcs.events.ErrorClass;
import org.icbd.rcs.events.TransferStep;
import org.icbd.rcs.master.repo.ImageVersion;
import org.icbd.rcs.replica.disk.ReplicaPool;
import org.icbd.rcs.replica.pull.HostKeyPin;
import org.icbd.rcs.replica.pull.MasterClient;
import org.icbd.rcs.replica.pull.MasterEndpoint;
import org.icbd.rcs.replica.testing.MasterSite;
import org.icbd.rcs.testkit.SshExec;
import org.icbd.rcs.testkit.TestKeys;
import org.icbd.rcs.testkit.Trees;
import org.icbd.rcs.transfer.Transport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * How a step's bytes travel, against the real things (the master's send service on a loop-mounted
 * pool, a replica pool, MINA on both sides): one SSH session per source kept for the steps that follow
 * and replaced when the master restarts; {@code transport=tcp}, whose stream goes over a plain TCP
 * connection opened with a one-time token, applies byte for byte, and a wrong, reused or late token
 * is refused and runs nothing.
 */
@Timeout(300)
class TransportIT {

    private static final String IMAGE = "ubuntu";
    private static final long DISK_BYTES = 16L << 20;
    /** Short, so that the late token is late soon; a step's connection comes in milliseconds. */
    private static final Duration TOKEN_TIMEOUT = Duration.ofSeconds(5);
    private static final Pattern ANSWER = Pattern.compile("tcp port=(\\d+) token=([0-9a-f]{64})");

    @TempDir
    Path tmp;

    private final BtrfsTool btrfs = new BtrfsTool(new CommandRunner());
    private MasterSite master;
    private LoopPool replicaPool;
    private ReplicaPool pool;
    private MasterClient client;
    private PullStepRunner runner;
    private KeyPair key;

    @BeforeEach
    void sites() throws IOException {
        key = TestKeys.generate();
        master = MasterSite.start(tmp.resolve("master"), 384L << 20, TestKeys.publicLine(key), 4, TOKEN_TIMEOUT);
        replicaPool = LoopPool.create(tmp.resolve("replica.img"), tmp.resolve("replica"), 384L << 20);
        pool = ReplicaPool.open("r1", replicaPool.mountPoint(), btrfs, new BtrfsFsCheck(btrfs));
        master.init(IMAGE);
    }

    @AfterEach
    void cleanup() {
        for (AutoCloseable c : new AutoCloseable[] {runner, client, pool, replicaPool, master}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                // Every resource is closed, whatever the others do.
            }
        }
    }

    private void connect(Transport transport) {
        MasterEndpoint endpoint = new MasterEndpoint("127.0.0.1", master.port(), "icbd",
                HostKeyPin.parse(master.hostKeyLine(), "127.0.0.1", master.port()), key, Duration.ofSeconds(10),
                Duration.ofSeconds(20), transport);
        client = new MasterClient("r1", endpoint);
        runner = new PullStepRunner("r1", pool, client, Duration.ofMillis(200), Clock.systemUTC());
    }

    private ImageVersion version1() throws IOException {
        Path work = master.work(IMAGE);
        Trees.writeRandom(work.resolve("disk/template.img"), DISK_BYTES, 7);
        Files.writeString(Files.createDirectories(work.resolve("boot")).resolve("package.cfg"), "kernel=6.1\n");
        return master.publish(IMAGE);
    }

    private ImageVersion version2() throws IOException {
        Path work = master.work(IMAGE);
        Trees.overwriteRandom(work.resolve("disk/template.img"), DISK_BYTES / 4, 1 << 20, 8);
        Files.writeString(work.resolve("boot/package.cfg"), "kernel=6.2\n");
        return master.publish(IMAGE);
    }

    private static StepOrder full(ImageVersion v, Compression c) {
        return new StepOrder(task(), IMAGE, TransferStep.full(v.version(), v.uuid()), c);
    }

    private static StepOrder delta(ImageVersion from, ImageVersion to, Compression c) {
        return new StepOrder(task(), IMAGE, TransferStep.delta(from.version(), from.uuid(), to.version(), to.uuid()), c);
    }

    private static String task() {
        return "t-" + UUID.randomUUID().toString().substring(0, 6);
    }

    private StepResult.Applied applied(StepOrder order) {
        StepResult r = runner.run(order, StepObserver.NONE, new AbortSignal());
        return assertInstanceOf(StepResult.Applied.class, r, r::toString);
    }

    private void assertArrived(ImageVersion v) throws IOException {
        Path received = pool.versionDir(IMAGE, v.version());
        Trees.assertSameTree(master.versionDir(IMAGE, v.version()), received);
        assertEquals(Optional.of(UUID.fromString(v.uuid())), btrfs.show(received).receivedUuid());
    }

    @Test
    void stepsShareOneSshSessionAndARestartedMasterGetsANewOneTransparently() throws IOException {
        ImageVersion v1 = version1();
        connect(Transport.SSH);
        applied(full(v1, Compression.LZ4));
        assertArrived(v1);
        assertEquals(1, client.openSessions(), "the session stays open after the step");

        ImageVersion v2 = version2();
        // The master goes down and comes back: the session the replica kept is dead.
        master.stopSsh();
        master.startSsh();
        applied(delta(v1, v2, Compression.NONE));
        assertArrived(v2);
        assertEquals(1, client.openSessions(), "one session, the new one");
    }

    @Test
    void aTcpStepAppliesByteForByteFullAndDelta() throws IOException {
        ImageVersion v1 = version1();
        ImageVersion v2 = version2();
        connect(Transport.TCP);

        StepResult.Applied first = applied(full(v1, Compression.NONE));
        assertArrived(v1);
        assertTrue(master.tcpPort().isPresent(), "the master listens for tcp transfers once asked");
        assertEquals(first.streamBytes().orElseThrow(), first.wireBytes(),
                "the tcp connection carries the stream's bytes and nothing else");
        StepResult.Applied second = applied(delta(v1, v2, Compression.LZ4));
        assertArrived(v2);
        assertTrue(second.wireBytes() > 0);
        assertEquals(0, master.tcpRefused());
        assertEquals(1, client.openSessions(), "the request and the stat of both steps went over one SSH session");
    }

    @Test
    void corruptionOnTheTcpPathIsCaughtBeforePromotion() throws IOException {
        ImageVersion v1 = version1();
        connect(Transport.TCP);
        master.filter(MasterSite.flipByteAt(DISK_BYTES / 2));

        StepResult r = runner.run(full(v1, Compression.NONE), StepObserver.NONE, new AbortSignal());

        StepResult.Failed failed = assertInstanceOf(StepResult.Failed.class, r, r::toString);
        assertEquals(ErrorClass.CORRUPT, failed.failure().errorClass(), r::toString);
        assertTrue(failed.failure().getMessage().contains("sha256"), failed.failure().getMessage());
        assertFalse(Files.exists(pool.versionDir(IMAGE, v1.version())), "nothing promoted from bad bytes");

        master.filter(null);
        applied(full(v1, Compression.NONE));
        assertArrived(v1);
    }

    @Test
    void aWrongOrReusedTokenIsRefusedAndRunsNothing() throws IOException {
        ImageVersion v1 = version1();
        AtomicLong streamed = new AtomicLong();
        AtomicReference<String> sha = new AtomicReference<>();
        try (SshExec ssh = new SshExec(HostKeyPin.parse(master.hostKeyLine(), "127.0.0.1", master.port()),
                master.port())) {
            SshExec.Result result = ssh.exec(key, "icbd-send/1 image=" + IMAGE + " version=" + v1.version()
                    + " transport=tcp", stdout -> {
                        Matcher answer = answer(stdout);
                        int port = Integer.parseInt(answer.group(1));
                        String token = answer.group(2);

                        String wrong = HexFormat.of().formatHex(new byte[32]);
                        assertEquals(-1, present(port, wrong, null), "a wrong token gets no byte");
                        await().atMost(Duration.ofSeconds(10)).until(() -> master.tcpRefused() == 1);
                        assertEquals(0, master.btrfsSends(), "a wrong token starts no btrfs send");

                        MessageDigest digest = sha256();
                        streamed.set(present(port, token, digest));
                        sha.set(HexFormat.of().formatHex(digest.digest()));

                        assertEquals(-1, present(port, token, null), "a used token gets no byte");
                        await().atMost(Duration.ofSeconds(10)).until(() -> master.tcpRefused() == 2);
                    }, line -> { });
            assertEquals(0, result.exitStatus(), result.stderr());
        }
        assertEquals(1, master.btrfsSends(), "only the right token ran btrfs send, once");
        assertTrue(streamed.get() > DISK_BYTES, "the stream came: " + streamed.get() + " bytes");
        connect(Transport.SSH);
        var stat = client.stat(full(v1, Compression.NONE).request().stat(), Duration.ofSeconds(30));
        assertEquals(stat.length(), streamed.get());
        assertEquals(stat.sha256(), sha.get(), "the bytes on the tcp connection are the stream's");
    }

    @Test
    void aLateTokenIsRefusedAndRunsNothing() throws IOException {
        ImageVersion v1 = version1();
        List<String> stderr = new ArrayList<>();
        AtomicReference<String[]> ticket = new AtomicReference<>();
        SshExec.Result result;
        try (SshExec ssh = new SshExec(HostKeyPin.parse(master.hostKeyLine(), "127.0.0.1", master.port()),
                master.port())) {
            result = ssh.exec(key, "icbd-send/1 image=" + IMAGE + " version=" + v1.version() + " transport=tcp",
                    stdout -> {
                        Matcher answer = answer(stdout);
                        ticket.set(new String[] {answer.group(1), answer.group(2)});
                        // Nothing connects: the request ends once the token expired.
                        stdout.transferTo(OutputStream.nullOutputStream());
                    }, stderr::add);
        }
        assertEquals(4, result.exitStatus(), result.stderr());
        assertTrue(result.stderr().contains("no connection presented the token"), result.stderr());
        assertEquals(-1, present(Integer.parseInt(ticket.get()[0]), ticket.get()[1], null),
                "an expired token gets no byte");
        await().atMost(Duration.ofSeconds(10)).until(() -> master.tcpRefused() == 1);
        assertEquals(0, master.btrfsSends(), "a late token starts no btrfs send");
    }

    private static Matcher answer(InputStream stdout) throws IOException {
        StringBuilder line = new StringBuilder();
        int c;
        while ((c = stdout.read()) >= 0 && c != '\n') {
            line.append((char) c);
        }
        Matcher m = ANSWER.matcher(line);
        assertTrue(m.matches(), "the answer: '" + line + "'");
        return m;
    }

    /** Connects, sends {@code token}, and reads to the end: the bytes read, or -1 when none came. */
    private static long present(int port, String token, MessageDigest digest) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
            s.setSoTimeout(60_000);
            s.getOutputStream().write((token + "\n").getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            InputStream in = s.getInputStream();
            byte[] buffer = new byte[1 << 16];
            long total = 0;
            int n;
            while ((n = in.read(buffer)) >= 0) {
                total += n;
                if (digest != null) {
                    digest.update(buffer, 0, n);
                }
            }
            return total == 0 ? -1 : total;
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
