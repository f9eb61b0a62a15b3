package org.icbd.rcs.master.ssh;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import org.apache.sshd.server.Environment;
import org.apache.sshd.server.ExitCallback;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.command.Command;
import org.icbd.rcs.command.CommandException;
import org.icbd.rcs.command.CommandFailedException;
import org.icbd.rcs.events.Compression;
import org.icbd.rcs.master.repo.SendableVersions;
import org.icbd.rcs.master.stream.CorruptStreamException;
import org.icbd.rcs.master.stream.StreamKey;
import org.icbd.rcs.master.stream.StreamProductionException;
import org.icbd.rcs.master.stream.StreamRefusedException;
import org.icbd.rcs.master.stream.StreamStore;
import org.icbd.rcs.rate.Throttle;
import org.icbd.rcs.rate.ThrottledOutputStream;
import org.icbd.rcs.master.repo.RepositoryException;
import org.icbd.rcs.transfer.TransferRequest;
import org.icbd.rcs.transfer.TransferRequestException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One SSH exec request: parse it as a {@link TransferRequest}, check it against the disk, wait for
 * a send slot, then answer from the step's stored stream ({@link StreamStore}: produced by
 * {@code btrfs send} at the first request, shared by every later one): {@code icbd-send/1} streams it
 * from its offset (through the master's rate limit, if set), {@code icbd-stat/1} prints its length
 * and SHA-256. Ends the channel with the exit status ({@link SendExitStatus}). Runs on a thread of
 * the server's executor, never on an SSH I/O thread.
 *
 * <p>Nothing runs before the request has been parsed and every snapshot it names has been found
 * read-only under that image's {@code versions/}. On any failure stderr carries one line saying
 * why, prefixed with {@code icbd-send: }.
 */
final class SendCommand implements Command {

    private static final Logger log = LoggerFactory.getLogger(SendCommand.class);

    /** Copy buffer: big enough for a GiB-sized stream, small enough for many concurrent sends. */
    static final int COPY_BUFFER_BYTES = 1024 * 1024;
    private static final String PREFIX = "icbd-send: ";

    private final String line;
    private final SendableVersions repository;
    private final SendStreamSource source;
    private final SendSlots slots;
    private final Duration queueTimeout;
    private final Optional<SendStreamFilter> filter;
    private final ExecutorService executor;
    private final StreamStore store;
    private final Optional<Throttle> throttle;
    private final SendObserver observer;
    /** The send told to the observer as started and not yet as ended; null otherwise. */
    private volatile TransferRequest sending;

    private OutputStream out;
    private OutputStream err;
    private ExitCallback exitCallback;
    private volatile ChannelSession channel;
    private volatile Future<?> task;
    private volatile boolean destroyed;

    SendCommand(String line, SendableVersions repository, SendStreamSource source, SendSlots slots,
                Duration queueTimeout, Optional<SendStreamFilter> filter, ExecutorService executor, StreamStore store,
                Optional<Throttle> throttle, SendObserver observer) {
        this.line = line;
        this.repository = repository;
        this.source = source;
        this.slots = slots;
        this.queueTimeout = queueTimeout;
        this.filter = filter;
        this.executor = executor;
        this.store = store;
        this.throttle = throttle;
        this.observer = observer;
    }

    @Override
    public void setInputStream(InputStream in) {
        // The client sends nothing; what it might send is never read.
    }

    @Override
    public void setOutputStream(OutputStream out) {
        this.out = out;
    }

    @Override
    public void setErrorStream(OutputStream err) {
        this.err = err;
    }

    @Override
    public void setExitCallback(ExitCallback callback) {
        this.exitCallback = callback;
    }

    @Override
    public void start(ChannelSession channel, Environment env) {
        this.channel = channel;
        try {
            task = executor.submit(this::run);
        } catch (RejectedExecutionException e) {
            // The server is closing.
            finish(SendExitStatus.MASTER_FAILED, "the master is shutting down; retry later");
        }
    }

    @Override
    public void destroy(ChannelSession channel) {
        destroyed = true;
        Future<?> running = task;
        if (running != null) {
            // Wakes a request waiting for a slot; a running copy notices on its next write to the closed channel.
            running.cancel(true);
        }
    }

    private String client() {
        ChannelSession c = channel;
        return c == null ? "?" : c.getSession().getUsername() + "@" + c.getSession().getClientAddress();
    }

    private void run() {
        String client = client();
        TransferRequest request;
        Path snapshot;
        Optional<Path> parent;
        try {
            request = TransferRequest.parse(line);
            snapshot = repository.find(request.image(), request.version()).path();
            parent = request.parent().map(p -> resolveParent(request, p));
        } catch (TransferRequestException e) {
            log.warn("refused request '{}' from {}: {}", printable(line), client, e.getMessage());
            observer.refused();
            finish(SendExitStatus.REFUSED, "refused: " + e.getMessage());
            return;
        } catch (RepositoryException e) {
            Optional<String> fault = requestFault(e);
            if (fault.isPresent()) {
                log.warn("refused request '{}' from {}: {}", printable(line), client, e.getMessage());
                observer.refused();
                finish(SendExitStatus.REFUSED, "refused: " + fault.get());
            } else {
                log.error("cannot check request '{}' from {} against the disk: {}", printable(line), client,
                        e.getMessage(), e);
                finish(SendExitStatus.MASTER_FAILED, "the master cannot check this request now; retry later");
            }
            return;
        } catch (RuntimeException e) {
            log.error("cannot check request '{}' from {} against the disk", printable(line), client, e);
            finish(SendExitStatus.MASTER_FAILED, "the master cannot check this request now; retry later");
            return;
        }
        Optional<SendSlots.Slot> slot = slots.tryAcquire();
        if (slot.isEmpty()) {
            int inUse = slots.inUse();
            log.info("request {} from {} waits for a send slot ({} of {} in use)", request, client, inUse, slots.max());
            stderr("waiting for a send slot: " + inUse + " of " + slots.max() + " in use (waiting up to "
                    + queueTimeout.toSeconds() + " s)");
            try {
                slot = slots.acquire(queueTimeout);
            } catch (InterruptedException e) {
                log.info("request {} from {} abandoned while waiting for a send slot", request, client);
                observer.busy();
                finish(SendExitStatus.BUSY, "gave up waiting for a send slot");
                return;
            }
            if (slot.isEmpty()) {
                log.warn("request {} from {} found no send slot within {} s", request, client, queueTimeout.toSeconds());
                observer.busy();
                finish(SendExitStatus.BUSY, "master busy: all " + slots.max() + " send slots stayed in use for "
                        + queueTimeout.toSeconds() + " s; retry later");
                return;
            }
        }
        try (SendSlots.Slot held = slot.get()) {
            if (destroyed) {
                return;
            }
            send(request, snapshot, parent, client);
        }
    }

    /**
     * What the client did wrong, in words that name only the request (image, version): the
     * repository's own message names the pool and how to fix it on the master, which is for the
     * master's log. Empty when the fault is the master's (its pool or disk), not the request's.
     */
    private Optional<String> requestFault(RepositoryException e) {
        return switch (e.reason()) {
            case INVALID_NAME, NO_SUCH_VERSION -> Optional.of(e.getMessage());
            // Only a request that parsed reaches the disk, so its line parses again.
            case NO_SUCH_IMAGE -> Optional.of("image " + TransferRequest.parse(line).image()
                    + " does not exist on this master");
            default -> Optional.empty();
        };
    }

    private Path resolveParent(TransferRequest request, int parentVersion) {
        // The grammar guarantees parent < version; both must be snapshots of this very image.
        return repository.find(request.image(), parentVersion).path();
    }

    private void send(TransferRequest request, Path snapshot, Optional<Path> parent, String client) {
        StreamKey key = StreamKey.of(request);
        StreamStore.Send btrfsSend = () -> source.open(snapshot, parent);
        if (request.verb() == TransferRequest.Verb.STAT) {
            stat(request, key, btrfsSend, client);
            return;
        }
        long startNanos = System.nanoTime();
        log.info("send {} to {} started: {}{}", request, client, snapshot, parent.map(p -> " from " + p).orElse(""));
        // From here every finish() ends this send for the observer: completed with status 0, else failed.
        sending = request;
        observer.started(request);
        Compression codec = request.compression();
        CountingOutputStream counted = new CountingOutputStream(out, n -> observer.served(codec, n));
        OutputStream limited = throttle.<OutputStream>map(t -> new ThrottledOutputStream(counted, t)).orElse(counted);
        OutputStream wire = filter.map(f -> f.wrap(limited, new SendStreamFilter.Context(request, client,
                this::closeConnection))).orElse(limited);
        InputStream stream;
        try {
            stream = store.open(key, request.offset(), btrfsSend);
        } catch (StreamRefusedException e) {
            log.info("send {} to {} refused: {}", request, client, e.getMessage());
            finish(SendExitStatus.STREAM_REFUSED, "refused: " + e.getMessage());
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            finish(SendExitStatus.MASTER_FAILED, "the master is shutting down; retry later");
            return;
        } catch (IOException e) {
            failed(request, client, 0, e);
            return;
        }
        try (InputStream stored = stream) {
            byte[] buffer = new byte[COPY_BUFFER_BYTES];
            int n;
            while ((n = stored.read(buffer)) >= 0) {
                wire.write(buffer, 0, n);
            }
        } catch (StreamProductionException | CorruptStreamException e) {
            closeQuietly(wire);
            failed(request, client, counted.count(), e);
            return;
        } catch (IOException | RuntimeException e) {
            // Almost always the client going away (or a test filter cutting the connection).
            log.warn("send {} to {} broken after {} bytes on the wire: {}", request, client, counted.count(),
                    e.toString());
            finish(SendExitStatus.MASTER_FAILED, "stream broken: " + e.getMessage());
            return;
        }
        try {
            // Flushes and sends EOF; a stream that failed above never gets here.
            wire.close();
        } catch (IOException e) {
            log.warn("send {} to {} broken at its end: {}", request, client, e.toString());
            finish(SendExitStatus.MASTER_FAILED, "stream broken: " + e.getMessage());
            return;
        }
        long millis = Math.max(1, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos));
        log.info("send {} to {} done: {} bytes on the wire from offset {} in {} ms ({} MB/s)", request, client,
                counted.count(), request.offset(), millis, counted.count() / 1000 / millis);
        finish(SendExitStatus.OK, null);
    }

    /** {@code icbd-stat/1}: one line on stdout, {@code length=<n> sha256=<hex>}, producing the stream if needed. */
    private void stat(TransferRequest request, StreamKey key, StreamStore.Send btrfsSend, String client) {
        StreamStore.Stat stat;
        try {
            stat = store.stat(key, btrfsSend);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            finish(SendExitStatus.MASTER_FAILED, "the master is shutting down; retry later");
            return;
        } catch (IOException e) {
            failed(request, client, 0, e);
            return;
        }
        try {
            out.write((stat.line() + "\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            out.close();
        } catch (IOException e) {
            log.warn("stat {} to {} broken: {}", request, client, e.toString());
            finish(SendExitStatus.MASTER_FAILED, "stream broken: " + e.getMessage());
            return;
        }
        log.info("stat {} to {}: {}", request, client, stat.line());
        finish(SendExitStatus.OK, null);
    }

    /** The stream could not be produced or read back: btrfs's own status when btrfs send failed. */
    private void failed(TransferRequest request, String client, long wireBytes, IOException e) {
        Throwable cause = e instanceof StreamProductionException ? e.getCause() : e;
        if (cause instanceof CommandFailedException failed) {
            String reason = lastLine(failed.stderrTail());
            log.warn("send {} to {}: btrfs send exited {} after {} bytes on the wire: {}", request, client,
                    failed.exitCode(), wireBytes, reason);
            finish(failed.exitCode() == 0 ? SendExitStatus.MASTER_FAILED : failed.exitCode(),
                    "btrfs send failed (exit " + failed.exitCode() + "): " + reason);
        } else if (cause instanceof CommandException) {
            log.warn("send {} to {}: btrfs send did not finish: {}", request, client, cause.getMessage());
            finish(SendExitStatus.MASTER_FAILED, "btrfs send did not finish: " + cause.getMessage());
        } else {
            log.warn("send {} to {} failed after {} bytes on the wire: {}", request, client, wireBytes, e.getMessage());
            finish(SendExitStatus.MASTER_FAILED, e.getMessage());
        }
    }

    private void closeConnection() {
        ChannelSession c = channel;
        if (c != null) {
            c.getSession().close(true);
        }
    }

    private void finish(int status, String message) {
        if (message != null) {
            stderr(message);
        }
        try {
            err.flush();
        } catch (IOException e) {
            log.debug("cannot flush stderr to {}: {}", client(), e.toString());
        }
        TransferRequest ended = sending;
        if (ended != null) {
            sending = null;
            if (status == SendExitStatus.OK) {
                observer.completed(ended);
            } else {
                observer.failed(ended);
            }
        }
        exitCallback.onExit(status);
    }

    private void stderr(String message) {
        try {
            err.write((PREFIX + message.replace('\n', ' ') + "\n").getBytes(StandardCharsets.UTF_8));
            err.flush();
        } catch (IOException e) {
            log.debug("cannot write to the stderr of {}: {}", client(), e.toString());
        }
    }

    private static void closeQuietly(OutputStream stream) {
        try {
            stream.flush();
            stream.close();
        } catch (IOException e) {
            log.debug("closing the stream to a client: {}", e.toString());
        }
    }

    private static String lastLine(String text) {
        String trimmed = text == null ? "" : text.strip();
        int nl = trimmed.lastIndexOf('\n');
        String last = nl < 0 ? trimmed : trimmed.substring(nl + 1);
        return last.isEmpty() ? "(no message)" : last;
    }

    /** The request as logged: control characters shown, length bounded. */
    private static String printable(String text) {
        if (text == null) {
            return "";
        }
        String shown = text.length() > 120 ? text.substring(0, 117) + "..." : text;
        StringBuilder b = new StringBuilder(shown.length());
        shown.codePoints().forEach(c -> {
            if (c < 0x20 || c == 0x7f) {
                b.append(String.format("\\x%02x", c));
            } else {
                b.appendCodePoint(c);
            }
        });
        return b.toString();
    }

    /** Counts the bytes that reach the channel, and tells {@code onBytes} of each write. */
    private static final class CountingOutputStream extends OutputStream {
        private final OutputStream delegate;
        private final LongConsumer onBytes;
        private long count;

        CountingOutputStream(OutputStream delegate, LongConsumer onBytes) {
            this.delegate = delegate;
            this.onBytes = onBytes;
        }

        long count() {
            return count;
        }

        @Override
        public void write(int b) throws IOException {
            delegate.write(b);
            count++;
            onBytes.accept(1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            delegate.write(b, off, len);
            count += len;
            onBytes.accept(len);
        }

        @Override
        public void flush() throws IOException {
            delegate.flush();
        }

        @Override
        public void close() throws IOException {
            delegate.close();
        }
    }
}
