package org.icbd.rcs.replica.step;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.icbd.rcs.btrfs.ReceivedSubvolume;
import org.icbd.rcs.events.ErrorClass;
import org.icbd.rcs.events.HeldVersion;
import org.icbd.rcs.events.TransferStep;
import org.icbd.rcs.replica.disk.ReplicaPool;
import org.icbd.rcs.replica.pull.MasterClient;
import org.icbd.rcs.replica.pull.SendChannel;
import org.icbd.rcs.replica.pull.StreamOutcome;
import org.icbd.rcs.transfer.TransferRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pulls one step from the master into a replica's pool: checks that the parent is held, opens an
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
    private final MasterClient master;
    private final Duration progressInterval;
    private final Clock clock;
    private final ScheduledExecutorService timer;

    /**
     * @param progressInterval how often the observer is told of a transfer in flight
     * @param clock            the instants the observer is given
     */
    public PullStepRunner(String replicaId, ReplicaPool pool, MasterClient master, Duration progressInterval,
                          Clock clock) {
        this.replicaId = Objects.requireNonNull(replicaId, "replicaId");
        this.pool = Objects.requireNonNull(pool, "pool");
        this.master = Objects.requireNonNull(master, "master");
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
            cleanStaging(order.image());
            return new StepResult.Failed(failure, attempt.wireBytes, Duration.ofNanos(System.nanoTime() - start));
        }
    }

    /** One run of one step, and what it moved so far. */
    private final class Attempt {

        private final StepOrder order;
        private final String what;
        private final long start;
        private long wireBytes;

        Attempt(StepOrder order, long start) {
            this.order = order;
            this.start = start;
            this.what = "pulling " + order.describe() + " from " + master.endpoint().address() + " for task "
                    + order.taskId();
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
            SendChannel channel;
            try {
                channel = master.open(request);
            } catch (IOException | RuntimeException e) {
                throw FailureClassifier.classifyConnect(what, e);
            }
            long connected = System.nanoTime();
            Instant startedAt = clock.instant();
            ReceivedSubvolume received = null;
            Counting streamIn = null;
            StreamOutcome outcome;
            try (channel; AbortSignal.Registration onAbort = abort.whenRaised(channel::abort)) {
                log.info("replica {} image {} version {} task {}: receiving `{}` into {}", replicaId, image,
                        step.version(), order.taskId(), request.print(), pool.stagingDir(image));
                tell(observer, channel, startedAt);
                Throwable receiveError = null;
                try (Ticker progress = new Ticker(timer, progressInterval, () -> tell(observer, channel, startedAt));
                     Ticker stallCheck = new Ticker(timer, SendChannel.STALL_CHECK, () -> {
                         if (channel.checkStall()) {
                             log.warn("replica {} image {} version {} task {}: no data from the master for {}; the"
                                     + " channel is abandoned", replicaId, image, step.version(), order.taskId(),
                                     master.endpoint().stallTimeout());
                         }
                     })) {
                    streamIn = new Counting(channel.stream());
                    received = pool.receive(image, streamIn);
                    // btrfs receive -e stops at the end command; the rest (an LZ4 frame's end mark and
                    // checksum) must still be read and checked.
                    streamIn.transferTo(OutputStream.nullOutputStream());
                } catch (IOException | RuntimeException e) {
                    receiveError = e;
                }
                outcome = channel.finish(Optional.ofNullable(receiveError));
                wireBytes = outcome.wireBytes();
            }
            Optional<StepFailure> failure = FailureClassifier.classify(what, outcome);
            if (failure.isPresent()) {
                if (outcome.receiveError().filter(FailureClassifier::isDiskFull).isPresent()) {
                    // Measured with the partial receive still staged (deleted next): the pool as it filled up.
                    throw new StepFailure(failure.get().errorClass(), failure.get().getMessage() + " (pool "
                            + pool.root() + ": " + freeBytes() + " bytes free)", failure.get().getCause());
                }
                throw failure.get();
            }
            long transferred = System.nanoTime();
            HeldVersion promoted = verifyAndPromote(image, step, received);
            long end = System.nanoTime();
            return new StepResult.Applied(promoted, wireBytes, OptionalLong.of(streamIn.count),
                    new StepTimings(Duration.ofNanos(connected - start), Duration.ofNanos(transferred - connected),
                            Duration.ofNanos(end - transferred)));
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

        private void tell(StepObserver observer, SendChannel channel, Instant startedAt) {
            try {
                observer.transferring(new StepProgress(order, channel.wireBytes(), startedAt, clock.instant()));
            } catch (RuntimeException e) {
                log.warn("replica {} image {} version {} task {}: reporting progress failed: {}", replicaId,
                        order.image(), order.step().version(), order.taskId(), e.toString());
            }
        }
    }

    private void cleanStaging(String image) {
        try {
            pool.cleanStaging(image);
        } catch (RuntimeException e) {
            log.warn("replica {} image {}: cleaning {} failed: {}; it is retried before the next receive and at start",
                    replicaId, image, pool.stagingDir(image), e.getMessage());
        }
    }

    /** Stops the timer; a step in flight must have been aborted first. */
    @Override
    public void close() {
        timer.shutdownNow();
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
