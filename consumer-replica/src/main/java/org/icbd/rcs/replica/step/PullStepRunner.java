package org.icbd.rcs.replica.step;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.icbd.rcs.btrfs.ReceivedSubvolume;
import org.icbd.rcs.events.ErrorClass;
import org.icbd.rcs.events.HeldVersion;
import org.icbd.rcs.events.TransferStep;
import org.icbd.rcs.replica.disk.ReplicaPool;
import org.icbd.rcs.codec.StreamCodec;
import org.icbd.rcs.command.CommandRunner;
import org.icbd.rcs.rate.Throttle;
import org.icbd.rcs.replica.pull.MasterClient;
import org.icbd.rcs.replica.pull.TrustedSources;
import org.icbd.rcs.replica.pull.MasterExitStatus;
import org.icbd.rcs.replica.pull.StatRefusedException;
import org.icbd.rcs.replica.pull.StreamStat;
import org.icbd.rcs.replica.stage.StagedStream;
import org.icbd.rcs.replica.pull.SendChannel;
import org.icbd.rcs.replica.pull.StreamOutcome;
import org.icbd.rcs.transfer.TransferRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pulls one step from its source (the master, or a trusted peer the step names: {@link
 * TrustedSources}) into a replica's pool: checks that the parent is held, opens an
 * exec channel with {@link MasterClient}, receives the stream into staging with {@link ReplicaPool},
 * drains the rest of it (an LZ4 frame's end mark and checksum), awaits the master's verdict,
 * verifies the received subvolume (read-only, received uuid = the step's uuid), and promotes it.
 * The replica service and the bench both run steps through this class.
 *
 * <p>Invariants: nothing reaches {@code versions/} unverified; staging is empty after a failed
 * step; a {@code versions/<n>} that exists is never overwritten. While a stream is in flight the
 * observer is told of it every progress interval, and a stream that delivers nothing for the stall
 * timeout is abandoned.
 *
 * <p>Steps of one pool run one at a time ({@link ReplicaPool} stages one receive per image); {@link
 * AbortSignal#raise()} may be called from any thread.
 */
public final class PullStepRunner implements StepRunner, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PullStepRunner.class);

    private final String replicaId;
    private final ReplicaPool pool;
    private final TrustedSources sources;
    private final Duration progressInterval;
    private final Clock clock;
    private final ScheduledExecutorService timer;
    private final ExecutorService statExecutor;
    private final Optional<Throttle> cap;

    /**
     * @param progressInterval how often the observer is told of a transfer in flight
     * @param clock            the instants the observer is given
     */
    public PullStepRunner(String replicaId, ReplicaPool pool, MasterClient master, Duration progressInterval,
                          Clock clock) {
        this(replicaId, pool, master, progressInterval, clock, Optional.empty());
    }

    /**
     * @param cap paces every pull in wire bytes per second (the replica's bandwidth limit); empty for none
     */
    public PullStepRunner(String replicaId, ReplicaPool pool, MasterClient master, Duration progressInterval,
                          Clock clock, Optional<Throttle> cap) {
        this(replicaId, pool, TrustedSources.masterOnly(replicaId, Objects.requireNonNull(master, "master")),
                progressInterval, clock, cap);
    }

    /**
     * @param sources the master and the trusted peers; each step is pulled from the one it names, or from
     *                the master when it names none or one not in the list. Not closed by this runner.
     */
    public PullStepRunner(String replicaId, ReplicaPool pool, TrustedSources sources, Duration progressInterval,
                          Clock clock, Optional<Throttle> cap) {
        this.cap = Objects.requireNonNull(cap, "cap");
        this.replicaId = Objects.requireNonNull(replicaId, "replicaId");
        this.pool = Objects.requireNonNull(pool, "pool");
        this.sources = Objects.requireNonNull(sources, "sources");
        this.progressInterval = Objects.requireNonNull(progressInterval, "progressInterval");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (progressInterval.isNegative() || progressInterval.isZero()) {
            throw new IllegalArgumentException("progressInterval must be positive, got " + progressInterval);
        }
        // Two threads: an observer blocked (on Kafka, say) must not delay the stall check.
        this.timer = Executors.newScheduledThreadPool(2, r -> {
            Thread t = new Thread(r, "replica-transfer-" + replicaId);
            t.setDaemon(true);
            return t;
        });
        this.statExecutor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "replica-stat-" + replicaId);
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public StepResult run(StepOrder order, StepObserver observer, AbortSignal abort) {
        Objects.requireNonNull(order, "order");
        Objects.requireNonNull(observer, "observer");
        Objects.requireNonNull(abort, "abort");
        long start = System.nanoTime();
        Attempt attempt = new Attempt(order, start);
        try {
            return attempt.run(observer, abort);
        } catch (StepFailure failure) {
            // The stream file, when kept, is the next attempt's to resume; the attempt deleted it otherwise.
            cleanStaging(order.image(), Optional.of(pool.streamFile(order.image(), order.step().version(),
                    order.step().parentVersion(), order.compression())));
            return new StepResult.Failed(failure, attempt.wireBytes, Duration.ofNanos(System.nanoTime() - start),
                    attempt.source.id());
        }
    }

    /** One run of one step, and what it moved so far. */
    private final class Attempt {

        private final StepOrder order;
        private final TrustedSources.Source source;
        private final MasterClient master;
        private final String what;
        private final long start;
        private long wireBytes;

        Attempt(StepOrder order, long start) {
            this.order = order;
            this.start = start;
            this.source = sources.forStep(order.step());
            this.master = source.client();
            this.what = "pulling " + order.describe() + " from " + (source.isMaster() ? "" : "peer " + source.id()
                    + " at ") + master.endpoint().address() + " for task " + order.taskId();
        }

        StepResult run(StepObserver observer, AbortSignal abort) throws StepFailure {
            String image = order.image();
            TransferStep step = order.step();
            checkPreconditions(image, step);
            TransferRequest request = order.request();
            if (abort.isRaised()) {
                // Not even connected: the same failure as a stream abandoned at its first byte.
                throw FailureClassifier.classify(what, new StreamOutcome(0, Optional.empty(), "", false, true, false,
                        Optional.empty())).orElseThrow();
            }
            Path file = pool.streamFile(image, step.version(), step.parentVersion(), order.compression());
            pool.prepareStaging(image, Optional.of(file));
            StagedStream staged = openStaged(file);
            boolean keepFile = false;
            try {
                Transfer transfer = transfer(staged, request, observer, abort);
                if (transfer.refusedOffset() && staged.length() > 0) {
                    log.info("replica {} image {} version {} task {}: the master refused offset {} ({}); the stream"
                            + " file is discarded and the step starts again from byte 0", replicaId, image,
                            step.version(), order.taskId(), staged.length(), transfer.outcome().masterReason());
                    discard(staged);
                    pool.prepareStaging(image, Optional.of(file));
                    staged = openStaged(file);
                    transfer = transfer(staged, request, observer, abort);
                }
                Optional<StepFailure> wireFailure = FailureClassifier.classify(what, transfer.outcome());
                if (wireFailure.isPresent()) {
                    // A cut, a stall, a stop or a busy master: the bytes held are the master's so far
                    // (checked against its SHA-256 at the end), kept for the next attempt to resume.
                    keepFile = wireFailure.get().isTransient();
                    throw withPoolSpace(wireFailure.get());
                }
                StreamStat stat = masterStat(transfer, request);
                String sha = staged.sha256();
                if (stat.length() != staged.length() || !stat.sha256().equals(sha)) {
                    throw new StepFailure(ErrorClass.CORRUPT, what + ": the stream that arrived (" + staged.length()
                            + " bytes, sha256 " + sha + ") is not the master's (" + stat + "); it was discarded,"
                            + " nothing was promoted from it, and the step is retried from byte 0");
                }
                if (transfer.receiveError().isPresent()) {
                    // The bytes are the master's, so btrfs rejected the stream itself (or the disk is full).
                    throw withPoolSpace(FailureClassifier.classify(what, transfer.outcome().withReceiveError(
                            transfer.receiveError())).orElseThrow());
                }
                long transferred = System.nanoTime();
                HeldVersion promoted = verifyAndPromote(image, step, transfer.received());
                long end = System.nanoTime();
                return new StepResult.Applied(promoted, wireBytes, OptionalLong.of(transfer.streamBytes()),
                        new StepTimings(Duration.ofNanos(transfer.connectedAt() - start),
                                Duration.ofNanos(transferred - transfer.connectedAt()),
                                Duration.ofNanos(end - transferred)), source.id());
            } finally {
                finishStaged(staged, keepFile);
            }
        }

        private void discard(StagedStream staged) throws StepFailure {
            try {
                staged.delete();
            } catch (IOException e) {
                throw new StepFailure(ErrorClass.PERMANENT, what + ": the stream file " + staged.file()
                        + " cannot be deleted (" + e.getMessage() + "); check the replica's pool", e);
            }
        }

        private StagedStream openStaged(Path file) throws StepFailure {
            try {
                return StagedStream.open(file);
            } catch (IOException e) {
                throw new StepFailure(ErrorClass.PERMANENT, what + " cannot start: the stream file " + file
                        + " cannot be opened (" + e.getMessage() + "); check the replica's pool", e);
            }
        }

        /** After the step: the stream file stays only for a retry to resume; otherwise it goes. */
        private void finishStaged(StagedStream staged, boolean keep) {
            try {
                if (keep) {
                    staged.force();
                    staged.close();
                    log.info("replica {} image {} version {} task {}: kept {} bytes of the stream in {} to resume from",
                            replicaId, order.image(), order.step().version(), order.taskId(), staged.length(),
                            staged.file());
                } else {
                    staged.delete();
                }
            } catch (IOException e) {
                log.warn("replica {} image {}: closing or deleting {} failed: {}; staging is cleaned before the next"
                        + " receive and at start", replicaId, order.image(), staged.file(), e.toString());
            }
        }

        /**
         * One download of the rest of the stream into {@code staged}, with btrfs receive reading the file
         * from its first byte while it grows, and the master's stat asked for alongside.
         */
        private Transfer transfer(StagedStream staged, TransferRequest request, StepObserver observer,
                                  AbortSignal abort) throws StepFailure {
            String image = order.image();
            TransferStep step = order.step();
            long offset = staged.length();
            TransferRequest send = request.withOffset(offset);
            SendChannel channel;
            try {
                channel = master.open(send);
            } catch (IOException | RuntimeException e) {
                throw FailureClassifier.classifyConnect(what, e);
            }
            long connected = System.nanoTime();
            Instant startedAt = clock.instant();
            // The stat answers at once for a stored stream (so the total is known while it moves), and once
            // the master has produced it otherwise; it is compared with the file before promotion. It is
            // asked once the first bytes came: before, it could make the master produce a stream anew and
            // so accept an offset that it refuses for a stream no longer stored.
            CompletableFuture<StreamStat> stat = new CompletableFuture<>();
            Runnable askStat = () -> CompletableFuture.runAsync(() -> {
                try {
                    stat.complete(master.stat(request.stat(), statTimeout(master)));
                } catch (IOException | RuntimeException e) {
                    stat.completeExceptionally(e);
                }
            }, statExecutor);
            ReceivedSubvolume received = null;
            Throwable receiveError = null;
            long streamBytes = 0;
            StreamOutcome outcome;
            try (channel; AbortSignal.Registration onAbort = abort.whenRaised(channel::abort)) {
                log.info("replica {} image {} version {} task {}: receiving `{}` from {} ({}) into {}{}", replicaId,
                        image, step.version(), order.taskId(), send.print(), source.id(),
                        master.endpoint().address(), pool.stagingDir(image),
                        offset > 0 ? " (resuming after " + offset + " bytes held in " + staged.file() + ")" : "");
                Download download = new Download(channel, staged, askStat);
                Thread downloader = new Thread(download, "replica-download-" + replicaId + "-" + image);
                downloader.setDaemon(true);
                tell(observer, channel, staged, stat, startedAt);
                try (Ticker progress = new Ticker(timer, progressInterval,
                        () -> tell(observer, channel, staged, stat, startedAt));
                     Ticker stallCheck = new Ticker(timer, SendChannel.STALL_CHECK, () -> {
                         if (channel.checkStall()) {
                             log.warn("replica {} image {} version {} task {}: no data from the master for {}; the"
                                     + " channel is abandoned", replicaId, image, step.version(), order.taskId(),
                                     master.endpoint().stallTimeout());
                         }
                     })) {
                    downloader.start();
                    try (Counting streamIn = new Counting(StreamCodec.decoder(order.compression(), staged.follow()))) {
                        try {
                            received = pool.receiveStaged(image, streamIn);
                            // btrfs receive -e stops at the end command; the rest (a codec's end mark and
                            // checksum) must still be read and checked.
                            streamIn.transferTo(OutputStream.nullOutputStream());
                        } finally {
                            streamBytes = streamIn.count;
                        }
                    } catch (IOException | RuntimeException e) {
                        receiveError = e;
                    }
                    outcome = download.await();
                }
                wireBytes += outcome.wireBytes();
            }
            if (receiveError != null && received == null) {
                // btrfs already deleted its partial subvolume; anything else of it goes, the file stays.
                pool.cleanStaging(image, Optional.of(staged.file()));
            }
            return new Transfer(outcome, received, Optional.ofNullable(receiveError), streamBytes, connected, stat);
        }

        /**
         * The master's length and SHA-256 of the stream: the answer to the stat asked alongside the
         * download when it came, else asked now (the master has produced the stream by now).
         */
        private StreamStat masterStat(Transfer transfer, TransferRequest request) throws StepFailure {
            StreamStat early = transfer.stat().getNow(null);
            if (early != null) {
                return early;
            }
            try {
                return master.stat(request.stat(), statTimeout(master));
            } catch (StatRefusedException e) {
                throw new StepFailure(MasterExitStatus.classify(e.status()), what + ": asking the master for the"
                        + " stream's length and SHA-256 failed: " + e.getMessage(), e);
            } catch (IOException | RuntimeException e) {
                StepFailure f = FailureClassifier.classifyConnect(what + ": asking the master for the stream's"
                        + " length and SHA-256", e);
                throw f;
            }
        }

        /**
         * A full pool's failure names the pool and its free bytes (measured with the partial receive
         * and the stream file still staged: the pool as it filled up); any other failure as it is.
         * Either the download (writing the stream file) or btrfs receive may be the one that hit it.
         */
        private StepFailure withPoolSpace(StepFailure failure) {
            if (!FailureClassifier.isDiskFull(failure.getCause()) && !FailureClassifier.isDiskFull(failure)) {
                return failure;
            }
            return new StepFailure(failure.errorClass(), failure.getMessage() + " (pool " + pool.root() + ": "
                    + freeBytes() + " bytes free)", failure.getCause());
        }

        /** The pool's usable bytes now, or -1 when the filesystem cannot say. */
        private long freeBytes() {
            try {
                return java.nio.file.Files.getFileStore(pool.root()).getUsableSpace();
            } catch (IOException e) {
                return -1;
            }
        }

        /** The parent must be held with the step's parent uuid; the version must not be. */
        private void checkPreconditions(String image, TransferStep step) throws StepFailure {
            List<HeldVersion> held = pool.held(image);
            if (step.parentVersion().isPresent()) {
                int parent = step.parentVersion().get();
                String parentUuid = step.parentUuid().orElseThrow();
                boolean present = held.stream()
                        .anyMatch(h -> h.version() == parent && h.receivedUuid().equals(parentUuid));
                if (!present) {
                    throw new StepFailure(ErrorClass.PERMANENT, what + " cannot start: its parent, version " + parent
                            + " with received uuid " + parentUuid + ", is not in " + pool.versionsDir(image)
                            + " (held: " + held + "); the planner must send a full step or another parent");
                }
            }
            Optional<HeldVersion> existing = held.stream().filter(h -> h.version() == step.version()).findFirst();
            if (existing.isPresent()) {
                throw new StepFailure(ErrorClass.PERMANENT, what + " cannot start: "
                        + pool.versionDir(image, step.version()) + " already exists with received uuid "
                        + existing.get().receivedUuid() + " and is never overwritten; remove it by hand if it is wrong");
            }
        }

        private HeldVersion verifyAndPromote(String image, TransferStep step, ReceivedSubvolume received)
                throws StepFailure {
            Optional<String> receivedUuid = received.info().receivedUuid().map(UUID::toString);
            if (!received.info().readOnly() || !receivedUuid.equals(Optional.of(step.uuid()))) {
                throw new StepFailure(ErrorClass.PERMANENT, what + ": verification failed: " + received.path()
                        + " is " + (received.info().readOnly() ? "read-only" : "read-write") + " with received uuid "
                        + receivedUuid.orElse("none") + ", expected read-only with " + step.uuid()
                        + "; it was deleted and nothing was promoted; check the master's version " + step.version());
            }
            try {
                return pool.promote(image, step.version(), received);
            } catch (RuntimeException e) {
                throw new StepFailure(ErrorClass.PERMANENT, what + ": promoting " + received.path() + " to "
                        + pool.versionDir(image, step.version()) + " failed: " + e.getMessage(), e);
            }
        }

        private void tell(StepObserver observer, SendChannel channel, StagedStream staged,
                          CompletableFuture<StreamStat> stat, Instant startedAt) {
            try {
                StreamStat known = stat.isCompletedExceptionally() ? null : stat.getNow(null);
                observer.transferring(new StepProgress(order, channel.wireBytes(), staged.length(),
                        known == null ? OptionalLong.empty() : OptionalLong.of(known.length()), startedAt,
                        clock.instant()));
            } catch (RuntimeException e) {
                log.warn("replica {} image {} version {} task {}: reporting progress failed: {}", replicaId,
                        order.image(), order.step().version(), order.taskId(), e.toString());
            }
        }
    }

    /** How long a stat may take: the master answers at once for a stored stream. */
    private static Duration statTimeout(MasterClient master) {
        Duration stall = master.endpoint().stallTimeout();
        Duration connect = master.endpoint().connectTimeout();
        return stall.compareTo(connect) > 0 ? stall : connect;
    }

    /**
     * One download and the receive that followed it.
     *
     * @param outcome      the wire as the download saw it (its error: reading the channel or writing the file)
     * @param received     the subvolume btrfs received; null when the receive failed
     * @param receiveError btrfs receive's or the decoder's failure
     * @param streamBytes  the decoded stream bytes btrfs read
     * @param connectedAt  {@link System#nanoTime()} when the channel opened
     * @param stat         the master's stat, asked alongside
     */
    private record Transfer(StreamOutcome outcome, ReceivedSubvolume received, Optional<Throwable> receiveError,
                            long streamBytes, long connectedAt, CompletableFuture<StreamStat> stat) {

        boolean refusedOffset() {
            return outcome.masterExit().equals(Optional.of(MasterExitStatus.STREAM_REFUSED));
        }
    }

    /** Copies the channel's stream into the stream file, paced by the replica's cap, then takes the verdict. */
    private final class Download implements Runnable {

        private final SendChannel channel;
        private final StagedStream staged;
        private final CompletableFuture<StreamOutcome> outcome = new CompletableFuture<>();

        private final Runnable onFirstBytes;
        private boolean started;

        /** @param onFirstBytes run once, when the first bytes arrived */
        Download(SendChannel channel, StagedStream staged, Runnable onFirstBytes) {
            this.channel = channel;
            this.staged = staged;
            this.onFirstBytes = onFirstBytes;
        }

        @Override
        public void run() {
            IOException error = null;
            try {
                InputStream wire = channel.wire();
                byte[] buffer = new byte[CommandRunner.COPY_BUFFER_BYTES];
                int n;
                while ((n = wire.read(buffer)) >= 0) {
                    if (n > 0) {
                        staged.append(buffer, 0, n);
                        if (!started) {
                            started = true;
                            onFirstBytes.run();
                        }
                        if (cap.isPresent()) {
                            cap.get().acquire(n);
                        }
                    }
                }
            } catch (IOException e) {
                error = e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                error = new java.io.InterruptedIOException("the download was interrupted");
            } catch (RuntimeException e) {
                error = new IOException(e.toString(), e);
            }
            StreamOutcome o;
            try {
                o = channel.finish(Optional.ofNullable(error));
            } catch (RuntimeException e) {
                o = new StreamOutcome(channel.wireBytes(), Optional.empty(), channel.masterReason(), channel.stalled(),
                        channel.aborted(), !channel.aborted(), Optional.of(error != null ? error : e));
            }
            Optional<Integer> exit = o.masterExit();
            if (error == null && exit.equals(Optional.of(MasterExitStatus.OK)) && !o.stalled() && !o.stopping()) {
                staged.complete();
            } else {
                staged.fail(error != null ? error : new IOException("the master ended the stream with "
                        + exit.map(MasterExitStatus::describe).orElse("no exit status")));
            }
            outcome.complete(o);
        }

        StreamOutcome await() {
            try {
                return outcome.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                channel.abort();
                return outcome.join();
            } catch (java.util.concurrent.ExecutionException e) {
                throw new IllegalStateException("the download never fails its outcome", e);
            }
        }
    }

    private void cleanStaging(String image, Optional<Path> keep) {
        try {
            pool.cleanStaging(image, keep);
        } catch (RuntimeException e) {
            log.warn("replica {} image {}: cleaning {} failed: {}; it is retried before the next receive and at start",
                    replicaId, image, pool.stagingDir(image), e.getMessage());
        }
    }

    /** Stops the timer; a step in flight must have been aborted first. */
    @Override
    public void close() {
        timer.shutdownNow();
        statExecutor.shutdownNow();
    }

    /** Counts the stream's own bytes, as btrfs receive reads them. */
    private static final class Counting extends FilterInputStream {

        private volatile long count;

        Counting(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                count += n;
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long skipped = super.skip(n);
            count += skipped;
            return skipped;
        }
    }
}
