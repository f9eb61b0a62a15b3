package org.icbd.rcs.replica.apply;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.icbd.rcs.btrfs.ReceivedSubvolume;
import org.icbd.rcs.events.ErrorClass;
import org.icbd.rcs.events.HeldVersion;
import org.icbd.rcs.events.ReplicaImageState;
import org.icbd.rcs.events.ReplicationTask;
import org.icbd.rcs.events.StepReport;
import org.icbd.rcs.events.TransferProgress;
import org.icbd.rcs.events.TransferStep;
import org.icbd.rcs.replica.disk.ReplicaPool;
import org.icbd.rcs.replica.handoff.PostApplyHook;
import org.icbd.rcs.replica.pull.MasterClient;
import org.icbd.rcs.replica.pull.SendChannel;
import org.icbd.rcs.replica.report.ReplicaPublisher;
import org.icbd.rcs.transfer.TransferRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies replication tasks to a replica's pool, one at a time: compares the task with the disk,
 * pulls each step from the master into staging, verifies it, promotes it, reports, and prunes
 * beyond {@code keep}. Transient failures are retried with bounded backoff; permanent ones are
 * reported and the replica waits for a new task.
 *
 * <p>Invariants: nothing reaches {@code versions/} unverified (read-only, received uuid = the
 * step's uuid); staging is empty after every step, failed or not; versions held before a task are
 * never touched by it except by retention, which never deletes the newest. Every state published
 * is read from the disk at that moment.
 *
 * <p>{@link #apply} runs on one thread; {@link #stop()} may be called from any other.
 */
public final class TaskApplier implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TaskApplier.class);

    /** After a receive that failed mid-stream, how long the master's own verdict is waited for. */
    private static final Duration VERDICT_AFTER_REJECT = Duration.ofSeconds(1);

    private final String replicaId;
    private final ReplicaPool pool;
    private final MasterClient master;
    private final ReplicaPublisher publisher;
    private final Map<String, Integer> keepByImage;
    private final Backoff backoff;
    private final Duration progressInterval;
    private final Clock clock;
    private final ScheduledExecutorService timer;
    private final PostApplyHook postApply;
    /** The last step's report per image, for the states published until the next step. */
    private final Map<String, StepReport> lastSteps = new ConcurrentHashMap<>();

    private final Object lock = new Object();
    private boolean stopping;
    private SendChannel current;

    public TaskApplier(String replicaId, ReplicaPool pool, MasterClient master, ReplicaPublisher publisher,
                       Map<String, Integer> keepByImage, Backoff backoff, Duration progressInterval, Clock clock,
                       PostApplyHook postApply) {
        this.replicaId = Objects.requireNonNull(replicaId, "replicaId");
        this.pool = Objects.requireNonNull(pool, "pool");
        this.master = Objects.requireNonNull(master, "master");
        this.publisher = Objects.requireNonNull(publisher, "publisher");
        this.keepByImage = Map.copyOf(keepByImage);
        this.backoff = Objects.requireNonNull(backoff, "backoff");
        this.progressInterval = Objects.requireNonNull(progressInterval, "progressInterval");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.postApply = Objects.requireNonNull(postApply, "postApply");
        // Two threads: a progress publish blocked on Kafka must not delay the stall check.
        this.timer = Executors.newScheduledThreadPool(2, r -> {
            Thread t = new Thread(r, "replica-transfer-" + replicaId);
            t.setDaemon(true);
            return t;
        });
    }

    /** Publishes the state of {@code image} as the disk has it now, and waits for the acknowledgement. */
    public ReplicaImageState report(String image) {
        ReplicaImageState state = ReplicaImageState.of(replicaId, image, pool.held(image),
                Optional.ofNullable(lastSteps.get(image)), Optional.empty(), clock.instant());
        publisher.publishState(state);
        return state;
    }

    /**
     * Applies one task addressed to this replica.
     *
     * @return {@link TaskOutcome#DONE} once the task's state is published (its offset may be committed),
     *     {@link TaskOutcome#ABANDONED} when the service stopped in the middle
     * @throws org.icbd.rcs.replica.report.PublishException if a state could not be published; the
     *     task must then be retried, its offset not committed
     */
    public TaskOutcome apply(ReplicationTask task) {
        String image = task.image();
        Integer keep = keepByImage.get(image);
        if (keep == null) {
            log.warn("replica {} task {}: image {} is not subscribed here; the task is skipped", replicaId,
                    task.taskId(), image);
            return TaskOutcome.DONE;
        }
        for (int attempt = 1; ; attempt++) {
            if (isStopping()) {
                return TaskOutcome.ABANDONED;
            }
            List<HeldVersion> held = pool.held(image);
            DiskMatch match = DiskMatch.of(task, held);
            if (match instanceof DiskMatch.HasTarget has) {
                log.info("replica {} image {} task {}: version {} is already here; reporting the disk",
                        replicaId, image, task.taskId(), has.target());
                report(image);
                return TaskOutcome.DONE;
            }
            if (match instanceof DiskMatch.Stale stale) {
                log.info("replica {} image {} task {}: {}; reporting the disk so that the planner replans",
                        replicaId, image, task.taskId(), stale.describe());
                report(image);
                return TaskOutcome.DONE;
            }
            List<TransferStep> remaining = ((DiskMatch.Proceed) match).remaining();
            Optional<FailedStep> failed = applySteps(task, remaining);
            if (failed.isEmpty()) {
                prune(image, keep);
                return TaskOutcome.DONE;
            }
            FailedStep f = failed.get();
            cleanStaging(image);
            if (isStopping()) {
                publishFailure(task, f, f.failure().getMessage());
                return TaskOutcome.ABANDONED;
            }
            Optional<Duration> delay = f.failure().isTransient() ? backoff.delayAfter(attempt) : Optional.empty();
            String next;
            if (delay.isPresent()) {
                next = "; retrying in " + delay.get().toMillis() + " ms (attempt " + (attempt + 1) + " of "
                        + backoff.maxAttempts() + ")";
            } else if (f.failure().isTransient()) {
                next = "; gave up after " + attempt + " attempts; the planner reissues the task";
            } else {
                next = "; not retried: waiting for a new task";
            }
            publishFailure(task, f, f.failure().getMessage() + next);
            log.warn("replica {} image {} version {} task {}: {} {}{}", replicaId, image, f.step().version(),
                    task.taskId(), f.failure().errorClass(), f.failure().getMessage(), next);
            if (delay.isEmpty()) {
                return TaskOutcome.DONE;
            }
            if (!sleep(delay.get())) {
                return TaskOutcome.ABANDONED;
            }
        }
    }

    /** Runs the steps in order; stops at the first failure and returns it. */
    private Optional<FailedStep> applySteps(ReplicationTask task, List<TransferStep> steps) {
        for (TransferStep step : steps) {
            long start = System.nanoTime();
            long[] bytes = {0};
            try {
                HeldVersion promoted = runStep(task, step, bytes);
                long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                StepReport applied = StepReport.applied(task.taskId(), step.version(), bytes[0], millis);
                // After the promotion has switched current; a failed hook is reported, the version stays.
                lastSteps.put(task.image(), postApply.afterPromotion(task.image(), step.version(),
                        pool.versionDir(task.image(), step.version())).map(applied::withHook).orElse(applied));
                log.info("replica {} image {} version {} task {}: applied ({} bytes in {} ms, {} MB/s, received uuid {})",
                        replicaId, task.image(), step.version(), task.taskId(), bytes[0], millis,
                        String.format("%.1f", bytes[0] / 1e6 / Math.max(0.001, millis / 1000.0)),
                        promoted.receivedUuid());
                report(task.image());
            } catch (StepFailure failure) {
                long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                return Optional.of(new FailedStep(step, failure, bytes[0], millis));
            }
        }
        return Optional.empty();
    }

    /** One step: parent check, pull into staging, verify, promote. */
    private HeldVersion runStep(ReplicationTask task, TransferStep step, long[] bytes) throws StepFailure {
        String image = task.image();
        List<HeldVersion> held = pool.held(image);
        String what = "pulling " + image + " version " + step.version()
                + step.parentVersion().map(p -> " (delta from " + p + ")").orElse(" (full)")
                + " from " + master.endpoint().address() + " for task " + task.taskId();
        if (step.parentVersion().isPresent()) {
            int parent = step.parentVersion().get();
            String parentUuid = step.parentUuid().orElseThrow();
            boolean present = held.stream().anyMatch(h -> h.version() == parent && h.receivedUuid().equals(parentUuid));
            if (!present) {
                throw new StepFailure(ErrorClass.PERMANENT, what + " cannot start: its parent, version " + parent
                        + " with received uuid " + parentUuid + ", is not in " + pool.versionsDir(image)
                        + " (held: " + held + "); the planner must send a full step or another parent");
            }
        }
        Optional<HeldVersion> existing = held.stream().filter(h -> h.version() == step.version()).findFirst();
        if (existing.isPresent()) {
            throw new StepFailure(ErrorClass.PERMANENT, what + " cannot start: " + pool.versionDir(image, step.version())
                    + " already exists with received uuid " + existing.get().receivedUuid()
                    + " and is never overwritten; remove it by hand if it is wrong");
        }
        TransferRequest request = new TransferRequest(image, step.version(), step.parentVersion(), task.compression());
        Instant startedAt = clock.instant();
        SendChannel channel;
        try {
            channel = master.open(request);
        } catch (IOException | RuntimeException e) {
            throw FailureClassifier.classifyConnect(what, e);
        }
        try (channel) {
            synchronized (lock) {
                current = channel;
                if (stopping) {
                    channel.abort();
                }
            }
            log.info("replica {} image {} version {} task {}: receiving `{}` into {}", replicaId, image,
                    step.version(), task.taskId(), request.print(), pool.stagingDir(image));
            publishProgress(task, step, held, channel, startedAt);
            ReceivedSubvolume received = null;
            Throwable receiveError = null;
            try (Ticker progress = new Ticker(timer, progressInterval,
                    () -> publishProgress(task, step, held, channel, startedAt));
                 Ticker stallCheck = new Ticker(timer, SendChannel.STALL_CHECK, () -> {
                     if (channel.checkStall()) {
                         log.warn("replica {} image {} version {} task {}: no data from the master for {}; the"
                                 + " channel is abandoned", replicaId, image, step.version(), task.taskId(),
                                 master.endpoint().stallTimeout());
                     }
                 })) {
                InputStream stream = channel.stream();
                received = pool.receive(image, stream);
                // btrfs receive -e stops at the end command; the rest (an LZ4 frame's end mark and
                // checksum) must still be read and checked.
                stream.transferTo(OutputStream.nullOutputStream());
            } catch (IOException | RuntimeException e) {
                receiveError = e;
            }
            bytes[0] = channel.wireBytes();
            // The master's verdict comes once its stream ended; a receive that gave up mid-stream on a
            // live channel only glances for one (the master is still sending and would not end soon).
            boolean streamOver = receiveError == null || channel.reachedEnd() || channel.readFailure().isPresent()
                    || channel.closedByPeer();
            Optional<Integer> exit = channel.awaitExit(streamOver ? master.endpoint().connectTimeout()
                    : VERDICT_AFTER_REJECT);
            boolean connectionLost = !channel.aborted() && (channel.readFailure().isPresent()
                    || exit.isEmpty() && (channel.reachedEnd() || channel.closedByPeer()));
            StreamOutcome outcome = new StreamOutcome(channel.wireBytes(), exit, channel.masterReason(),
                    channel.stalled(), channel.aborted() || isStopping(), connectionLost,
                    Optional.ofNullable(receiveError));
            synchronized (lock) {
                current = null;
            }
            Optional<StepFailure> failure = FailureClassifier.classify(what, outcome);
            if (failure.isPresent()) {
                throw failure.get();
            }
            return verifyAndPromote(what, image, step, received);
        }
    }

    private HeldVersion verifyAndPromote(String what, String image, TransferStep step, ReceivedSubvolume received)
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

    private void publishProgress(ReplicationTask task, TransferStep step, List<HeldVersion> held,
                                 SendChannel channel, Instant startedAt) {
        long bytes = channel.wireBytes();
        Instant now = clock.instant();
        double seconds = Math.max(0.001, Duration.between(startedAt, now).toMillis() / 1000.0);
        long rate = (long) (bytes / seconds);
        log.info("replica {} image {} version {} task {}: {} MiB received, {} MB/s", replicaId, task.image(),
                step.version(), task.taskId(), String.format("%.1f", bytes / 1048576.0),
                String.format("%.1f", rate / 1e6));
        TransferProgress progress = new TransferProgress(task.taskId(), step.version(), step.parentVersion(), bytes,
                rate, startedAt);
        publisher.publishProgress(ReplicaImageState.of(replicaId, task.image(), held,
                Optional.ofNullable(lastSteps.get(task.image())), Optional.of(progress), now));
    }

    private void publishFailure(ReplicationTask task, FailedStep f, String reason) {
        lastSteps.put(task.image(), StepReport.failed(task.taskId(), f.step().version(), f.failure().errorClass(),
                reason, f.bytes(), f.millis()));
        report(task.image());
    }

    /** Deletes versions beyond {@code keep}, oldest first; the newest is never among them. */
    private void prune(String image, int keep) {
        List<HeldVersion> doomed = Retention.toDelete(pool.held(image), keep);
        if (doomed.isEmpty()) {
            return;
        }
        for (HeldVersion v : doomed) {
            try {
                pool.deleteVersion(image, v.version());
                log.info("replica {} image {} version {}: deleted by retention (keep {})", replicaId, image,
                        v.version(), keep);
            } catch (RuntimeException e) {
                log.warn("replica {} image {} version {}: retention could not delete it: {}", replicaId, image,
                        v.version(), e.getMessage());
            }
        }
        report(image);
    }

    private void cleanStaging(String image) {
        try {
            pool.cleanStaging(image);
        } catch (RuntimeException e) {
            log.warn("replica {} image {}: cleaning {} failed: {}; it is retried before the next receive and at start",
                    replicaId, image, pool.stagingDir(image), e.getMessage());
        }
    }

    private boolean isStopping() {
        synchronized (lock) {
            return stopping;
        }
    }

    /** Waits {@code delay} unless stopped first; false when stopped. */
    private boolean sleep(Duration delay) {
        long deadline = System.nanoTime() + delay.toNanos();
        synchronized (lock) {
            while (!stopping) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return true;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(lock, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            return false;
        }
    }

    /**
     * Aborts the transfer in flight (its channel is closed, its receive killed, staging cleaned by
     * {@link #apply}) and makes {@link #apply} return {@link TaskOutcome#ABANDONED}. Any thread.
     */
    public void stop() {
        synchronized (lock) {
            stopping = true;
            if (current != null) {
                current.abort();
            }
            lock.notifyAll();
        }
    }

    @Override
    public void close() {
        stop();
        timer.shutdownNow();
    }

    /** A step that failed, with what it had moved by then. */
    private record FailedStep(TransferStep step, StepFailure failure, long bytes, long millis) {
    }
}
