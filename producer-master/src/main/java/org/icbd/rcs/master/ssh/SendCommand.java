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
import net.jpountz.lz4.LZ4FrameOutputStream;
import org.apache.sshd.server.Environment;
import org.apache.sshd.server.ExitCallback;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.command.Command;
import org.icbd.rcs.command.CommandException;
import org.icbd.rcs.command.CommandFailedException;
import org.icbd.rcs.events.Compression;
import org.icbd.rcs.master.repo.ImageRepository;
import org.icbd.rcs.master.repo.RepositoryException;
import org.icbd.rcs.transfer.TransferRequest;
import org.icbd.rcs.transfer.TransferRequestException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One SSH exec request: parse it as a {@link TransferRequest}, check it against the disk, wait for
 * a send slot, stream {@code btrfs send} to the client and end the channel with the exit status
 * ({@link SendExitStatus}). Runs on a thread of the server's executor, never on an SSH I/O thread.
 *
 * <p>Nothing runs before the request has been parsed and every snapshot it names has been found
 * read-only under that image's {@code versions/}. On any failure stderr carries one line saying
 * why, prefixed with {@code icbd-send: }.
 */
final class SendCommand implements Command {

    private static final Logger log = LoggerFactory.getLogger(SendCommand.class);

    /** Copy buffer: big enough for a GiB-sized stream, small enough for many concurrent sends. */
    static final int COPY_BUFFER_BYTES = 1024 * 1024;
    /** 4 MB LZ4 blocks: measured as fast as 64 KB ones with the same ratio; one block buffered per send. */
    static final LZ4FrameOutputStream.BLOCKSIZE LZ4_BLOCK = LZ4FrameOutputStream.BLOCKSIZE.SIZE_4MB;
    private static final String PREFIX = "icbd-send: ";

    private final String line;
    private final ImageRepository repository;
    private final SendStreamSource source;
    private final SendSlots slots;
    private final Duration queueTimeout;
    private final Optional<SendStreamFilter> filter;
    private final ExecutorService executor;
    private final SendObserver observer;

    private OutputStream out;
    private OutputStream err;
    private ExitCallback exitCallback;
    private volatile ChannelSession channel;
    private volatile Future<?> task;
    private volatile boolean destroyed;

    SendCommand(String line, ImageRepository repository, SendStreamSource source, SendSlots slots,
                Duration queueTimeout, Optional<SendStreamFilter> filter, ExecutorService executor,
                SendObserver observer) {
        this.line = line;
        this.repository = repository;
        this.source = source;
        this.slots = slots;
        this.queueTimeout = queueTimeout;
        this.filter = filter;
        this.executor = executor;
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
            snapshot = repository.resolveForSend(request.image(), request.version());
            parent = request.parent().map(p -> resolveParent(request, p));
        } catch (TransferRequestException | RepositoryException e) {
            log.warn("refused request '{}' from {}: {}", printable(line), client, e.getMessage());
            observer.refused();
            finish(SendExitStatus.REFUSED, "refused: " + e.getMessage());
            return;
        } catch (RuntimeException e) {
            log.error("cannot check request '{}' from {} against the disk", printable(line), client, e);
            finish(SendExitStatus.MASTER_FAILED, "the master cannot check this request: " + e.getMessage());
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
            observer.started(request);
            if (send(request, snapshot, parent, client)) {
                observer.completed(request);
            } else {
                observer.failed(request);
            }
        }
    }

    private Path resolveParent(TransferRequest request, int parentVersion) {
        // The grammar guarantees parent < version; both must be snapshots of this very image.
        return repository.resolveForSend(request.image(), parentVersion);
    }

    /** Streams one send; true iff it ended whole (exit status 0). */
    private boolean send(TransferRequest request, Path snapshot, Optional<Path> parent, String client) {
        long startNanos = System.nanoTime();
        log.info("send {} to {} started: {}{}", request, client, snapshot, parent.map(p -> " from " + p).orElse(""));
        Compression codec = request.compression();
        CountingOutputStream counted = new CountingOutputStream(out, n -> observer.served(codec, n));
        InputStream stream;
        try {
            stream = source.open(snapshot, parent);
        } catch (RuntimeException e) {
            log.error("send {} to {}: cannot start btrfs send: {}", request, client, e.getMessage());
            finish(SendExitStatus.MASTER_FAILED, "cannot start btrfs send: " + e.getMessage());
            return false;
        }
        OutputStream wire = filter.map(f -> f.wrap(counted, new SendStreamFilter.Context(request, client,
                this::closeConnection))).orElse(counted);
        long bytesIn = 0;
        try {
            OutputStream body = request.compression() == Compression.LZ4 ? new LZ4FrameOutputStream(wire, LZ4_BLOCK) : wire;
            byte[] buffer = new byte[COPY_BUFFER_BYTES];
            int n;
            while ((n = stream.read(buffer)) >= 0) {
                body.write(buffer, 0, n);
                bytesIn += n;
            }
            // Only a send that exited 0 is whole: close() waits for btrfs send and throws if it failed.
            stream.close();
            // Closing the body writes the LZ4 end mark, flushes and sends EOF; a failed send never gets an end mark.
            body.close();
        } catch (CommandFailedException e) {
            String reason = lastLine(e.stderrTail());
            log.warn("send {} to {}: btrfs send exited {} after {} bytes: {}", request, client, e.exitCode(), bytesIn,
                    reason);
            closeQuietly(wire);
            finish(e.exitCode() == 0 ? SendExitStatus.MASTER_FAILED : e.exitCode(),
                    "btrfs send failed (exit " + e.exitCode() + "): " + reason);
            return false;
        } catch (CommandException e) {
            log.warn("send {} to {}: btrfs send did not finish: {}", request, client, e.getMessage());
            closeQuietly(wire);
            finish(SendExitStatus.MASTER_FAILED, "btrfs send did not finish: " + e.getMessage());
            return false;
        } catch (IOException | RuntimeException e) {
            // Almost always the client going away (or a test filter cutting the connection).
            log.warn("send {} to {} broken after {} bytes on the wire: {}", request, client, counted.count(),
                    e.toString());
            abandon(stream);
            finish(SendExitStatus.MASTER_FAILED, "stream broken: " + e.getMessage());
            return false;
        }
        long millis = Math.max(1, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos));
        log.info("send {} to {} done: {} bytes from btrfs, {} on the wire in {} ms ({} MB/s)", request, client,
                bytesIn, counted.count(), millis, bytesIn / 1000 / millis);
        finish(SendExitStatus.OK, null);
        return true;
    }

    private void closeConnection() {
        ChannelSession c = channel;
        if (c != null) {
            c.getSession().close(true);
        }
    }

    private static void abandon(InputStream stream) {
        try {
            stream.close();
        } catch (IOException | RuntimeException e) {
            log.debug("closing an abandoned send: {}", e.toString());
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
