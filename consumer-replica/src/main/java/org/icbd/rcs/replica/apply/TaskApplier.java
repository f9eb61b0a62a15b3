package org.icbd.rcs.replica.apply;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.icbd.rcs.events.HeldVersion;
import org.icbd.rcs.events.ReplicaImageState;
import org.icbd.rcs.events.ReplicationTask;
import org.icbd.rcs.events.Sources;
import org.icbd.rcs.events.StepReport;
import org.icbd.rcs.events.TransferProgress;
import org.icbd.rcs.events.TransferStep;
import org.icbd.rcs.replica.disk.VersionStore;
import org.icbd.rcs.replica.handoff.PostApplyHook;
import org.icbd.rcs.replica.metrics.ReplicaMetrics;
import org.icbd.rcs.replica.report.ReplicaReports;
import org.icbd.rcs.replica.step.AbortSignal;
import org.icbd.rcs.replica.step.StepFailure;
import org.icbd.rcs.replica.step.StepObserver;
import org.icbd.rcs.replica.step.StepOrder;
import org.icbd.rcs.replica.step.StepProgress;
import org.icbd.rcs.replica.step.StepResult;
import org.icbd.rcs.replica.step.StepRunner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives replication tasks on a replica, one at a time: compares the task with the disk, runs each
 * remaining step through the {@link StepRunner} (which pulls, verifies and promotes it), reports
 * every step's outcome, and prunes beyond {@code keep}. TRANSIENT failures are retried with
 * exponential backoff, then every {@link Backoff#max()} for as long as they last (the task is never
 * given up while its cause is transient, so the replica catches up within {@code max} of the cause
 * going away); every failure is reported. PERMANENT ones are reported and the replica waits for a
 * new task. A stop ends the retries at once.
 *
 * <p>Invariants: versions held before a task are never touched by it except by retention, which
 * never deletes the newest. Every state published is read from the disk at that moment (the held
 * versions of a progress state are the last ones read). What reaches {@code versions/} and the
 * staging left after a failure are the step runner's.
 *
 * <p>{@link #apply} runs on one thread; {@link #stop()} may be called from any other.
 */
public final class TaskApplier implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TaskApplier.class);

    private final String replicaId;
    private final VersionStore pool;
    private final StepRunner steps;
    private final ReplicaReports publisher;
    private final Map<String, Integer> keepByImage;
    private final Backoff backoff;
    private final Clock clock;
    private final PostApplyHook postApply;
    private final ReplicaMetrics metrics;
    /** The last step's report per image, for the states published until the next step. */
    private final Map<String, StepReport> lastSteps = new ConcurrentHashMap<>();
    /** Raised by {@link #stop()}: abandons the step in flight and every later one. */
    private final AbortSignal stopping = new AbortSignal();
    /** Wakes a backoff pause when the applier stops. */
    private final Object pause = new Object();

    public TaskApplier(String replicaId, VersionStore pool, StepRunner steps, ReplicaReports publisher,
                       Map<String, Integer> keepByImage, Backoff backoff, Clock clock) {
        this(replicaId, pool, steps, publisher, keepByImage, backoff, clock, PostApplyHook.none());
    }

    /** @param postApply run after each promotion (once {@code current} has switched); its failure is reported */
    public TaskApplier(String replicaId, VersionStore pool, StepRunner steps, ReplicaReports publisher,
                       Map<String, Integer> keepByImage, Backoff backoff, Clock clock, PostApplyHook postApply) {
        this(replicaId, pool, steps, publisher, keepByImage, backoff, clock, postApply, ReplicaMetrics.none());
    }

    /** @param metrics told of every step's outcome, its bytes and the image's lag */
    public TaskApplier(String replicaId, VersionStore pool, StepRunner steps, ReplicaReports publisher,
                       Map<String, Integer> keepByImage, Backoff backoff, Clock clock, PostApplyHook postApply,
                       ReplicaMetrics metrics) {
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.postApply = Objects.requireNonNull(postApply, "postApply");
        this.replicaId = Objects.requireNonNull(replicaId, "replicaId");
        this.pool = Objects.requireNonNull(pool, "pool");
        this.steps = Objects.requireNonNull(steps, "steps");
        this.publisher = Objects.requireNonNull(publisher, "publisher");
        this.keepByImage = Map.copyOf(keepByImage);
        this.backoff = Objects.requireNonNull(backoff, "backoff");
        this.clock = Objects.requireNonNull(clock, "clock");
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
        // Once a step from a peer failed, the rest of this task comes from the master: a peer that is
        // down or lost the version must not hold the replica in a retry loop the planner cannot end.
        boolean fromMaster = false;
        for (int attempt = 1; ; attempt++) {
            if (isStopping()) {
                return TaskOutcome.ABANDONED;
            }
            List<HeldVersion> held = pool.held(image);
            DiskMatch match = DiskMatch.of(task, held);
            if (match instanceof DiskMatch.HasTarget has) {
                log.info("replica {} image {} task {}: version {} is already here; reporting the disk",
                        replicaId, image, task.taskId(), has.target());
                metrics.behind(image, 0);
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
            if (fromMaster) {
                remaining = remaining.stream().map(st -> st.from(Sources.MASTER)).toList();
            }
            metrics.behind(image, remaining.size());
            Optional<FailedStep> failed = applySteps(task, remaining, held);
            if (failed.isEmpty()) {
                prune(image, keep);
                return TaskOutcome.DONE;
            }
            FailedStep f = failed.get();
            if (isStopping()) {
                publishFailure(task, f, f.failure().getMessage());
                return TaskOutcome.ABANDONED;
            }
            // A transient cause (master down, network, busy) goes away by itself: retrying is never
            // given up, the delay only stops growing, so the step runs within max-backoff of its return.
            Optional<Duration> delay = f.failure().isTransient()
                    ? Optional.of(backoff.delayAfter(attempt).orElse(backoff.max())) : Optional.empty();
            String next;
            if (f.fromPeer()) {
                // Whatever its class: the master may well have what the peer could not give.
                fromMaster = true;
                delay = Optional.of(delay.orElse(Duration.ZERO));
                next = "; retrying from the master in " + delay.get().toMillis() + " ms (attempt " + (attempt + 1) + ")";
            } else if (delay.isPresent() && attempt < backoff.maxAttempts()) {
                next = "; retrying in " + delay.get().toMillis() + " ms (attempt " + (attempt + 1) + ")";
            } else if (delay.isPresent()) {
                next = "; retrying in " + delay.get().toMillis() + " ms (attempt " + (attempt + 1)
                        + ", still failing after " + backoff.maxAttempts() + ": retrying every "
                        + backoff.max().toMillis() + " ms)";
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

    /**
     * Runs the steps in order; stops at the first failure and returns it.
     *
     * @param held the versions held before the first step
     */
    private Optional<FailedStep> applySteps(ReplicationTask task, List<TransferStep> chain, List<HeldVersion> held) {
        List<HeldVersion> before = held;
        int left = chain.size();
        for (TransferStep step : chain) {
            List<HeldVersion> heldNow = before;
            StepObserver observer = progress -> publishProgress(task, step, heldNow, progress);
            StepResult result = steps.run(new StepOrder(task.taskId(), task.image(), step, task.compression()),
                    observer, stopping);
            if (result instanceof StepResult.Failed failed) {
                metrics.failed(task.image(), failed.failure().errorClass(), failed.wireBytes());
                return Optional.of(new FailedStep(step, failed.failure(), failed.wireBytes(),
                        failed.elapsed().toMillis(), failed.source()));
            }
            StepResult.Applied applied = (StepResult.Applied) result;
            long bytes = applied.wireBytes();
            long millis = applied.elapsed().toMillis();
            metrics.applied(task.image(), bytes, applied.elapsed());
            metrics.behind(task.image(), --left);
            StepReport report = StepReport.applied(task.taskId(), step.version(), bytes, millis)
                    .withSource(applied.source());
            // After the promotion has switched current; a failed hook is reported, the version stays.
            lastSteps.put(task.image(), postApply.afterPromotion(task.image(), step.version(),
                    pool.versionDir(task.image(), step.version())).map(report::withHook).orElse(report));
            log.info("replica {} image {} version {} task {}: applied ({} bytes in {} ms, {} MB/s, received uuid {})",
                    replicaId, task.image(), step.version(), task.taskId(), bytes, millis,
                    String.format("%.1f", bytes / 1e6 / Math.max(0.001, millis / 1000.0)),
                    applied.promoted().receivedUuid());
            before = report(task.image()).versions();
        }
        return Optional.empty();
    }

    private void publishProgress(ReplicationTask task, TransferStep step, List<HeldVersion> held,
                                 StepProgress progress) {
        long bytes = progress.streamBytes();
        long rate = progress.bytesPerSecond();
        metrics.progress(progress.wireBytes(), rate);
        Optional<Long> total = progress.totalBytes().isPresent()
                ? Optional.of(progress.totalBytes().getAsLong()) : Optional.empty();
        metrics.progress(progress.wireBytes(), rate);
        Optional<Long> eta = progress.eta().map(Duration::toSeconds);
        log.info("replica {} image {} version {} task {}: {} MiB of {} received, {} MB/s, ETA {}", replicaId,
                task.image(), step.version(), task.taskId(), String.format("%.1f", bytes / 1048576.0),
                total.map(t -> String.format("%.1f MiB", t / 1048576.0)).orElse("?"),
                String.format("%.1f", rate / 1e6), eta.map(e -> e + " s").orElse("?"));
        TransferProgress transfer = new TransferProgress(task.taskId(), step.version(), step.parentVersion(), bytes,
                rate, progress.startedAt(), total, eta);
        publisher.publishProgress(ReplicaImageState.of(replicaId, task.image(), held,
                Optional.ofNullable(lastSteps.get(task.image())), Optional.of(transfer), progress.at()));
    }

    private void publishFailure(ReplicationTask task, FailedStep f, String reason) {
        lastSteps.put(task.image(), StepReport.failed(task.taskId(), f.step().version(), f.failure().errorClass(),
                reason, f.bytes(), f.millis()).withSource(f.source()));
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

    private boolean isStopping() {
        return stopping.isRaised();
    }

    /** Waits {@code delay} unless stopped first; false when stopped. */
    private boolean sleep(Duration delay) {
        long deadline = System.nanoTime() + delay.toNanos();
        synchronized (pause) {
            while (!stopping.isRaised()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return true;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(pause, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            return false;
        }
    }

    /**
     * Aborts the step in flight (its channel is closed, its receive killed, staging cleaned by the
     * step runner) and makes {@link #apply} return {@link TaskOutcome#ABANDONED}. Any thread.
     */
    public void stop() {
        stopping.raise();
        synchronized (pause) {
            pause.notifyAll();
        }
    }

    @Override
    public void close() {
        stop();
    }

    /** A step that failed, with what it had moved by then. */
    private record FailedStep(TransferStep step, StepFailure failure, long bytes, long millis, String source) {

        boolean fromPeer() {
            return !source.equals(Sources.MASTER);
        }
    }
}
