package org.icbd.rcs.replica.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.icbd.rcs.btrfs.LoopPool;
import org.icbd.rcs.command.CommandRunner;
import org.icbd.rcs.master.repo.ImageRepository;
import org.icbd.rcs.master.repo.ImageVersion;
import org.icbd.rcs.master.ssh.SendServer;
import org.icbd.rcs.master.ssh.SendServerSettings;
import org.icbd.rcs.master.ssh.SendSlots;
import org.icbd.rcs.master.ssh.SendStreamFilter;

/**
 * A real master for tests: a loop-mounted pool with the master's image repository, and its SSH send
 * service on an ephemeral loopback port, authorising one replica key. The send service's test hook
 * can be switched at any time ({@link #filter}); by default streams pass unchanged. Every {@code btrfs
 * send} the service starts is counted ({@link #btrfsSends()}).
 */
public final class MasterSite implements AutoCloseable {

    private final LoopPool pool;
    private final ImageRepository repository;
    private SendServer server;
    private SendServerSettings settings;
    private final AtomicReference<SendStreamFilter> filter = new AtomicReference<>();
    private final Path authorizedKeys;
    /** {@code btrfs send} runs started by the send service (shared with the builder's source). */
    private AtomicLong sends;

    private MasterSite(LoopPool pool, ImageRepository repository, SendServer server, Path authorizedKeys) {
        this.pool = pool;
        this.repository = repository;
        this.server = server;
        this.authorizedKeys = authorizedKeys;
    }

    /** Starts a master on a new pool of {@code poolBytes} under {@code dir}, authorising {@code replicaKeyLine}. */
    public static MasterSite start(Path dir, long poolBytes, String replicaKeyLine) throws IOException {
        return start(dir, poolBytes, replicaKeyLine, SendServerSettings.DEFAULT_MAX_CONCURRENT_SENDS);
    }

    /** As {@link #start(Path, long, String)}, with at most {@code maxSends} sends at once. */
    public static MasterSite start(Path dir, long poolBytes, String replicaKeyLine, int maxSends) throws IOException {
        return start(dir, poolBytes, replicaKeyLine, maxSends, java.time.Duration.ofSeconds(30));
    }

    /** As {@link #start(Path, long, String, int)}, a {@code transport=tcp} token waiting {@code tcpTokenTimeout}. */
    public static MasterSite start(Path dir, long poolBytes, String replicaKeyLine, int maxSends,
                                   java.time.Duration tcpTokenTimeout) throws IOException {
        Files.createDirectories(dir);
        LoopPool pool = LoopPool.create(dir.resolve("master.img"), dir.resolve("master"), poolBytes);
        try {
            ImageRepository repository = new ImageRepository(pool.mountPoint(), new CommandRunner());
            Path authorized = Files.writeString(dir.resolve("authorized_keys"), replicaKeyLine + "\n");
            SendServerSettings settings = SendServerSettings.defaults(dir.resolve("ssh_host_key"), authorized)
                    .withHost("127.0.0.1").withPort(0).withMaxConcurrentSends(maxSends);
            MasterSite[] site = new MasterSite[1];
            AtomicLong sends = new AtomicLong();
            SendServer server = SendServer.builder(settings, repository)
                    .filter((wire, context) -> {
                        SendStreamFilter f = site[0].filter.get();
                        return f == null ? wire : f.wrap(wire, context);
                    })
                    .source(counting(repository, sends))
                    .tcpTokenTimeout(tcpTokenTimeout)
                    .start();
            site[0] = new MasterSite(pool, repository, server, authorized);
            site[0].settings = settings.withPort(server.port());
            site[0].sends = sends;
            return site[0];
        } catch (IOException | RuntimeException e) {
            pool.close();
            throw e;
        }
    }

    private static org.icbd.rcs.master.ssh.SendStreamSource counting(ImageRepository repository, AtomicLong sends) {
        return (snapshot, parent) -> {
            sends.incrementAndGet();
            return repository.btrfs().send(snapshot, parent);
        };
    }

    /** How many {@code btrfs send} runs the send service started. */
    public long btrfsSends() {
        return sends.get();
    }

    /** TCP connections the send service refused (bad, used or late tokens). */
    public long tcpRefused() {
        return server.tcpRefused();
    }

    /** The port of {@code transport=tcp} streams; empty until the first such request. */
    public java.util.Optional<Integer> tcpPort() {
        return server.tcpPort();
    }

    /** Lets one more replica key in (the master re-reads authorized_keys when it changes). */
    public void authorize(String replicaKeyLine) throws IOException {
        Files.writeString(authorizedKeys, replicaKeyLine + "\n", java.nio.file.StandardOpenOption.APPEND);
    }

    /** Sets the hook every following send goes through; null passes streams unchanged. */
    public void filter(SendStreamFilter f) {
        filter.set(f);
    }

    public Path work(String image) {
        return repository.workDir(image);
    }

    /** Creates the image's work subvolume. */
    public Path init(String image) {
        return repository.init(image);
    }

    /** Snapshots the work subvolume as the next version, as {@code icbd publish} does. */
    public ImageVersion publish(String image) {
        return repository.snapshotNext(image);
    }

    public Path versionDir(String image, int version) {
        return repository.imageDir(image).resolve(ImageRepository.VERSIONS).resolve(Integer.toString(version));
    }

    public int port() {
        return server.port();
    }

    /**
     * Drops the stored streams of {@code image} that involve {@code version}, as eviction would.
     *
     * @return how many were dropped
     */
    public int evictStreams(String image, int version) {
        return server.streams().removeVersion(image, version);
    }

    /** How many streams of {@code image} that involve {@code version} the master holds (complete or in production). */
    public long storedStreams(String image, int version) {
        return server.streams().list().stream()
                .filter(s -> s.image().equals(image) && (s.version() == version
                        || (s.parent() != null && s.parent() == version)))
                .count();
    }

    /** Stops the SSH send service, as a master going down would: connections drop, nothing listens. */
    public synchronized void stopSsh() {
        server.close();
    }

    /** Starts the SSH send service again on the same port with the same host key. */
    public synchronized void startSsh() {
        server = SendServer.builder(settings, repository)
                .filter((wire, context) -> {
                    SendStreamFilter f = filter.get();
                    return f == null ? wire : f.wrap(wire, context);
                })
                .source(counting(repository, sends))
                .start();
    }

    /** The send slots, so that a test can hold them and make the master busy. */
    public SendSlots slots() {
        return server.slots();
    }

    /** The host key as one OpenSSH public-key line, for the replica to pin. */
    public String hostKeyLine() {
        return server.hostKeyEntry();
    }

    @Override
    public void close() {
        try {
            server.close();
        } finally {
            pool.close();
        }
    }

    /** A hook that cuts the connection (as a broken network would) after {@code limit} bytes. */
    public static SendStreamFilter cutAfter(long limit) {
        return (wire, context) -> new OutputStream() {
            private long written;

            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                if (written + len > limit) {
                    int allowed = (int) Math.max(0, limit - written);
                    wire.write(b, off, allowed);
                    wire.flush();
                    written += allowed;
                    context.closeConnection().run();
                    throw new IOException("test hook: connection cut after " + written + " bytes");
                }
                wire.write(b, off, len);
                written += len;
            }

            @Override
            public void flush() throws IOException {
                wire.flush();
            }

            @Override
            public void close() throws IOException {
                wire.close();
            }
        };
    }

    /**
     * A hook that sends {@code limit} bytes, then holds the stream open without sending more until
     * {@code release} opens (or the server stops): a master that hangs.
     */
    public static SendStreamFilter hangAfter(long limit, java.util.concurrent.CountDownLatch release) {
        return (wire, context) -> new OutputStream() {
            private long written;

            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                if (written + len > limit) {
                    int allowed = (int) Math.max(0, limit - written);
                    wire.write(b, off, allowed);
                    wire.flush();
                    written += allowed;
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new java.io.InterruptedIOException("test hook: hanging send interrupted");
                    }
                    throw new IOException("test hook: hung after " + written + " bytes");
                }
                wire.write(b, off, len);
                written += len;
            }

            @Override
            public void flush() throws IOException {
                wire.flush();
            }

            @Override
            public void close() throws IOException {
                wire.close();
            }
        };
    }

    /** A hook that inverts one byte at {@code position} of the stream, and leaves the rest alone. */
    public static SendStreamFilter flipByteAt(long position) {
        return (wire, context) -> new OutputStream() {
            private long written;

            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                if (position >= written && position < written + len) {
                    byte[] copy = java.util.Arrays.copyOfRange(b, off, off + len);
                    copy[(int) (position - written)] ^= (byte) 0xff;
                    wire.write(copy);
                } else {
                    wire.write(b, off, len);
                }
                written += len;
            }

            @Override
            public void flush() throws IOException {
                wire.flush();
            }

            @Override
            public void close() throws IOException {
                wire.close();
            }
        };
    }

    /**
     * A hook that paces the stream to about {@code bytesPerSecond}, so that a test can catch a
     * transfer in the middle. The pause is the master being slow, not the test waiting.
     */
    public static SendStreamFilter throttle(long bytesPerSecond) {
        return (wire, context) -> new OutputStream() {
            private final long start = System.nanoTime();
            private long written;

            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                for (int done = 0; done < len; ) {
                    int n = Math.min(64 * 1024, len - done);
                    wire.write(b, off + done, n);
                    wire.flush();
                    done += n;
                    written += n;
                    long due = start + written * 1_000_000_000L / bytesPerSecond;
                    long ahead = due - System.nanoTime();
                    if (ahead > 0) {
                        try {
                            java.util.concurrent.TimeUnit.NANOSECONDS.sleep(ahead);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            throw new java.io.InterruptedIOException("throttled send interrupted");
                        }
                    }
                }
            }

            @Override
            public void flush() throws IOException {
                wire.flush();
            }

            @Override
            public void close() throws IOException {
                wire.close();
            }
        };
    }
}
